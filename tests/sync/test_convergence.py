"""Guarantee 1: three tablets editing, pushing random subsets through a lossy network, with
duplicated and reordered deliveries, dropped answers and bundle hand-overs; once everyone
has synced, every tablet and the office hold the same visit state and the same conflicts."""

from __future__ import annotations

import random
import tempfile
import uuid
from pathlib import Path

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from sync.client import SyncClient, SyncError
from sync.server import store
from tests.sync.conftest import NO_WAIT, SharedTransport
from visitapp.services.sync import sync_engine
from visitapp.store import oplog, sync_state
from visitapp.store.db import Database

KEYS = [("answer", f"ed-aaaa/ed.item{i}", "value") for i in range(3)] + [
    ("finding", "f1", "text"), ("area", "ed-aaaa", "label")]
VALUES = ["red", "amber", "green", None, "Ward 7"]


class NoBlobs:
    def has(self, sha256: str) -> bool:
        return False

    def read(self, sha256: str) -> bytes:
        raise AssertionError("no files in this test")

    def put(self, data: bytes, content_type: str) -> str:
        raise AssertionError("no files in this test")


class Lossy(httpx.BaseTransport):
    """Faults chosen per call: lose the answer after the office acted, or deliver twice."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.plan: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.plan.pop(0) if self.plan else "none"
        if fault == "twice":
            self.inner.handle_request(request)
        response = self.inner.handle_request(request)
        if fault == "drop":
            raise httpx.ReadError("answer lost (injected)", request=request)
        if fault == "refuse":
            raise httpx.ConnectError("no signal (injected)", request=request)
        return response


class Convergence(RuleBasedStateMachine):
    office = None  # set by the test

    @initialize()
    def setup(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.team = f"team-{uuid.uuid4().hex[:8]}"  # a fresh team per run: its own world
        self.visit_id = str(uuid.uuid4())
        self.devices: list[Database] = []
        self.transports: list[Lossy] = []
        self.clients: list[httpx.Client] = []
        for i in range(3):
            _, token = self.office.device(self.team, f"tablet {i}")
            self.devices.append(Database(Path(self.tmp.name) / f"t{i}.db"))
            lossy = Lossy(SharedTransport(self.office.transport))
            self.transports.append(lossy)
            self.clients.append(self.office.http(token, transport=lossy))
        db = self.devices[0]  # tablet 0 made the visit: its creation op claims it
        with db.write() as conn:
            oplog.record(db, conn, visit_id=self.visit_id, entity="visit",
                         entity_id=self.visit_id, field="created_at",
                         value="2026-11-27T09:00:00Z", author="Tester")

    def engine(self, i: int, **options) -> SyncClient:
        return sync_engine(self.devices[i], NoBlobs(), self.clients[i], retry=NO_WAIT,
                          sleep=lambda s: None, **options)

    @rule(d=st.integers(0, 2), k=st.integers(0, len(KEYS) - 1), value=st.sampled_from(VALUES))
    def edit(self, d: int, k: int, value) -> None:
        entity, entity_id, field = KEYS[k]
        db = self.devices[d]
        with db.write() as conn:
            oplog.record(db, conn, visit_id=self.visit_id, entity=entity, entity_id=entity_id,
                         field=field, value=value, author=f"member {d}")

    @rule(d=st.integers(0, 2), batch=st.integers(1, 4),
          faults=st.lists(st.sampled_from(["none", "drop", "twice", "refuse"]), max_size=3))
    def push(self, d: int, batch: int, faults: list[str]) -> None:
        self.transports[d].plan = list(faults)
        try:
            self.engine(d, batch_size=batch).push()
        except SyncError:
            pass  # gave up after retries: everything stays pending
        self.transports[d].plan = []

    @rule(d=st.integers(0, 2), limit=st.integers(1, 5),
          faults=st.lists(st.sampled_from(["none", "drop", "refuse"]), max_size=3))
    def pull(self, d: int, limit: int, faults: list[str]) -> None:
        self.transports[d].plan = list(faults)
        try:
            self.engine(d, pull_limit=limit).pull()
        except SyncError:
            pass
        self.transports[d].plan = []

    @rule(src=st.integers(0, 2), dst=st.integers(0, 2), rng=st.randoms())
    def hand_over(self, src: int, dst: int, rng: random.Random) -> None:
        """A bundle: some of one tablet's ops, in any order, merged into another."""
        with self.devices[src].read() as conn:
            rows = conn.execute(f"SELECT {', '.join(oplog.OP_COLUMNS)} FROM ops").fetchall()
        ops = [oplog.OpRecord.from_row(r) for r in rows]
        picked = rng.sample(ops, rng.randint(0, len(ops)))
        with self.devices[dst].write() as conn:
            oplog.apply_ops(self.devices[dst], conn, picked)

    def teardown(self) -> None:
        try:
            if not getattr(self, "devices", None):
                return
            for _ in range(2):
                for d in range(3):
                    self.engine(d).sync()
            office_state = {k: v[0] for k, v in
                            store.field_values(self.office.engine, self.visit_id).items()}
            for d, db in enumerate(self.devices):
                with db.read() as conn:
                    assert conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0"
                                        ).fetchone()[0] == 0, f"tablet {d} has unsent ops"
                    winners = {(e, i, f): op for e, i, f, op in conn.execute(
                        "SELECT entity, entity_id, field, op_id FROM field_clock "
                        "WHERE visit_id = ?", (self.visit_id,))}
                    state = (conn.execute("SELECT area_key, item_id, value FROM answers "
                                          "ORDER BY 1, 2").fetchall(),
                             conn.execute("SELECT id, text FROM findings").fetchall(),
                             conn.execute("SELECT key, label FROM areas").fetchall())
                    listed = sync_state.list_conflicts(conn, self.visit_id)
                    ops = conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0]
                assert winners == office_state, f"tablet {d} differs from the office"
                if d == 0:
                    first = (state, listed, ops)
                else:
                    assert (state, listed, ops) == first, f"tablet {d} differs from tablet 0"
            assert self.office.count("SELECT COUNT(*) FROM ops WHERE team = :t",
                                     t=self.team) == first[2]
        finally:
            for c in getattr(self, "clients", []):
                c.close()
            for db in getattr(self, "devices", []):
                db.close()
            if hasattr(self, "tmp"):
                self.tmp.cleanup()


def test_three_tablets_converge__whatever_the_network_does(office):
    Convergence.office = office
    try:
        run = Convergence.TestCase
        run.settings = settings(settings.default, stateful_step_count=25)
        run().runTest()
    finally:
        Convergence.office = None
