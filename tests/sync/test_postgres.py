"""On PostgreSQL, with concurrent writers, the pull cursor never skips an op."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import insert, text

from sync.protocol import DEVICE_HEADER, PROTOCOL_VERSION
from sync.server import store
from sync.server import tables as t
from sync.server.db import PUSH_LOCK_KEY, write
from tests.sync.test_push import HEADERS, created_op, wire_op

WRITERS = 6
BATCHES = 12
BATCH = 25


def test_pull_cursor__delivers_every_op_exactly_once__with_concurrent_writers(pg_office):
    office = pg_office
    tokens = [office.device("north", f"writer {i}")[1] for i in range(WRITERS)]
    _, reader_token = office.device("north", "reader")
    sent: list[str] = []
    sent_lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(token: str) -> None:
        device = f"dev-{token[-8:]}"  # each writer its own tablet, numbering its own ops
        headers = {**HEADERS, DEVICE_HEADER: device}
        try:
            with office.http(token) as http:
                for b in range(BATCHES):
                    vid = str(uuid.uuid4())
                    ops = [wire_op(vid, seq=b * BATCH + i, entity_id=f"a/i{i}", device=device)
                           for i in range(BATCH)]
                    ops[0] = {**ops[0], "entity": "visit", "entity_id": vid,
                              "field": "created_at", "value": '"2026-11-27T09:00:00Z"'}
                    answer = http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION, "ops": ops},
                                       headers=headers)
                    assert answer.status_code == 200, answer.text
                    assert {r["status"] for r in answer.json()["results"]} == {"applied"}
                    with sent_lock:
                        sent.extend(op["op_id"] for op in ops)
        except BaseException as err:  # reported below
            errors.append(err)

    received: list[str] = []

    def reader() -> None:
        cursor = 0
        with office.http(reader_token) as http:
            while True:
                finished = done.is_set()  # read before pulling: one full pass after the end
                page = http.get("/v1/ops", params={"after": cursor, "limit": 40},
                                headers=HEADERS).json()
                received.extend(op["op_id"] for op in page["ops"])
                cursor = page["cursor"]
                if finished and not page["has_more"]:
                    return

    threads = [threading.Thread(target=writer, args=(tok,)) for tok in tokens]
    pull_thread = threading.Thread(target=reader)
    pull_thread.start()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    done.set()
    pull_thread.join(60)
    assert not errors, errors
    assert len(sent) == WRITERS * BATCHES * BATCH
    assert len(received) == len(set(received)), "an op was delivered twice"
    assert set(received) == set(sent), f"{len(set(sent) - set(received))} ops skipped"


_RAW_IDS: list[str] = []


def _raw_op(n: int) -> dict:
    _RAW_IDS.append(f"raw-{n}-{uuid.uuid4().hex[:6]}")
    return {"op_id": _RAW_IDS[-1], "visit_id": "v-raw", "team": "north",
            "device_id": "d", "pushed_by": "d", "seq": n, "hlc": n, "entity": "answer",
            "entity_id": f"a/{n}", "field": "value", "value": "1", "confirmed": False,
            "received_at": "x"}


def test_why_the_guard_exists__unguarded_inserts_commit_out_of_order(pg_office):
    """Negative control: without the push lock, a reader's cursor passes an op that commits
    later with a lower server_seq, and never sees it."""
    engine = pg_office.engine
    _, token = pg_office.device("north", "reader")
    reader = store.authenticate(engine, token)
    with engine.connect() as slow:
        slow.begin()
        slow.execute(insert(t.ops).values(**_raw_op(1)))  # takes the lower server_seq
        with write(engine) as fast:
            fast.execute(insert(t.ops).values(**_raw_op(2)))  # commits first
        rows, cursor, _ = store.pull(engine, reader, after=0, limit=100)
        slow.commit()
    assert [r["seq"] for r in rows] == [2]
    later, _, _ = store.pull(engine, reader, after=cursor, limit=100)
    assert later == []  # op 1 is skipped for ever: the bug the guard prevents


def test_the_guard__makes_a_push_wait_for_an_earlier_uncommitted_one(pg_office):
    engine = pg_office.engine
    _, token = pg_office.device("north", "writer")
    principal = store.authenticate(engine, token)
    pushed = threading.Event()

    def push() -> None:
        store.push(engine, principal, [created_op(str(uuid.uuid4()))], pg_office.clock,
                   "dev-a")
        pushed.set()

    with engine.connect() as slow:
        slow.begin()
        slow.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUSH_LOCK_KEY})
        slow.execute(insert(t.ops).values(**_raw_op(1)))
        th = threading.Thread(target=push)
        th.start()
        assert not pushed.wait(0.5)  # waiting for the earlier transaction
        rows, _, _ = store.pull(engine, store.authenticate(engine, token), after=0, limit=10)
        assert rows == []
        slow.commit()
    th.join(10)
    assert pushed.is_set()
    rows, _, _ = store.pull(engine, principal, after=0, limit=10)
    assert [r["server_seq"] for r in rows] == sorted(r["server_seq"] for r in rows)
    assert len(rows) == 2


# --- the same guarantees as on SQLite, on PostgreSQL -------------------------------------

def test_on_postgres__identical_concurrent_pushes_keep_one_copy(pg_office):
    from tests.sync.test_push import batch

    _, token = pg_office.device()
    body = batch(300)
    answers: list[dict] = []

    def send() -> None:
        with pg_office.http(token) as http:
            answers.append(http.post("/v1/ops", json=body, headers=HEADERS).json())

    threads = [threading.Thread(target=send) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert pg_office.count("SELECT COUNT(*) FROM ops") == 300
    applied = [r["op_id"] for a in answers for r in a["results"] if r["status"] == "applied"]
    assert sorted(applied) == sorted(op["op_id"] for op in body["ops"])


def test_on_postgres__two_tablets_converge_and_far_future_is_refused(pg_office, tmp_path):
    from tests.conftest import open_test_services
    from tests.sync.conftest import Tablet, small_visit
    from tests.sync.test_pull_and_merge import shown

    tablets = []
    for name in ("a", "b"):
        device, token = pg_office.device("north", name)
        tablets.append(Tablet(open_test_services(tmp_path / name / "t.db"), token, device,
                              pg_office.http(token)))
    a, b = tablets
    try:
        vid, key, items = small_visit(a.services)
        a.sync()
        b.sync()
        a.services.visits.answer(vid, key, items[0], "no", author="A")
        b.services.visits.answer(vid, key, items[0], "yes", author="B")
        b.services.visits.answer(vid, key, items[1], "partial", author="B")
        for t in (a, b, a):
            t.sync()
        assert shown(a.services, vid) == shown(b.services, vid)
        values = store.field_values(pg_office.engine, vid)
        with a.db.read() as conn:
            winners = {(e, i, f): op for e, i, f, op in conn.execute(
                "SELECT entity, entity_id, field, op_id FROM field_clock WHERE visit_id = ?",
                (vid,))}
        assert winners == {k: v[0] for k, v in values.items()}
        before = store.server_hlc(pg_office.engine)
        with pg_office.http(a.token) as http:
            future = wire_op(vid, hlc_ms=pg_office.clock() + 25 * 3600 * 1000)
            answer = http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION, "ops": [future]},
                               headers=HEADERS).json()
        assert answer["results"][0]["status"] == "rejected"
        assert store.server_hlc(pg_office.engine) == before
    finally:
        for t in tablets:
            t.http.close()
            t.services.close()


# --- per-team ordering (pushes of different teams never wait for each other) -------------

def _hold_team_push(conn, team: str) -> None:
    """What an uncommitted push of `team` holds (see db.lock_for_push)."""
    from sync.server.db import lock_for_push

    lock_for_push(conn, team)


def test_an_uncommitted_push__holds_up_its_own_team_only(pg_office):
    engine = pg_office.engine
    north = store.authenticate(engine, pg_office.device("north", "n1")[1])
    south = store.authenticate(engine, pg_office.device("south", "s1")[1])
    finished: dict[str, threading.Event] = {"north": threading.Event(),
                                            "south": threading.Event()}

    def push(principal, team: str, device: str) -> None:
        op = {**created_op(str(uuid.uuid4())), "device_id": device}
        results, _ = store.push(engine, principal, [op], pg_office.clock, device)
        assert [r["status"] for r in results] == ["applied"], results
        finished[team].set()

    with engine.connect() as slow:
        slow.begin()
        _hold_team_push(slow, "north")
        threads = [threading.Thread(target=push, args=(south, "south", "dev-s")),
                   threading.Thread(target=push, args=(north, "north", "dev-n"))]
        for th in threads:
            th.start()
        assert finished["south"].wait(10), "a south push waited for a north one"
        assert not finished["north"].wait(0.5)  # north takes its turn
        slow.commit()
    for th in threads:
        th.join(10)
    assert finished["north"].is_set()


def test_an_all_teams_pull__waits_for_pushes_in_flight__so_its_cursor_skips_nothing(pg_office):
    engine = pg_office.engine
    _, office_token = store.add_office_token(engine, name="Analyst")
    office = store.authenticate(engine, office_token)
    south = store.authenticate(engine, pg_office.device("south", "s1")[1])
    first = {**created_op(str(uuid.uuid4())), "device_id": "dev-s"}
    store.push(engine, south, [first], pg_office.clock, "dev-s")
    pulled: list[list[dict]] = []

    def pull() -> None:
        pulled.append(store.pull(engine, office, after=0, limit=100)[0])

    with engine.connect() as slow:
        slow.begin()
        _hold_team_push(slow, "north")
        slow.execute(insert(t.ops).values(**_raw_op(1)))  # a north op, not yet committed
        reader = threading.Thread(target=pull)
        reader.start()
        reader.join(0.5)
        assert reader.is_alive() and pulled == []  # waits: a row below may still commit
        slow.commit()
    reader.join(10)
    assert {r["op_id"] for r in pulled[0]} == {first["op_id"], _RAW_IDS[-1]}


def test_pull_cursors__exactly_once__with_writers_of_three_teams_and_an_office_reader(pg_office):
    office = pg_office
    engine = office.engine
    teams = ("north", "south", "east")
    writers = [(team, office.device(team, f"{team} writer {i}")[1])
               for team in teams for i in range(2)]
    readers = {team: store.authenticate(engine, office.device(team, f"{team} reader")[1])
               for team in teams}
    _, office_token = store.add_office_token(engine, name="Analyst")
    readers["office"] = store.authenticate(engine, office_token)
    sent: dict[str, list[str]] = {team: [] for team in teams}
    sent_lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(team: str, token: str) -> None:
        device = f"dev-{token[-8:]}"
        headers = {**HEADERS, DEVICE_HEADER: device}
        try:
            with office.http(token) as http:
                for b in range(8):
                    vid = str(uuid.uuid4())
                    ops = [wire_op(vid, seq=b * BATCH + i, entity_id=f"a/i{i}", device=device)
                           for i in range(BATCH)]
                    ops[0] = {**ops[0], "entity": "visit", "entity_id": vid,
                              "field": "created_at", "value": '"2026-11-27T09:00:00Z"'}
                    answer = http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION, "ops": ops},
                                       headers=headers)
                    assert answer.status_code == 200, answer.text
                    with sent_lock:
                        sent[team].extend(op["op_id"] for op in ops)
        except BaseException as err:  # reported below
            errors.append(err)

    received: dict[str, list[str]] = {name: [] for name in readers}

    def reader(name: str) -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            rows, cursor, more = store.pull(engine, readers[name], after=cursor, limit=30)
            received[name].extend(r["op_id"] for r in rows)
            if finished and not more:
                return

    pulls = [threading.Thread(target=reader, args=(name,)) for name in readers]
    pushes = [threading.Thread(target=writer, args=w) for w in writers]
    for th in pulls + pushes:
        th.start()
    for th in pushes:
        th.join()
    done.set()
    for th in pulls:
        th.join(60)
    assert not errors, errors
    everything = [op for team in teams for op in sent[team]]
    assert len(everything) == len(writers) * 8 * BATCH
    for name, got in received.items():
        assert len(got) == len(set(got)), f"{name}: an op delivered twice"
        expected = set(everything) if name == "office" else set(sent[name])
        assert set(got) == expected, f"{name}: {len(expected - set(got))} ops skipped"
