"""A tablet holds only its visits (issue 15): the team's visits in progress, the ones it
made, the ones it fetched. A finished visit is listed as available and fetched on
demand as a compact snapshot that converges with a full join; after release the office
stops sending it. Real office (SQLite and PostgreSQL), real tablets, real HTTP in-process."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.holdings import NotAtOffice
from sync.protocol import DEVICE_HEADER, PROTOCOL_VERSION
from sync.server import store
from tests.conftest import open_test_services
from tests.sync.conftest import NO_WAIT, Office, Tablet, make_office, small_visit
from tests.sync.test_push import HEADERS, wire_op
from visitapp.errors import UserError
from visitapp.services.demo import generated_photo
from visitapp.services.retention import release_visit
from visitapp.services.sync import SyncService
from visitapp.services.visit_json import visit_to_json

_n = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_office(request: Any, tmp_path: Path) -> Iterator[Office]:
    url = (f"sqlite:///{tmp_path / 'office.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    office = make_office(url)
    yield office
    office.transport.close()
    office.engine.dispose()


@pytest.fixture
def tablets(any_office: Office, tmp_path: Path) -> Iterator[Callable[..., Tablet]]:
    made: list[Tablet] = []

    def make(team: str = "north") -> Tablet:
        n = next(_n)
        device, token = any_office.device(team, f"tablet {n}")
        services = open_test_services(tmp_path / f"t{n}" / "tablet.db")
        made.append(Tablet(services, token, device, any_office.http(token)))
        return made[-1]

    yield make
    for t in made:
        t.http.close()
        t.services.close()


def held(tablet: Tablet) -> set[str]:
    return {v["id"] for v in tablet.services.visits.list_visits()}


def shown(tablet: Tablet, vid: str) -> dict[str, Any]:
    """What `visits show --json` prints: the visit and its open conflicts."""
    s = tablet.services
    return visit_to_json(s.visits.load(vid), SyncService(s.db, s.blobs).conflicts(vid))


def ops_of(tablet: Tablet, vid: str) -> int:
    with tablet.db.read() as conn:
        return conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ?", (vid,)).fetchone()[0]


def finished_visit_with_photo(tablet: Tablet, seed: int) -> str:
    s = tablet.services
    vid, key, items = small_visit(s)
    for value in ("no", "partial", "yes"):  # an edit history: only the last value counts
        s.visits.answer(vid, key, items[0], value, author="Alex")
    s.attachments.attach_photo(vid, generated_photo(seed, (320, 240)), caption="Corridor")
    s.visits.finish(vid, author="Alex")
    return vid


def test_a_finished_visit__is_listed_not_pulled__then_fetched_with_its_photos(tablets,
                                                                               any_office):
    maker = tablets()
    done = finished_visit_with_photo(maker, 1)
    going, _, _ = small_visit(maker.services)
    south = tablets("south")
    small_visit(south.services)
    for t in (maker, south):
        assert t.sync().complete

    fresh = tablets()
    assert fresh.sync().complete
    assert held(fresh) == {going}  # in progress: the team-mate has it without asking
    assert ops_of(fresh, done) == 0
    photos = {sha for a in maker.services.visits.load(done).attachments
              for sha in (a.sha256, a.report_sha256)}
    assert photos and not any(fresh.services.blobs.has(sha) for sha in photos)
    available = fresh.client().available()
    assert available == [{"id": done, "system": "Test system (fictional)",
                          "date": "2026-11-27", "status": "closed"}]  # not south's

    report = fresh.client().fetch(done)
    assert report.complete and report.blobs_downloaded == len(photos)
    assert held(fresh) == {going, done}
    assert all(fresh.services.blobs.has(sha) for sha in photos)
    assert shown(fresh, done) == shown(maker, done)
    assert ops_of(fresh, done) < ops_of(maker, done)  # a snapshot, not the history
    assert fresh.client().available() == []

    # Held now: a correction of the finished visit reaches it by the next pull.
    area = maker.services.visits.load(done).areas[0]
    maker.services.visits.set_note(done, area.key, "ed.handovers_over_30", "Corrected")
    assert maker.sync().complete
    assert fresh.sync().complete
    assert shown(fresh, done) == shown(maker, done)

    # Let go of: the office stops sending it.
    release_visit(fresh.services, done)
    assert fresh.sync().complete
    assert any_office.count("SELECT COUNT(*) FROM visit_holds WHERE office_device = :d "
                            "AND visit_id = :v", d=fresh.device, v=done) == 0
    maker.services.visits.set_note(done, area.key, "ed.handovers_over_30", "Again")
    assert maker.sync().complete
    assert fresh.sync().complete
    assert held(fresh) == {going} and ops_of(fresh, done) == 0
    assert [v["id"] for v in fresh.client().available()] == [done]


def test_fetch__of_another_teams_visit_or_an_unknown_one__is_refused(tablets):
    south = tablets("south")
    theirs, _, _ = small_visit(south.services)
    south.sync()
    north = tablets()
    for vid in (theirs, str(uuid.uuid4())):
        with pytest.raises(NotAtOffice, match="no visit .* of this team"):
            north.client().fetch(vid)
    assert held(north) == set()


def test_release__is_refused_with_unsent_work__and_then_nothing_is_removed(tablets):
    tablet = tablets()
    vid = finished_visit_with_photo(tablet, 2)
    with pytest.raises(UserError, match="not at the programme office: sync first"):
        release_visit(tablet.services, vid)
    assert tablet.sync().complete
    tablet.services.visits.set_note(vid, tablet.services.visits.load(vid).areas[0].key,
                                    "ed.handovers_over_30", "After the sync")
    with pytest.raises(UserError, match="1 change"):
        release_visit(tablet.services, vid)
    assert held(tablet) == {vid}


def test_snapshot_join__converges_with_a_full_join__same_state_same_conflicts(tablets):
    a, b = tablets(), tablets()
    vid, key, items = small_visit(a.services)
    a.sync()
    b.sync()
    full = tablets()
    # Concurrent different answers (a conflict left open), one settled, edit chains.
    a.services.visits.answer(vid, key, items[0], "no", author="Alex")
    b.services.visits.answer(vid, key, items[0], "yes", author="Priya")
    a.services.visits.answer(vid, key, items[1], "no", author="Alex")
    b.services.visits.answer(vid, key, items[1], "partial", author="Priya")
    for value in ("yes", "no", "partial"):
        a.services.visits.answer(vid, key, items[2], value, author="Alex")
    for t in (a, b, a):
        t.sync()
    sync_a = SyncService(a.db, a.services.blobs)
    settled = [c for c in sync_a.conflicts(vid) if c["item_id"] == items[1]][0]
    sync_a.resolve_conflict(vid, "answer", f"{key}/{items[1]}", "value",
                            choose_op_id=settled["competing"][0]["op_id"], author="Alex")
    a.sync()
    assert full.sync().complete  # joined while in progress: every op, by pull
    a.services.visits.finish(vid, author="Alex")
    for t in (a, b, full):
        t.sync()
    snap = tablets()
    assert snap.sync().complete and held(snap) == set()  # finished: not pulled
    assert snap.client().fetch(vid).complete

    assert shown(snap, vid) == shown(full, vid) == shown(a, vid)
    assert len(shown(snap, vid)["conflicts"]) == 1
    assert ops_of(snap, vid) < ops_of(full, vid)
    # And they stay together: a later concurrent pair of answers conflicts on both.
    a.services.visits.answer(vid, key, items[3], "no", author="Alex")
    b.services.visits.answer(vid, key, items[3], "yes", author="Priya")
    for t in (a, b, full, snap):
        t.sync()
    assert shown(snap, vid) == shown(full, vid)
    assert len(shown(snap, vid)["conflicts"]) == 2


def test_a_follow_up__of_a_visit_not_held__fetches_it_first(tablets):
    from visitapp.cli.holds_commands import follows_here

    a = tablets()
    done = finished_visit_with_photo(a, 3)
    a.sync()
    b = tablets()
    b.sync()
    with pytest.raises(UserError, match="no visit"):  # not enrolled: the usual refusal
        follows_here(b.services, done)
    b.services.__dict__["sync"] = enrolled_sync_service(b)  # the app's, enrolled
    assert follows_here(b.services, done) == done
    assert done in held(b)
    follow = b.services.visits.create_visit(system="Test system (fictional)",
                                            date="2026-12-01", visit_type="follow_up",
                                            follows_visit_id=done)
    assert b.services.visits.load(follow).follows_visit_id == done


def enrolled_sync_service(tablet: Tablet) -> SyncService:
    """The app's SyncService, enrolled and talking to the in-process office."""
    service = SyncService(tablet.db, tablet.services.blobs,
                          http_factory=lambda _url, _token: _Unclosed(tablet.http),
                          client_options={"retry": NO_WAIT})
    service.enrol("http://office.test", tablet.token)
    return service


class _Unclosed:
    """The tablet's client, lent to a `with` block that would otherwise close it."""

    def __init__(self, http: Any) -> None:
        self.http = http

    def __enter__(self) -> Any:
        return self.http

    def __exit__(self, *_exc: Any) -> None:
        return None


# --- the cursor, with visits finished while tablets pull (PostgreSQL) ----------------------

def test_pull_cursors__exactly_once_and_whole_visits__while_visits_are_finished(pg_office):
    """Writers of three teams each make visits in three pushes (the last finishes it) while
    readers pull in small pages: every op a reader gets, it gets once, and every visit
    it started receiving it receives whole, though it was finished part-way."""
    office = pg_office
    engine = office.engine
    teams = ("north", "south", "east")
    writers = [(team, office.device(team, f"{team} writer {i}")[1])
               for team in teams for i in range(2)]
    readers = {team: store.authenticate(engine, office.device(team, f"{team} reader")[1])
               for team in teams}
    sent: dict[str, dict[str, list[str]]] = {team: {} for team in teams}
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(team: str, token: str) -> None:
        device = f"dev-{token[-8:]}"
        headers = {**HEADERS, DEVICE_HEADER: device}
        seq = itertools.count()
        try:
            with office.http(token) as http:
                for _ in range(5):
                    vid = str(uuid.uuid4())
                    for part in range(3):
                        ops = [wire_op(vid, seq=next(seq), entity_id=f"a/i{part}{i}",
                                       device=device) for i in range(6)]
                        if part == 0:
                            ops[0] = {**ops[0], "entity": "visit", "entity_id": vid,
                                      "field": "created_at", "value": '"2026-11-27T09:00:00Z"'}
                        if part == 2:
                            ops[-1] = {**ops[-1], "entity": "visit", "entity_id": vid,
                                       "field": "status", "value": '"closed"'}
                        answer = http.post("/v1/ops", json={"protocol": PROTOCOL_VERSION, "ops": ops},
                                           headers=headers)
                        assert answer.status_code == 200, answer.text
                        with lock:
                            sent[team].setdefault(vid, []).extend(op["op_id"] for op in ops)
        except BaseException as err:  # reported below
            errors.append(err)

    received: dict[str, list[tuple[str, str]]] = {team: [] for team in teams}

    def reader(team: str) -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            rows, cursor, more = store.pull(engine, readers[team], after=cursor, limit=7)
            received[team].extend((r["visit_id"], r["op_id"]) for r in rows)
            if finished and not more:
                return

    pulls = [threading.Thread(target=reader, args=(team,)) for team in teams]
    pushes = [threading.Thread(target=writer, args=w) for w in writers]
    for th in pulls + pushes:
        th.start()
    for th in pushes:
        th.join()
    done.set()
    for th in pulls:
        th.join(60)
    assert not errors, errors
    for team in teams:
        got = [op for _vid, op in received[team]]
        assert len(got) == len(set(got)), f"{team}: an op delivered twice"
        visits = {vid for vid, _op in received[team]}
        assert visits <= set(sent[team])  # only its own team's
        for vid in visits:
            assert {op for v, op in received[team] if v == vid} == set(sent[team][vid]), (
                f"{team}: visit {vid[:8]} arrived in part")
    # A reader that starts now gets none of them: every visit is finished.
    late = store.authenticate(engine, office.device("north", "late reader")[1])
    assert store.pull(engine, late, after=0, limit=100)[0] == []


# --- photos on demand ----------------------------------------------------------------------

class WatchedOffice:
    """The real HttpOffice, watched: how many downloads run at once, in what order, and
    (fault injection) one file's download failing on the first pass."""

    def __init__(self, inner: Any, fail: set[str] | None = None) -> None:
        self.inner = inner
        self.fail = set(fail or ())
        self.asked: list[str] = []
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get_blob(self, sha256: str) -> Any:
        import time

        from sync.office_api import OfficeUnreachable

        with self.lock:
            self.asked.append(sha256)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.05)  # long enough for the others to start
            if sha256 in self.fail:
                raise OfficeUnreachable("no connection")
            return self.inner.get_blob(sha256)
        finally:
            with self.lock:
                self.running -= 1


def test_photos__a_few_at_a_time__report_copies_first__and_a_cut_off_one_comes_next_time(
        tablets):
    from sync.client import SyncClient
    from sync.office_api import HttpOffice
    from visitapp.store.outbox import TabletOutbox

    maker = tablets()
    s = maker.services
    vid, _, _ = small_visit(s)
    for seed in range(5):
        s.attachments.attach_photo(vid, generated_photo(10 + seed, (2400, 1800)),
                                   caption=f"Photo {seed}")
    s.visits.finish(vid, author="Alex")
    assert maker.sync().complete
    photos = maker.services.visits.load(vid).attachments
    small = {a.report_sha256 for a in photos}
    originals = {a.sha256 for a in photos}
    assert len(small) == len(originals) == 5 and small.isdisjoint(originals)

    fresh = tablets()
    assert fresh.sync().complete
    cut_off = sorted(originals)[0]
    watched = WatchedOffice(HttpOffice(fresh.http), fail={cut_off})
    client = SyncClient(TabletOutbox(fresh.db), fresh.services.blobs, watched, retry=NO_WAIT)
    report = client.fetch(vid)
    assert not report.complete and "not received yet (cannot reach" in report.blob_problems[0]
    assert 1 < watched.most <= 4  # side by side, never more than four
    first = list(dict.fromkeys(watched.asked))[:len(small)]
    assert set(first) == small  # the report-size copies were asked for first
    assert held(fresh) == {vid}  # the visit is in; only files are missing
    missing = {sha for sha in small | originals if not fresh.services.blobs.has(sha)}
    assert cut_off in missing and small.isdisjoint(missing)
    assert not list(fresh.services.blobs.root.rglob(".part-*"))  # nothing partial kept

    watched.fail.clear()
    watched.asked.clear()
    report = client.sync()  # the next sync fetches what is missing, and only that
    assert report.complete and sorted(watched.asked) == sorted(missing)
    assert all(fresh.services.blobs.has(sha) for sha in small | originals)
