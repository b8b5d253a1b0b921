"""Push: idempotent, safe when answers are lost or a batch fails half-way, clock-guarded."""

from __future__ import annotations

import threading
import uuid

import httpx

from sync.protocol import DEVICE_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION, PushRequest, WireOp
from sync.server import store
from visitapp.domain import hlc
from visitapp.store import oplog

# The pusher presents "dev-a" as its own device id: the origin of the ops made here.
HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), DEVICE_HEADER: "dev-a"}


def wire_op(visit_id: str, *, value: str = '"green"', hlc_ms: int | None = None,
            device: str = "dev-a", seq: int = 1, entity_id: str = "ed-abcd/ed.item1",
            ) -> dict:
    ms = hlc.system_ms() if hlc_ms is None else hlc_ms
    return WireOp(op_id=str(uuid.uuid4()), visit_id=visit_id, device_id=device, seq=seq,
                  hlc=hlc.pack(ms, 0), entity="answer", entity_id=entity_id, field="value",
                  value=value).model_dump()


def created_op(visit_id: str, seq: int = 0, hlc_ms: int | None = None) -> dict:
    """A visit's creation op: what claims a new visit for the pusher's team."""
    return {**wire_op(visit_id, seq=seq, hlc_ms=hlc_ms), "entity": "visit",
            "entity_id": visit_id, "field": "created_at", "value": '"2026-11-27T09:00:00Z"'}


def batch(n: int, visit_id: str | None = None) -> dict:
    """n ops of a new visit, its creation op first."""
    vid = visit_id or str(uuid.uuid4())
    ops = [wire_op(vid, seq=i, entity_id=f"ed-abcd/ed.item{i}") for i in range(n)]
    if ops and visit_id is None:
        ops[0] = created_op(vid)
    return PushRequest(protocol=PROTOCOL_VERSION, ops=[WireOp(**op) for op in ops]).model_dump()


def test_push__is_idempotent__when_the_same_batch_is_sent_n_times(office):
    _, token = office.device()
    body = batch(50)
    with office.http(token) as http:
        answers = [http.post("/v1/ops", json=body, headers=HEADERS).json() for _ in range(5)]
    assert {r["status"] for r in answers[0]["results"]} == {"applied"}
    for later in answers[1:]:
        assert {r["status"] for r in later["results"]} == {"duplicate"}
    assert office.count("SELECT COUNT(*) FROM ops") == 50
    assert office.count("SELECT COUNT(DISTINCT op_id) FROM ops") == 50


def test_push__keeps_one_copy__when_identical_pushes_arrive_at_once(office):
    _, token = office.device()
    body = batch(200)
    answers: list[dict] = []
    lock = threading.Lock()

    def send() -> None:
        with office.http(token) as http:
            answer = http.post("/v1/ops", json=body, headers=HEADERS).json()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 8
    assert office.count("SELECT COUNT(*) FROM ops") == 200
    applied = [r["op_id"] for a in answers for r in a["results"] if r["status"] == "applied"]
    assert sorted(applied) == sorted(op["op_id"] for op in body["ops"])  # each exactly once


def test_push__a_duplicate_inside_one_batch__is_stored_once(office):
    _, token = office.device()
    body = batch(3)
    body["ops"].append(body["ops"][0])
    with office.http(token) as http:
        results = http.post("/v1/ops", json=body, headers=HEADERS).json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3 + ["duplicate"]
    assert office.count("SELECT COUNT(*) FROM ops") == 3


class DropResponses(httpx.BaseTransport):
    """Delivers the request to the office, then loses the answer (the first `n` times)."""

    def __init__(self, inner: httpx.BaseTransport, n: int, method: str = "POST",
                 path: str = "/v1/ops") -> None:
        self.inner, self.n, self.method, self.dropped = inner, n, method, 0
        self.path = path

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if (request.method == self.method and request.url.path == self.path
                and self.dropped < self.n):
            self.dropped += 1
            raise httpx.ReadError("connection lost before the answer arrived", request=request)
        return response


def test_a_lost_response__causes_no_duplicate__and_the_op_ends_acknowledged(office,
                                                                            make_tablet):
    from tests.sync.conftest import SharedTransport, small_visit

    tablet = make_tablet()
    small_visit(tablet.services)
    pending = tablet.pending()
    lossy = DropResponses(SharedTransport(office.transport), n=2)
    with office.http(tablet.token, transport=lossy) as http:
        report = tablet.client(http=http).push()
    assert lossy.dropped == 2
    assert office.count("SELECT COUNT(*) FROM ops") == pending  # processed once, not thrice
    assert report.pushed == 0 and report.duplicates == pending  # learnt from the resend
    assert tablet.pending() == 0


def test_a_failure_part_way_through_a_batch__commits_nothing__and_the_retry_succeeds(
        office, make_tablet, monkeypatch):
    from tests.sync.conftest import small_visit

    tablet = make_tablet()
    small_visit(tablet.services)
    pending = tablet.pending()
    real = store._merge_fields
    calls = {"n": 0}

    def fail_once(conn, rows):
        calls["n"] += 1
        if calls["n"] == 1:
            # The ops rows are already inserted in this transaction when this runs.
            assert conn.execute(store.select(store.func.count()).select_from(
                store.t.ops)).scalar_one() == pending
            raise RuntimeError("disk full (injected)")
        return real(conn, rows)

    tablet.client().register()  # its key, so the office takes its signed ops
    monkeypatch.setattr(store, "_merge_fields", fail_once)
    with office.http(tablet.token) as http:
        first = http.post("/v1/ops", json=PushRequest(
            protocol=PROTOCOL_VERSION,
            ops=[WireOp(**op.as_dict()) for op in _local_ops(tablet)]).model_dump(),
            headers={**HEADERS, DEVICE_HEADER: tablet.db.device_id})
    assert first.status_code == 500
    assert office.count("SELECT COUNT(*) FROM ops") == 0
    assert office.count("SELECT COUNT(*) FROM visits") == 0
    assert office.count("SELECT COUNT(*) FROM field_state") == 0
    calls["n"] = 0  # fail once more, inside the engine's own retry
    report = tablet.client().push()
    assert calls["n"] == 2
    assert report.pushed == pending and tablet.pending() == 0
    assert office.count("SELECT COUNT(*) FROM ops") == pending


def _local_ops(tablet) -> list[oplog.OpRecord]:
    with tablet.db.read() as conn:
        rows = conn.execute(f"SELECT {', '.join(oplog.OP_COLUMNS)} FROM ops").fetchall()
    return [oplog.OpRecord.from_row(r) for r in rows]


def test_a_clock_over_2_h_ahead__is_refused__and_the_server_clock_does_not_move(office):
    _, token = office.device()
    before = store.server_hlc(office.engine)
    vid = str(uuid.uuid4())
    now = office.clock()
    ok = created_op(vid, hlc_ms=now - 1000)
    future = wire_op(vid, hlc_ms=now + 3 * 3600 * 1000, seq=2)
    near = wire_op(vid, hlc_ms=now + 1 * 3600 * 1000, seq=3, entity_id="ed-abcd/other")
    with office.http(token) as http:
        answer = http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION,
                                            "ops": [future]}, headers=HEADERS).json()
        assert answer["results"][0]["status"] == "rejected"
        assert "ahead" in answer["results"][0]["reason"] and "2 h" in answer["results"][0]["reason"]
        assert store.server_hlc(office.engine) == before
        assert answer["server_hlc"] < future["hlc"]
        assert office.count("SELECT COUNT(*) FROM visits") == 0  # not even claimed
        answer = http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION,
                                            "ops": [ok, future, near]}, headers=HEADERS).json()
    assert [r["status"] for r in answer["results"]] == ["applied", "rejected", "applied"]
    assert store.server_hlc(office.engine) == near["hlc"]  # moved by accepted ops only


def test_a_tablet_with_a_far_future_clock__keeps_its_ops__and_shows_why(office, make_tablet):
    from tests.sync.conftest import small_visit

    tablet = make_tablet()
    office.clock.offset_ms = -26 * 3600 * 1000  # the tablet is 26 h ahead of the office
    small_visit(tablet.services)
    count = tablet.pending()
    report = tablet.sync()
    assert len(report.rejected) == count and not report.complete
    assert "ahead" in report.rejected[0][1]
    assert tablet.pending() == count  # kept in the op-log, exportable
    from visitapp.services.sync import SyncService

    status = SyncService(tablet.db, tablet.services.blobs).status()
    assert len(status.rejected) == count and status.pending == 0
    assert status.clock_warning and "ahead of the programme office" in status.clock_warning
    assert office.count("SELECT COUNT(*) FROM ops") == 0
