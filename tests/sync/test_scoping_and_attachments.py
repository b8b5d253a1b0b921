"""Team scoping, tokens, protocol versions and attachments on the office service."""

from __future__ import annotations

import hashlib
import io
import json
import uuid

import pytest
from PIL import Image

from sync.protocol import DEVICE_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION
from sync.server import store
from tests.sync.conftest import small_visit
from tests.sync.test_push import HEADERS, batch, created_op, wire_op


def test_team_a__cannot_read_or_write_team_b_visits(office, make_tablet):
    a, b = make_tablet("north"), make_tablet("south")
    vid_b, _, _ = small_visit(b.services)
    b.sync()
    # Pull: a team-A device sees none of team B's ops.
    with office.http(a.token) as http:
        page = http.get("/v1/ops", params={"after": 0}, headers=HEADERS).json()
        assert page["ops"] == [] and page["has_more"] is False
        # Push into B's visit: refused per op, nothing stored.
        answer = http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION,
                                            "ops": [wire_op(vid_b)]}, headers=HEADERS).json()
    assert answer["results"][0]["status"] == "rejected"
    assert "another team" in answer["results"][0]["reason"]
    assert office.count("SELECT COUNT(*) FROM ops WHERE team = 'north'") == 0
    # And a team-A tablet syncing sees nothing of it.
    a.sync()
    with a.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ?",
                            (vid_b,)).fetchone()[0] == 0


def test_the_pushing_device_and_team__come_from_the_token_not_the_body(office, make_tablet):
    a, mate, south = make_tablet("north"), make_tablet("north"), make_tablet("south")
    body = batch(3)
    body["ops"][1]["device_id"] = "someone-else"  # relayed: origin differs from the pusher
    body["ops"][2]["device_id"] = "a-south-tablet"
    with office.http(a.token) as http:
        answer = http.post("/v1/ops", json=body, headers=HEADERS).json()
    # No tablet has presented those origins: the relayed ops wait for their makers.
    assert [(r["status"], r.get("code")) for r in answer["results"]] == [
        ("applied", None), ("rejected", "origin_unknown"), ("rejected", "origin_unknown")]
    for tablet, origin in ((mate, "someone-else"), (south, "a-south-tablet")):
        with office.http(tablet.token) as http:  # each tablet presents its own id
            http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION, "ops": []},
                      headers={**HEADERS, DEVICE_HEADER: origin})
    with office.http(a.token) as http:
        answer = http.post("/v1/ops", json=body, headers=HEADERS).json()
    # A legacy (unsigned) op is taken only from the tablet that made it: relayed by a
    # team-mate it waits for its maker; another team's is refused.
    assert [(r["status"], r.get("code")) for r in answer["results"]] == [
        ("duplicate", None), ("rejected", "origin_unknown"), ("rejected", "foreign_origin")]
    with office.http(mate.token) as http:
        answer = http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION,
                                            "ops": body["ops"][1:2]},
                           headers={**HEADERS, DEVICE_HEADER: "someone-else"}).json()
    assert answer["results"][0]["status"] == "applied"
    with office.http(a.token) as http:
        answer = http.post("/v1/ops", json=body, headers=HEADERS).json()
    assert [r["status"] for r in answer["results"]] == ["duplicate", "duplicate", "rejected"]
    assert office.count("SELECT COUNT(*) FROM ops WHERE pushed_by = :d AND team = 'north'",
                        d=a.device) == 1
    body = batch(1)
    body["team"] = "south"
    with office.http(a.token) as http:
        assert http.post("/v1/ops", json=body, headers=HEADERS).status_code == 422


@pytest.mark.parametrize("token", [None, "vd_not-a-real-token"])
def test_a_missing_or_unknown_token__is_refused(office, token):
    with office.http(token) as http:
        response = http.get("/v1/ops", headers=HEADERS)
    assert response.status_code == 401 and response.json()["detail"]


def test_a_revoked_token__is_refused(office):
    device, token = office.device()
    store.revoke_device(office.engine, device)
    with office.http(token) as http:
        response = http.post("/v1/ops", json=batch(1), headers=HEADERS)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert office.count("SELECT COUNT(*) FROM ops") == 0


def test_an_office_token__reads_every_team__but_cannot_push(office, make_tablet):
    a, b = make_tablet("north"), make_tablet("south")
    small_visit(a.services)
    small_visit(b.services)
    a.sync()
    b.sync()
    _, token = store.add_office_token(office.engine, name="Programme office")
    with office.http(token) as http:
        page = http.get("/v1/ops", params={"after": 0, "limit": 5000}, headers=HEADERS).json()
        assert len(page["ops"]) == office.count("SELECT COUNT(*) FROM ops")
        assert http.post("/v1/ops", json=batch(1), headers=HEADERS).status_code == 403
    # The office's pages are for people who sign in (tests/office/test_web.py).


def test_health__needs_no_token(office):
    with office.http(None) as http:
        body = http.get("/health").json()
    assert body["status"] == "ok" and body["protocol"] == PROTOCOL_VERSION


@pytest.mark.parametrize("version", ["0", None, "x"])
def test_an_old_app__is_told_to_update(office, version):
    _, token = office.device()
    headers = {PROTOCOL_HEADER: version} if version is not None else {}
    with office.http(token) as http:
        response = http.post("/v1/ops", json=batch(1), headers=headers)
    assert response.status_code == 426
    assert "update the app" in response.json()["detail"]


def test_the_previous_protocol_version__is_accepted__and_one_before_it_is_told_to_update(
        office, monkeypatch):
    import sync.protocol as protocol

    monkeypatch.setattr(protocol, "PROTOCOL_VERSION", 3)  # as if a version 3 came out
    _, token = office.device()
    with office.http(token) as http:
        old = http.post("/v1/ops", json={**batch(1), "protocol": 2},
                        headers={**HEADERS, PROTOCOL_HEADER: "2"})
        new = http.post("/v1/ops", json={**batch(1), "protocol": 3},
                        headers={**HEADERS, PROTOCOL_HEADER: "3"})
        unsigned_era = http.post("/v1/ops", json={**batch(1), "protocol": 1},
                                 headers={**HEADERS, PROTOCOL_HEADER: "1"})
    assert old.status_code == 200 and new.status_code == 200
    assert unsigned_era.status_code == 426 and "update the app" in unsigned_era.json()["detail"]


def test_envelopes_are_strict__unknown_fields_and_bad_values_refused(office):
    _, token = office.device()
    body = batch(1)
    body["ops"][0]["colour"] = "blue"
    bad_json = batch(1)
    bad_json["ops"][0]["value"] = "not json"
    with office.http(token) as http:
        for b, why in ((body, "unexpected colour"), (bad_json, "not strict JSON")):
            response = http.post("/v1/ops", json=b, headers=HEADERS)
            assert response.status_code == 200, b  # refused per op, with its reason
            [result] = response.json()["results"]
            assert result["status"] == "rejected" and result["code"] == "invalid"
            assert why in result["reason"]
        for b in ({"protocol": 1}, {"protocol": 1, "ops": "x"}, {"protocol": "1", "ops": []}):
            response = http.post("/v1/ops", json=b, headers=HEADERS)
            assert response.status_code == 422, b
            assert isinstance(response.json()["detail"], str)
    assert office.count("SELECT COUNT(*) FROM ops") == 0


def test_op_values_are_opaque__a_new_kind_of_entity_needs_no_server_change(office, make_tablet):
    a, b = make_tablet(), make_tablet()
    vid = str(uuid.uuid4())
    body = {"protocol": PROTOCOL_VERSION, "ops": [created_op(vid),
        {**wire_op(vid, seq=2), "entity": "rota", "entity_id": "four_hour_pct/2026-10",
         "field": "value", "value": json.dumps({"value": 71.5, "source": "SitRep"})}]}
    with office.http(a.token) as http:
        assert http.post("/v1/ops", json=body, headers=HEADERS).json()["results"][0][
            "status"] == "applied"
    assert store.field_values(office.engine, vid)[("rota", "four_hour_pct/2026-10", "value")][
        1] == body["ops"][1]["value"]
    b.sync()  # the tablet keeps what it does not know in its log
    with b.db.read() as conn:
        assert conn.execute("SELECT value FROM ops WHERE entity = 'rota'").fetchone()[0] == \
            body["ops"][1]["value"]


# --- attachments -------------------------------------------------------------------------

def photo(colour=(0, 94, 184)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def test_a_truncated_or_mismatched_upload__is_refused(office):
    _, token = office.device()
    data = b"x" * 5000
    sha = hashlib.sha256(data).hexdigest()
    with office.http(token) as http:
        truncated = http.put(f"/v1/blobs/{sha}", content=data[:4000], headers=HEADERS)
        other = http.put(f"/v1/blobs/{sha}", content=b"y" * 5000, headers=HEADERS)
        assert http.get(f"/v1/blobs/{sha}", headers=HEADERS).status_code == 404
    assert truncated.status_code == 422 and "SHA-256" in truncated.json()["detail"]
    assert other.status_code == 422
    assert office.count("SELECT COUNT(*) FROM blobs") == 0


def test_an_upload_over_the_limit__gets_a_clear_413(office):
    _, token = office.device()
    data = b"z" * (2 * 1024 * 1024 + 1)
    with office.http(token) as http:
        response = http.put(f"/v1/blobs/{hashlib.sha256(data).hexdigest()}", content=data,
                            headers=HEADERS)
    assert response.status_code == 413 and "over the limit" in response.json()["detail"]


def test_uploads_are_idempotent__and_the_same_photo_twice_is_stored_once(office, make_tablet):
    a, b = make_tablet(), make_tablet()
    vid, key, _ = small_visit(a.services)
    data = photo()
    first = a.services.attachments.attach_photo(vid, data, caption="Board", area_key=key)
    second = a.services.attachments.attach_photo(vid, data, caption="Board again", area_key=key)
    assert first != second
    shas = {s for x in a.services.visits.load(vid).attachments
            for s in (x.sha256, x.report_sha256)}
    report = a.sync()
    assert report.complete
    # Two attachments, one picture: each distinct file (here the small picture's clean and
    # report copies are the same bytes) is stored once.
    assert office.count("SELECT COUNT(*) FROM blobs") == len(shas) == 1
    assert report.blobs_uploaded == len(shas)
    assert a.sync().blobs_uploaded == 0  # nothing sent twice
    report = b.sync()
    assert report.blobs_downloaded == len(shas) and report.complete
    state = b.services.visits.load(vid)
    assert len(state.attachments) == 2
    for att in state.attachments:
        assert b.services.blobs.read(att.sha256) == a.services.blobs.read(att.sha256)


def test_attachments_go_up_before_the_ops_that_name_them(office, make_tablet):
    a = make_tablet()
    vid, key, _ = small_visit(a.services)
    a.services.attachments.attach_photo(vid, photo(), caption="Hub room", area_key=key)
    seen: list[tuple[str, int]] = []

    import httpx

    from tests.sync.conftest import SharedTransport

    class Spy(httpx.BaseTransport):
        inner = SharedTransport(office.transport)

        def handle_request(self, request):
            if request.method in ("PUT", "POST"):
                seen.append((request.method, office.count("SELECT COUNT(*) FROM ops")))
            return self.inner.handle_request(request)

    with office.http(a.token, transport=Spy()) as http:
        a.client(http=http).push()
    assert [m for m, _ in seen][-1] == "POST" and "PUT" in [m for m, _ in seen]
    assert all(count == 0 for method, count in seen if method == "PUT")


def test_another_team__cannot_download_a_teams_photo(office, make_tablet):
    a, b = make_tablet("north"), make_tablet("south")
    vid, key, _ = small_visit(a.services)
    att = a.services.attachments.attach_photo(vid, photo(), area_key=key)
    a.sync()
    sha = next(x.sha256 for x in a.services.visits.load(vid).attachments if x.id == att)
    with office.http(b.token) as http:
        assert http.get(f"/v1/blobs/{sha}", headers=HEADERS).status_code == 404
