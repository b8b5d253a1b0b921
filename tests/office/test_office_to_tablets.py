"""What the office sends tablets (issue 14), through the real service and two teams'
tablets: action status for a follow-up visit, the exemplar library, published checklist
versions and scheduled visits, each as ops signed by the office. The office side is the
`visitapp-office` command line (a real process on the office's database); the tablets
sync over HTTP to the in-process service and are read back by the `visitapp` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import yaml

from sync.server import tables as st
from sync.server.office_key import office_key
from tests.office.site import REPO
from tests.office.test_between import cli, ok, visit
from visitapp.domain import signing
from visitapp.domain.form_loading import default_forms_dir
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID
from visitapp.domain.signing import OFFICE_PREFIX
from visitapp.services.visit_json import visit_to_json
from visitapp.store import oplog
from visitapp.store.oplog import OpRecord

ED = "emergency_department"


def tablet_cli(tablet, *args: str) -> str:
    """`visitapp` on the tablet's own database (its services stay open, as the app's)."""
    env = {k: v for k, v in os.environ.items() if k != "VISITAPP_DB"}
    done = subprocess.run([sys.executable, "-m", "visitapp.cli.main", "--db",
                           str(tablet.db.path), *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def follow_up(tablet, earlier: str) -> str:
    return tablet.services.visits.create_visit(
        system="Fictional North", date="2027-05-04", visit_type="follow_up",
        follows_visit_id=earlier, author="Tester", areas=[(ED, "ED")])


def test_an_action_updated_at_the_office__shows_on_the_follow_up_visits_tablet(
        office, make_tablet):
    north, team_mate, south = make_tablet("north"), make_tablet("north"), make_tablet("south")
    earlier = visit(north, "Fictional North", "2027-02-09", [("Nurse", 9)],
                    recommendation="Agree a daily 11:00 discharge huddle on every ward.")
    north.services.visits.add_finding(
        earlier, kind="recommendation", text="Open the discharge lounge at 08:00.",
        pathway="discharge", horizon="longer_term", owner="Site director", author="Tester")
    north.sync()
    found = json.loads(ok(office, "actions", "list", "--json"))
    assert sorted(a["text"] for a in found) == [  # the recommendations became actions
        "Agree a daily 11:00 discharge huddle on every ward.",
        "Open the discharge lounge at 08:00."]
    huddle = next(a for a in found if a["text"].startswith("Agree"))
    # ... and the office sent each as a new action to the team: north pulled them back
    # in the same sync (push, then pull).
    with north.db.read() as conn:
        assert sorted(conn.execute("SELECT id, status, updated, due FROM actions")) == sorted(
            (a["id"], "not_started", None, a["due"]) for a in found)
    ok(office, "actions", "update", huddle["id"], "--status", "done", "--note",
       "Running on every ward since March.")
    updated_on = json.loads(ok(office, "actions", "list", "--json"))
    day = next(a for a in updated_on if a["id"] == huddle["id"])["updates"][-1]["date"]

    team_mate.sync()  # it holds the earlier visit from north's push, and the office's op
    later = follow_up(team_mate, earlier)
    shown = json.loads(tablet_cli(team_mate, "visits", "show", later, "--json"))
    assert shown["previous_actions"] == [
        {"text": "Agree a daily 11:00 discharge huddle on every ward.",
         "owner": "Director of operations", "status": "done", "updated": day},
        {"text": "Open the discharge lounge at 08:00.", "owner": "Site director",
         "status": "not_started", "updated": None}]
    assert date.fromisoformat(day)
    text = tablet_cli(team_mate, "visits", "show", later)
    assert "Since the last visit: 1 of 2 actions done" in text
    # The status came as an op of the office, signed, and only to the visit's team.
    with team_mate.db.read() as conn:
        received = [OpRecord.from_row(r) for r in conn.execute(
            f"SELECT {', '.join(oplog.OP_COLUMNS)} FROM ops WHERE entity = 'action'")]
    key = office_key(office.engine, now="2027-01-01T00:00:00Z")
    assert {op.device_id for op in received} == {key.device_id}
    assert key.device_id.startswith(OFFICE_PREFIX)
    assert [signing.verify(op.as_dict(), key.public_key, OFFICE_PREFIX)
            for op in received] == [None] * len(received) != []
    south.sync()
    with south.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE entity = 'action'").fetchone() \
            == (0,)


def test_a_promoted_strength__is_in_exemplars_list_on_another_teams_tablet(
        office, make_tablet):
    north, south = make_tablet("north"), make_tablet("south")
    vid = visit(north, "Fictional North", "2027-02-09", [("Nurse", 9)],
                strength="Same-day emergency care takes GP referrals directly.")
    north.sync()
    finding = next(f.id for f in north.services.visits.load(vid).findings)
    entry = ok(office, "exemplars", "add", "--finding", finding, "--title",
               "GP referrals straight to SDEC", "--contact-role", "SDEC lead nurse").strip()
    south.sync()
    listed = json.loads(tablet_cli(south, "exemplars", "list", "--area-kind", ED, "--json"))
    assert listed == [{"id": entry, "title": "GP referrals straight to SDEC",
                       "area_kind": ED, "pathway": "front_door", "tags": listed[0]["tags"],
                       "system": "Fictional North"}]
    assert json.loads(tablet_cli(south, "exemplars", "list", "--area-kind",
                                 "inpatient_ward", "--json")) == []
    # One programme-wide row on the office, not a copy per team.
    assert office.count("SELECT COUNT(*) FROM ops WHERE entity = 'exemplar' AND team = '*' "
                        "AND field = 'title'") == 1


def _bumped_form(tmp_path: Path, version: int) -> Path:
    data = yaml.safe_load((default_forms_dir() / f"{ED}.yaml").read_text())
    data["version"] = version
    data["title"] = "Emergency department (published)"
    path = tmp_path / f"ed-v{version}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_published_form__is_used_by_a_new_area_and_an_existing_area_keeps_its_own(
        office, make_tablet, tmp_path):
    north = make_tablet("north")
    vid = visit(north, "Fictional North", "2027-02-09", [("Nurse", 9)])
    north.sync()
    (existing,) = north.services.visits.load(vid).areas
    shipped = existing.form.version
    printed = ok(office, "forms", "publish", str(_bumped_form(tmp_path, shipped + 1)))
    assert printed.startswith(f"published emergency-department v{shipped + 1} for {ED} (")
    listed = {f["area_kind"]: f for f in json.loads(tablet_cli(north, "forms", "list",
                                                               "--json"))}
    assert listed[ED]["version"] == shipped  # not synced yet
    north.sync()
    listed = {f["area_kind"]: f for f in json.loads(tablet_cli(north, "forms", "list",
                                                               "--json"))}
    assert listed[ED]["version"] == shipped + 1
    new_key = north.services.visits.add_area(vid, ED, "ED majors", author="Tester")
    areas = {a["key"]: a for a in visit_to_json(north.services.visits.load(vid))["areas"]}
    assert areas[existing.key]["form_version"] == shipped
    assert areas[new_key]["form_version"] == shipped + 1
    north.sync()  # the new area, on the published version, goes back to the office
    assert office.count("SELECT COUNT(*) FROM read_areas WHERE visit_id = :v", v=vid) == 2


def test_a_form_with_errors__is_refused_with_file_line_messages_and_nothing_published(
        office, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (default_forms_dir() / f"{ED}.yaml").read_text().replace(
        "type: yes_no\n", "type: maybe\n", 1)
    bad.write_text(text)
    before = office.count("SELECT COUNT(*) FROM ops")
    done = cli(office, "forms", "publish", str(bad), str(_bumped_form(tmp_path, 9)))
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{bad}:") and first.split(":")[1].isdigit(), done.stderr
    assert "nothing published" in done.stderr
    assert done.stdout == ""
    assert office.count("SELECT COUNT(*) FROM ops") == before


def test_a_scheduled_visit__appears_on_its_teams_tablet_and_not_on_another_teams(
        office, make_tablet):
    north, south = make_tablet("north"), make_tablet("south")
    printed = ok(office, "visits", "schedule", "--team", "north", "--system",
                 "Fictional East", "--date", "2027-06-08", "--type", "exemplar",
                 "--area", ED, "--area", "inpatient_ward:Ward 7 (medical)")
    visit_id = printed.strip()
    assert printed == visit_id + "\n"
    north.sync()
    south.sync()
    (row,) = [v for v in north.services.visits.list_visits() if v["id"] == visit_id]
    assert (row["system"], row["date"], row["visit_type"], row["status"]) == (
        "Fictional East", "2027-06-08", "exemplar", "planned")
    state = north.services.visits.load(visit_id)
    assert [a.label for a in state.areas] == ["Emergency Department", "Ward 7 (medical)"]
    assert south.services.visits.list_visits() == []
    with office.engine.connect() as conn:
        from sqlalchemy import select

        assert conn.execute(select(st.visits.c.team).where(
            st.visits.c.visit_id == visit_id)).scalar() == "north"
    # The team works on it like any visit of its own: its changes are accepted.
    area = state.areas[0]
    north.services.visits.set_area_done(visit_id, area.key, True, author="Tester")
    result = north.sync()
    assert north.pending() == 0, result


def test_schedule_mistakes__are_one_line_and_schedule_nothing(office, make_tablet):
    make_tablet("north")
    before = office.count("SELECT COUNT(*) FROM ops")
    for args, words in (
            (["--team", "west"], "team 'west' has no tablets: teams are north"),
            (["--team", "north", "--date", "2027-13-01"], "is not a date"),
            (["--team", "north", "--area", "canteen"], "area 'canteen' is not an area kind"),
            (["--team", "north", "--type", "follow_up"], "a follow-up visit is started")):
        base = {"--system": "Fictional East", "--date": "2027-06-08"}
        given = dict(zip(args[::2], args[1::2], strict=True))
        flat = [x for k, v in {**base, **given}.items() for x in (k, v)]
        done = cli(office, "visits", "schedule", *flat)
        assert done.returncode == 1 and done.stdout == ""
        assert len(done.stderr.splitlines()) == 1 and words in done.stderr, done.stderr
    assert office.count("SELECT COUNT(*) FROM ops") == before


def test_office_only_entities__are_refused_from_a_tablet_and_never_materialised(
        office, make_tablet):
    north, team_mate = make_tablet("north"), make_tablet("north")
    vid = visit(north, "Fictional North", "2027-02-09", [("Nurse", 9)])
    with north.db.write() as conn:  # a tablet marking its own visit's action done
        oplog.record(north.db, conn, visit_id=vid, entity="action", entity_id="rec-1",
                     field="status", value="done", author="Tester")
        oplog.record(north.db, conn, visit_id=vid, entity="exemplar", entity_id="fake",
                     field="title", value="Forged", author="Tester")
        # ... and claiming the programme-wide pseudo-visit as its own
        oplog.record(north.db, conn, visit_id=PROGRAMME_VISIT_ID, entity="visit",
                     entity_id=PROGRAMME_VISIT_ID, field="created_at", value="2027-01-01",
                     author="Tester")
        forged = dict(conn.execute("SELECT entity, op_id FROM ops WHERE entity IN "
                                   "('action', 'exemplar') OR visit_id = ?",
                                   (PROGRAMME_VISIT_ID,)).fetchall())
    north.sync()
    with north.db.read() as conn:
        reasons = {entity: conn.execute("SELECT reason FROM sync_rejections WHERE op_id = ?",
                                        (op_id,)).fetchone()[0]
                   for entity, op_id in forged.items()}
        assert conn.execute("SELECT COUNT(*) FROM actions").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM exemplars").fetchone() == (0,)
    assert reasons == {
        "action": "only the programme office makes action changes: nothing was sent",
        "exemplar": "exemplar: is programme-wide and must be filed under visit programme",
        "visit": "visit programme belongs to another team"}
    assert office.count("SELECT COUNT(*) FROM ops WHERE entity IN ('action', 'exemplar')") == 0
    # Relayed to a team-mate some other way, it is kept in the log but not shown.
    op = OpRecord(op_id="relayed-1", visit_id=PROGRAMME_VISIT_ID, device_id="k-" + "a" * 32,
                  seq=1, hlc=1 << 20, entity="exemplar", entity_id="fake", field="title",
                  value='"Forged"')
    with team_mate.db.write() as conn:
        oplog.apply_ops(team_mate.db, conn, [op])
    assert json.loads(tablet_cli(team_mate, "exemplars", "list", "--json")) == []


def test_readme__publishing_commands_exist_and_have_help():
    import re

    import typer.main

    from sync.cli import app as office_app
    from visitapp.cli.main import app as tablet_app

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Publishing to tablets")[1].split("\n## ")[0]
    listed = re.findall(r"^(visitapp-office|visitapp) ([a-z]+) ([a-z]+)", section, re.M)
    assert {(prog, name, sub) for prog, name, sub in listed} == {
        ("visitapp-office", "forms", "publish"), ("visitapp-office", "visits", "schedule"),
        ("visitapp-office", "settings", "set"),
        ("visitapp", "exemplars", "list"), ("visitapp", "forms", "list")}
    roots = {"visitapp-office": typer.main.get_command(office_app),
             "visitapp": typer.main.get_command(tablet_app)}
    for prog, name, sub in listed:
        command = roots[prog].commands[name].commands[sub]  # type: ignore[attr-defined]
        assert command.help, f"{prog} {name} {sub} has no help"
