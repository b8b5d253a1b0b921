"""Issue 10, the limits: a 100 MB push, an HTML blob, and an honest tablet whose work is
larger than one request may be."""

from __future__ import annotations

import hashlib
import io

import httpx
from PIL import Image

from sync.protocol import MAX_BODY_BYTES
from tests.sync.attack_kit import HEADERS, honest_visit, team_round


def test_a_100_mb_push__gets_413_with_a_reason__unread(arena):
    f = arena
    token = f.attacker()
    body = b'{"protocol":1,"ops":[' + b" " * (100 * 1024 * 1024) + b"]}"
    with f.http(token) as http:
        response = http.post("/v1/ops", content=body,
                             headers={**HEADERS, "content-type": "application/json"})
    assert response.status_code == 413 and "over the limit" in response.json()["detail"]
    assert f.office.count("SELECT COUNT(*) FROM ops") == 0
    f.assert_no_server_error()


def test_a_push_over_16_mib_without_a_length__is_cut_off_with_413(arena):
    f = arena
    token = f.attacker()

    def stream():
        yield b'{"protocol":1,"ops":['
        for _ in range(17):
            yield b" " * (1024 * 1024)
        yield b"]}"

    with f.http(token) as http:
        response = http.post("/v1/ops", content=stream(),
                             headers={**HEADERS, "content-type": "application/json"})
    assert response.status_code == 413
    f.assert_no_server_error()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 94, 184)).save(out, "PNG")
    return out.getvalue()


def test_an_html_blob__is_refused__and_photos_come_back_as_attachments_not_pages(arena):
    f = arena
    token = f.attacker()
    page = b"<html><script>alert(document.cookie)</script></html>"
    sha = hashlib.sha256(page).hexdigest()
    with f.http(token) as http:
        as_html = http.put(f"/v1/blobs/{sha}", content=page,
                           headers={**HEADERS, "content-type": "text/html"})
        as_png = http.put(f"/v1/blobs/{sha}", content=page,
                          headers={**HEADERS, "content-type": "image/png"})
        assert http.get(f"/v1/blobs/{sha}", headers=HEADERS).status_code == 404
        photo = png()
        photo_sha = hashlib.sha256(photo).hexdigest()
        stored = http.put(f"/v1/blobs/{photo_sha}", content=photo,
                          headers={**HEADERS, "content-type": "image/png"})
        served = http.get(f"/v1/blobs/{photo_sha}", headers=HEADERS)
    assert as_html.status_code == 415 and "only photos" in as_html.json()["detail"]
    assert as_png.status_code == 415 and "not a image/png" in as_png.json()["detail"]
    assert stored.status_code == 200
    assert served.content == photo
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("attachment")
    f.assert_no_server_error()


class BodySizes(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.pushes = inner, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.pushes.append(len(request.read()))
        return self.inner.handle_request(request)


def test_an_honest_tablet__splits_its_batches_under_the_body_budget(arena):
    f = arena
    north, mate = f.tablet("north"), f.tablet("north")
    vid, area, items = honest_visit(north)
    for i, item in enumerate(items[:8]):
        north.services.visits.set_note(vid, area, item, f"Observation {i}: "
                                       + "corridor care seen. " * 2000, author="Tester")
    sizes = BodySizes(f.watch)
    budget = 120_000
    with httpx.Client(transport=sizes, base_url="http://office.test",
                      headers={"Authorization": f"Bearer {north.token}"}) as http:
        from tests.sync.conftest import NO_WAIT
        from visitapp.services.sync import sync_engine

        report = sync_engine(north.db, north.services.blobs, http, retry=NO_WAIT,
                             body_budget=budget).sync()
    assert report.complete and len(sizes.pushes) > 2
    assert max(sizes.pushes) <= budget and max(sizes.pushes) < MAX_BODY_BYTES
    team_round(f, [north, mate])
