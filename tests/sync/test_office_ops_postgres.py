"""On PostgreSQL: the office's own ops keep the pull cursor's promise. A programme-wide
op (one row of team `*`) waits for every push in flight, so no team's cursor can pass it;
office ops for two teams written side by side never share a change number; and two
teams' tablets receive what the office sent them, through the real service."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import insert

from sync.server import office_ops, store
from sync.server import tables as t
from sync.server.office_key import office_key
from tests.conftest import open_test_services
from tests.sync.conftest import Tablet, small_visit
from tests.sync.test_postgres import _claim_raw_visit, _hold_team_push, _raw_op
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID

NOW = "2027-01-01T00:00:00Z"


def entry(n: int) -> list[office_ops.Change]:
    return [office_ops.Change(PROGRAMME_VISIT_ID, "exemplar", f"entry-{n}", "title",
                              f"Entry {n}")]


def test_a_programme_wide_office_op__waits_for_pushes_in_flight(pg_office):
    engine = pg_office.engine
    office_key(engine, now=NOW)
    south = store.authenticate(engine, pg_office.device("south", "s1")[1])
    north = store.authenticate(engine, pg_office.device("north", "n1")[1])
    _claim_raw_visit(engine)
    done: list[list[dict]] = []

    def publish() -> None:
        done.append(office_ops.send(engine, entry(1), team=None, now_ms=pg_office.clock(),
                                    now_iso=NOW))

    with engine.connect() as slow:
        slow.begin()
        _hold_team_push(slow, "north")
        slow.execute(insert(t.ops).values(**_raw_op(1)))  # a north op, not yet committed
        writer = threading.Thread(target=publish)
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and done == []  # waits: it is every team's row
        slow.commit()
    writer.join(10)
    (sealed,) = done[0]
    north_ops = store.pull(engine, north, after=0, limit=100)[0]
    south_ops = store.pull(engine, south, after=0, limit=100)[0]
    assert [o["op_id"] for o in south_ops] == [sealed["op_id"]]
    assert [o["op_id"] for o in north_ops][-1] == sealed["op_id"]  # after the north op
    assert north_ops[-1]["server_seq"] > north_ops[0]["server_seq"]
    assert pg_office.count("SELECT COUNT(*) FROM ops WHERE team = '*'") == 1


def test_office_ops_of_two_teams_written_side_by_side__never_share_a_change_number(
        pg_office):
    engine = pg_office.engine
    key = office_key(engine, now=NOW)
    errors: list[BaseException] = []

    def write(team: str) -> None:
        try:
            for _ in range(15):
                vid = str(uuid.uuid4())
                office_ops.send(engine, [office_ops.Change(vid, "visit", vid, "system", "X"),
                                         office_ops.Change(vid, "visit", vid, "date",
                                                           "2027-06-08")],
                                team=team, now_ms=pg_office.clock(), now_iso=NOW,
                                claim_visit=vid)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(team,)) for team in ("north", "south")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    assert pg_office.count("SELECT COUNT(*) FROM ops WHERE device_id = :d",
                           d=key.device_id) == 60
    assert pg_office.count("SELECT COUNT(DISTINCT seq) FROM ops WHERE device_id = :d",
                           d=key.device_id) == 60


def test_on_postgres__a_scheduled_visit_and_the_library_reach_the_right_tablets(
        pg_office, tmp_path):
    from sync.server.office import publishing

    tablets = {}
    for team in ("north", "south"):
        device, token = pg_office.device(team)
        services = open_test_services(tmp_path / team / "tablet.db")
        tablets[team] = Tablet(services, token, device, pg_office.http(token))
    try:
        small_visit(tablets["north"].services)
        tablets["north"].sync()
        visit_id = publishing.schedule_visit(
            pg_office.engine, team="south", system="Fictional East", day="2027-06-08",
            areas=[publishing.AreaPlan("emergency_department")], now_ms=pg_office.clock())
        office_ops.send(pg_office.engine, entry(7), team=None, now_ms=pg_office.clock(),
                        now_iso=NOW)
        for tablet in tablets.values():
            tablet.sync()
        south, north = tablets["south"].services, tablets["north"].services
        assert [v["id"] for v in south.visits.list_visits()] == [visit_id]
        assert visit_id not in {v["id"] for v in north.visits.list_visits()}
        assert [e["title"] for e in south.visits.exemplars()] == ["Entry 7"]
        assert [e["title"] for e in north.visits.exemplars()] == ["Entry 7"]
    finally:
        for tablet in tablets.values():
            tablet.http.close()
            tablet.services.close()
