"""Between visits through the real service: tablets sync visits into an office, the
calendar and action updates come from the `visitapp-office` command line (a real process on
the same database), and the office's answers are read back."""

from __future__ import annotations

import json
import os
import re
import subprocess
from html import unescape

import pytest

from tests.office.site import OFFICE, REPO
from visitapp.domain.visit import PeopleMet


def cli(office, *args: str, now: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISITAPP_TEST_NOW")}
    if now:
        env["VISITAPP_TEST_NOW"] = now  # the CLI's announced clock, moved for this call
    return subprocess.run([OFFICE, *args, "--database-url", str(office.engine.url)],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**env, "PYTHONPATH": str(REPO)})


def ok(office, *args: str, now: str | None = None) -> str:
    done = cli(office, *args, now=now)
    assert done.returncode == 0, done.stderr
    return done.stdout


def visit(tablet, system, day, met, recommendation=None, strength=None):
    s = tablet.services
    vid = s.visits.create_visit(system=system, date=day, visit_type="diagnostic",
                                author="Tester", people_met=[PeopleMet(r, n) for r, n in met],
                                areas=[("emergency_department", "ED")])
    if recommendation:
        s.visits.add_finding(vid, kind="recommendation", text=recommendation,
                             pathway="discharge", horizon="quick_win",
                             owner="Director of operations", author="Tester")
    if strength:
        area = s.visits.load(vid).areas[0]
        s.visits.add_finding(vid, kind="strength", text=strength, pathway="front_door",
                             area_key=area.key, author="Tester")
    return vid


@pytest.fixture
def cycle(office, make_tablet):
    """Two teams' tablets, three visits, the launch, a webinar and a second event."""
    north, south = make_tablet("north"), make_tablet("south")
    before = visit(north, "Fictional North", "2027-01-05", [("Matron", 3), ("Consultant", 14)])
    during = visit(north, "Fictional North", "2027-02-09", [("Nurse", 9), ("Therapist", 12)],
                   recommendation="Agree a daily 11:00 discharge huddle on every ward.",
                   strength="Same-day emergency care takes GP referrals directly.")
    late = visit(south, "Fictional South", "2027-03-30", [("Site manager", 12)])
    north.sync()
    south.sync()
    ok(office, "events", "add", "--name", "Launch", "--date", "2027-01-12",
       "--attendees", "120")
    ok(office, "events", "add", "--name", "Collaborative event 2", "--date", "2027-04-13",
       "--attendees", "95")
    ok(office, "learning", "add", "--name", "Weekend discharge webinar", "--date",
       "2027-02-03", "--attendees", "40")
    return {"before": before, "during": during, "late": late}


def test_recommendation__becomes_an_action_updated_by_the_cli(office, cycle):
    (action,) = json.loads(ok(office, "actions", "list", "--system", "fictional  north",
                              "--json"))
    assert action["visit_id"] == cycle["during"]
    assert (action["text"], action["owner"], action["horizon"], action["status"],
            action["due"], action["updates"]) == (
        "Agree a daily 11:00 discharge huddle on every ward.", "Director of operations",
        "quick_win", "not_started", "2027-04-13", [])  # due: the next event after the visit
    assert json.loads(ok(office, "actions", "list", "--system", "Fictional South",
                         "--json")) == []
    ok(office, "actions", "update", action["id"], "--status", "in_progress", "--note",
       "Huddle piloted on two wards.", now="2027-02-20T10:00:00+00:00")
    ok(office, "actions", "update", action["id"], "--status", "blocked", "--note",
       "Waiting for the bed system change.", now="2027-03-01T10:00:00+00:00")
    (after,) = json.loads(ok(office, "actions", "list", "--json"))
    assert after["status"] == "blocked"
    assert [(u["date"], u["status"], u["note"]) for u in after["updates"]] == [
        ("2027-02-20", "in_progress", "Huddle piloted on two wards."),
        ("2027-03-01", "blocked", "Waiting for the bed system change.")]
    from sync.server.db import read
    from sync.server.office import actions, calendar

    with read(office.engine) as conn:
        overdue = actions.overdue_at_events(conn)
        events = {e.name: e.id for e in calendar.entries(conn, "event")}
    assert [a.id for a in overdue[events["Collaborative event 2"]]] == [action["id"]]
    assert overdue[events["Launch"]] == []
    ok(office, "actions", "update", action["id"], "--status", "done",
       now="2027-04-12T10:00:00+00:00")
    with read(office.engine) as conn:
        assert actions.overdue_at_events(conn)[events["Collaborative event 2"]] == []


def test_momentum_for_a_cycle__equals_the_figure_worked_by_hand(office, cycle):
    (action,) = json.loads(ok(office, "actions", "list", "--json"))
    for day in ("2027-02-20", "2027-03-01", "2027-04-20"):
        ok(office, "actions", "update", action["id"], "--status", "in_progress",
           now=f"{day}T12:00:00+00:00")
    rows = json.loads(ok(office, "momentum", "--json"))
    assert [(r["start"], r["end"]) for r in rows] == [
        (None, "2027-01-11"), ("2027-01-12", "2027-04-12"), ("2027-04-13", None)]
    # Before the launch: the 5 January visit met 3 + 14 = 17 people; 1 interaction.
    # After the launch: 120 (launch) + 40 (webinar) + 9 + 12 (9 Feb visit) + 12 (30 March
    # visit, another team) = 193 people; launch, webinar, 2 visits, 2 updates = 6: 1,158.
    # After event 2: its 95 attendees; the event and the 20 April update = 2: 190.
    assert [(r["people_reached"], r["interactions"], r["momentum"]) for r in rows] == [
        (17, 1, 17), (193, 6, 1158), (95, 2, 190)]


def test_strength__is_promoted_into_the_library_by_the_cli(office, cycle):
    from sqlalchemy import select

    from sync.server.db import read
    from sync.server.office import exemplars
    from sync.server.office import tables as t

    with read(office.engine) as conn:
        strength = conn.execute(select(t.read_findings.c.entity_id).where(
            t.read_findings.c.kind == "strength")).scalar_one()
    entry_id = ok(office, "exemplars", "add", "--finding", strength, "--title",
                  "GP referrals straight to SDEC", "--contact-role", "SDEC lead nurse").strip()
    with read(office.engine) as conn:
        (found,) = exemplars.search(conn, q="sdec referrals")
        assert exemplars.search(conn, q="sdec", pathway="discharge") == []
    assert (found["id"], found["title"], found["system"], found["area_kind"],
            found["pathway"], found["contact_role"]) == (
        entry_id, "GP referrals straight to SDEC", "Fictional North",
        "emergency_department", "front_door", "SDEC lead nurse")


@pytest.mark.parametrize(("args", "message"), [
    (("events", "add", "--name", "Launch", "--date", "2027-13-01"),
     "date '2027-13-01' is not a date like 2027-01-12"),
    (("events", "add", "--name", "  ", "--date", "2027-01-12"), "name: give the event a name"),
    (("learning", "add", "--name", "Webinar", "--date", "2027-02-03", "--attendees", "lots"),
     "attendees 'lots' is not a whole number"),
    (("learning", "add", "--name", "Webinar", "--date", "2027-02-03", "--attendees", "-4"),
     "attendees -4 must be between 0 and 1,000,000"),
    (("actions", "update", "no-such-action", "--status", "done"), "no action 'no-such-action'"),
    (("actions", "update", "x", "--status", "finished"),
     "status 'finished' must be one of not_started, in_progress, done, blocked"),
    (("exemplars", "add", "--finding", "nope", "--title", "T"),
     "no strength 'nope' among the synced findings"),
])
def test_cli_bad_input__is_one_line_exit_1_and_writes_nothing(office, args, message):
    done = cli(office, *args)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert message in done.stderr
    for table in ("office_gatherings", "office_action_updates", "office_exemplars"):
        assert office.count(f"SELECT COUNT(*) FROM {table}") == 0


# --- the pages, in-process -----------------------------------------------------------------

def _signed_in(office, email):
    from tests.office.test_web import PASSWORD, _csrf, sign_in

    http = office.http(None)
    assert sign_in(http, email=email, password=PASSWORD).status_code == 303
    return http, _csrf(http.get("/calendar").text)


@pytest.fixture
def staff(office):
    from sync.server.office import users
    from tests.office.test_web import PASSWORD

    for email, role in (("ada@example.org", "admin"), ("ali@example.org", "analyst")):
        users.add_user(office.engine, email=email, name=email[:3].title(), role=role,
                       password=PASSWORD, now_ms=0)
    return office


def test_pages__admin_adds_to_the_calendar_analyst_updates_an_action(staff, cycle):
    from datetime import UTC, datetime

    from visitapp.domain.hlc import system_ms

    office = staff
    office.clock.offset_ms = int(datetime(2027, 5, 2, 11, tzinfo=UTC).timestamp() * 1000
                                 ) - system_ms()  # the office's today: 2 May 2027
    admin, token = _signed_in(office, "ada@example.org")
    added = admin.post("/calendar/learning", data={"csrf_token": token, "name": "Flow clinic",
                                                   "date": "2027-03-03", "attendees": "18"})
    assert added.status_code == 303
    bad = admin.post("/calendar/event", data={"csrf_token": token, "name": "Event 3",
                                              "date": "13/07/2027"})
    assert bad.status_code == 400 and "is not a date like 2027-01-12" in bad.text
    assert admin.post("/calendar/event", data={"name": "No token", "date": "2027-07-13"}
                      ).status_code == 403
    page = admin.get("/calendar").text
    assert "Flow clinic" in page and "After Collaborative event 2" in page
    assert office.count("SELECT COUNT(*) FROM office_gatherings") == 4

    analyst, token = _signed_in(office, "ali@example.org")
    assert analyst.post("/calendar/event", data={"csrf_token": token, "name": "E",
                                                 "date": "2027-07-13"}).status_code == 403
    (action,) = json.loads(ok(office, "actions", "list", "--json"))
    listed = analyst.get("/actions", params={"system": "Fictional North"})
    assert action["text"] in listed.text and "Not started" in listed.text
    saved = analyst.post(f"/actions/{action['id']}", data={
        "csrf_token": token, "status": "done", "note": "Huddles on every ward",
        "system": "Fictional North"})
    assert saved.status_code == 303
    (after,) = json.loads(ok(office, "actions", "list", "--json"))
    assert after["status"] == "done"
    assert after["updates"] == [{"date": "2027-05-02", "status": "done",
                                 "note": "Huddles on every ward", "by": "Ali"}]
    refused = analyst.post(f"/actions/{action['id']}", data={"csrf_token": token,
                                                             "status": "maybe"})
    assert refused.status_code == 400
    assert "status 'maybe' must be one of" in unescape(refused.text)
    # The update is dated by the office's clock (set to 2 May 2027 above): after event 2.
    cells = re.findall(r'numeric">([\d,]+)</td>', analyst.get("/momentum").text)
    assert cells == ["17", "1", "17",  # before the launch: the 5 January visit
                     "211", "5", "1,055",  # launch, webinar, flow clinic (18), two visits
                     "95", "2", "190"]  # event 2 and the page's update
    admin.close()
    analyst.close()


def test_pages__a_strength_is_promoted_from_its_visit_page(staff, cycle):
    office = staff
    http, token = _signed_in(office, "ali@example.org")
    visit_page = http.get(f"/visits/{cycle['during']}").text
    finding = re.search(r'name="finding" value="([^"]+)"', visit_page).group(1)
    form = http.get("/library/new", params={"finding": finding})
    assert form.status_code == 200 and "Same-day emergency care takes GP referrals" in form.text
    pii = http.post("/library", data={"csrf_token": token, "finding": finding,
                                      "title": "SDEC", "contact_role": "Ring SW1A 1AA"})
    assert pii.status_code == 400 and "looks like patient data" in pii.text
    made = http.post("/library", data={"csrf_token": token, "finding": finding,
                                       "title": "Direct GP referral to SDEC",
                                       "what_they_do": "GPs refer straight to SDEC.",
                                       "evidence": "", "contact_role": "SDEC lead nurse",
                                       "pathway": "front_door", "tags": "front door, flow"})
    assert made.status_code == 303
    found = http.get("/library", params={"q": "gp referral"}).text
    assert "Direct GP referral to SDEC" in found and "SDEC lead nurse" in found
    assert "No entries match" in http.get("/library", params={"q": "weekend"}).text
    http.close()


def test_library_draft__starts_from_the_strength_and_its_visits_figures(office, make_tablet):
    from sqlalchemy import select

    from sync.server.db import read
    from sync.server.office import exemplars
    from sync.server.office import tables as t
    from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit

    tablet = make_tablet()
    create_demo_visit(tablet.services, EXAMPLE_DATE, photos=False)
    tablet.sync()
    with read(office.engine) as conn:
        strength = conn.execute(select(t.read_findings.c.entity_id).where(
            t.read_findings.c.kind == "strength").order_by(t.read_findings.c.position)
        ).scalars().first()
        draft = exemplars.draft_from_finding(conn, strength)
        figures = conn.execute(select(t.read_indicators.c.period).where(
            t.read_indicators.c.value.is_not(None))).scalars().all()
    assert len(draft.title) <= 81 and draft.what_they_do.startswith(draft.title.rstrip("…"))
    assert draft.system and draft.area_kind
    # The evidence names each figure once and its period once.
    assert draft.evidence.count(figures[0]) == 1 and draft.evidence.count("%") >= 1


def test_readme__between_visits_commands_exist_and_have_help():
    import re as re_mod

    import typer.main

    from sync.cli import app

    readme = (REPO / "README.md").read_text(encoding="utf-8").split("### Between visits")[1]
    root = typer.main.get_command(app)
    listed = re_mod.findall(r"^visitapp-office ([a-z]+)(?: ([a-z]+))?", readme.split("##")[0],
                            re_mod.M)
    assert {name for name, _ in listed} == {"events", "learning", "actions", "momentum",
                                            "exemplars"}
    for name, sub in listed:
        command = root.commands[name]  # type: ignore[attr-defined]
        if sub and hasattr(command, "commands"):
            command = command.commands[sub]
        assert command.help, f"{name} {sub} has no help"


def test_calendar_actions_momentum_and_library__on_postgresql(pg_office, tmp_path):
    from datetime import date

    from sqlalchemy import select

    from sync.server.db import read
    from sync.server.office import actions, calendar, exemplars
    from sync.server.office import momentum as mo
    from sync.server.office import tables as t
    from tests.conftest import open_test_services
    from tests.sync.conftest import Tablet

    device, token = pg_office.device("north")
    services = open_test_services(tmp_path / "tablet" / "tablet.db")
    tablet = Tablet(services, token, device, pg_office.http(token))
    try:
        visit(tablet, "Fictional North", "2027-02-09", [("Nurse", 9), ("Therapist", 12)],
              recommendation="Agree a daily discharge huddle.",
              strength="Same-day emergency care takes GP referrals directly.")
        tablet.sync()
    finally:
        tablet.http.close()
        services.close()
    for name, day, n in (("Launch", "2027-01-12", 120), ("Event 2", "2027-04-13", 95)):
        calendar.add(pg_office.engine, kind="event", name=name, day=day, attendees=n, now_ms=0)
    with read(pg_office.engine) as conn:
        (action,) = actions.list_actions(conn, system="FICTIONAL NORTH")
        strength = conn.execute(select(t.read_findings.c.entity_id).where(
            t.read_findings.c.kind == "strength")).scalar_one()
    assert action.due == date(2027, 4, 13)
    actions.update_action(pg_office.engine, action.id, status="done", note="Running daily",
                          today=date(2027, 3, 1), by="Ali", now_ms=0)
    entry = exemplars.add_entry(pg_office.engine, finding_id=strength, title="Direct to SDEC",
                                by="Ali", now_ms=0)
    with read(pg_office.engine) as conn:
        rows = mo.build(conn).as_json()
        assert [e["id"] for e in exemplars.search(conn, q="GP REFERRALS")] == [entry]
        assert actions.get_action(conn, action.id).status == "done"
    # After the launch: 120 + 21 people; the launch, the visit and the update.
    assert [(r["people_reached"], r["interactions"], r["momentum"]) for r in rows] == [
        (0, 0, 0), (141, 3, 423), (95, 1, 95)]
