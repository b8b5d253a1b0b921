"""Fuzzing the office API from its published OpenAPI spec: no request makes a 500, on
SQLite and PostgreSQL, and every refusal has the spec's error body.

schemathesis is not among this project's dependencies, so this is a small generator of
its own: for every operation in /openapi.json it draws path parameters, query
parameters, headers (good, bad and missing tokens and protocol versions) and bodies
(random JSON, and valid pushes with one field replaced by random JSON).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sync.test_push import batch

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
texts = st.text(st.characters(codec="utf-8"), max_size=80) | st.sampled_from(["0", "-1", "a" * 64, "f" * 64, "1" * 30])


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(path, method.upper(), op) for path, item in spec["paths"].items()
            for method, op in item.items()]


@st.composite
def requests(draw, spec, token):
    path, method, op = draw(st.sampled_from(operations(spec)))
    url = path
    params = {}
    for p in op.get("parameters", []):
        value = draw(texts | st.integers(-10, 2**63).map(str))
        if p["in"] == "path":
            from urllib.parse import quote

            url = url.replace("{" + p["name"] + "}", quote(value, safe="") or "x")
        elif p["in"] == "query" and draw(st.booleans()):
            params[p["name"]] = value
    headers = {}
    auth = draw(st.sampled_from(["good", "bad", "none", "basic"]))
    if auth == "good":
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "bad":
        headers["Authorization"] = draw(st.sampled_from(["Bearer x", "Bearer", "Token y", "Basic !!"]))
    elif auth == "basic":
        headers["Authorization"] = "Basic Om5vdC1hLXRva2Vu"
    device = draw(st.sampled_from([None, "dev-a", "", "bad id!", "x" * 100]))
    if device is not None:
        headers["X-Visitapp-Device"] = device
    version = draw(st.sampled_from(["1", "0", "2", "x", None, "99999999999999999999"]))
    if version is not None:
        headers["X-Visitapp-Protocol"] = version
    content = None
    if method in ("POST", "PUT"):
        kind = draw(st.sampled_from(["random", "mutated", "bytes"]))
        if kind == "random":
            content = json.dumps(draw(json_values)).encode()
        elif kind == "bytes":
            content = draw(st.binary(max_size=200))
        else:
            body = batch(2)
            op_fields = list(body["ops"][0])
            field = draw(st.sampled_from(op_fields))
            body["ops"][0][field] = draw(json_values)
            content = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    return method, url, params, headers, content


def test_fuzzing_the_openapi_spec__finds_no_server_error(arena):
    office = arena.office
    _, token = office.device()
    with office.http(None) as http:
        spec = http.get("/openapi.json").json()
    assert {p for p, _, _ in operations(spec)} >= {"/v1/ops", "/v1/blobs/{sha256}", "/health"}

    @settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                       HealthCheck.too_slow], deadline=None)
    @given(requests(spec, token))
    def fuzz(request):
        method, url, params, headers, content = request
        with office.http(None) as http:
            response = http.request(method, url, params=params, headers=headers,
                                    content=content)
        assert response.status_code < 500, (request, response.text)
        if method != "HEAD" and response.status_code in (401, 403, 413, 415, 422, 426):
            # What the spec says every refusal looks like: ErrorBody, {"detail": words}.
            body = response.json()
            assert set(body) == {"detail"} and isinstance(body["detail"], str), body

    fuzz()
