"""Main passes on every date: the demo is fixed by its date, "today" is London's, and the
processes the tests start follow `VISITAPP_TEST_NOW` (and libfaketime) like the suite does.

Every process here is real (`python -m visitapp.cli.main`), with the clock it is given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine

from visitapp.clock_override import ENV_ANCHOR, ENV_NOW

CLI = [sys.executable, "-m", "visitapp.cli.main"]


def visitapp(db: Path, *args: str, env: dict[str, str] | None = None,
             cli: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(cli or CLI), "--db", str(db), *args], capture_output=True,
                          text=True, timeout=120, env=env)


def shifted_env(instant: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != ENV_ANCHOR}
    env[ENV_NOW] = instant
    return env


def demo_json(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[dict, dict]:
    made = visitapp(db, "demo", *args, env=env)
    assert made.returncode == 0, made.stderr
    visit_id = made.stdout.strip()
    shown = visitapp(db, "visits", "show", visit_id, "--json", env=env)
    data = visitapp(db, "data", "show", visit_id, "--json", env=env)
    assert shown.returncode == 0 and data.returncode == 0, shown.stderr + data.stderr
    return json.loads(shown.stdout), json.loads(data.stdout)


def without_ids(visit: dict) -> dict:
    """The visit's JSON with what differs between two creations taken out: ids, area keys
    (replaced by the area's kind and label, so answers stay attributed) and times; lists
    are then sorted, since they were ordered by those ids."""
    text = json.dumps(visit, sort_keys=True)
    text = text.replace(visit["id"], "VISIT")
    for area in visit["areas"]:
        text = text.replace(area["key"], f"{area['kind']}|{area['label']}")
    for entry in visit["findings"] + visit["attachments"]:
        text = text.replace(entry["id"], "ID")

    def normal(node):  # noqa: ANN001, ANN202
        if isinstance(node, dict):
            return {k: ("TIME" if k.endswith("_at") else normal(v)) for k, v in node.items()}
        if isinstance(node, list):
            return sorted((normal(v) for v in node), key=lambda v: json.dumps(v, sort_keys=True))
        return node

    return normal(json.loads(text))


def test_demo__on_a_given_date__is_the_same_every_time_and_its_figures_end_the_day_before(
        tmp_path: Path) -> None:
    first, first_data = demo_json(tmp_path / "a.db", "--date", "2019-06-03")
    second, second_data = demo_json(tmp_path / "b.db", "--date", "2019-06-03")
    assert first["date"] == "2019-06-03"
    assert first_data["period"] == {"start": "2019-03-11", "end": "2019-06-02"}
    assert first["id"] != second["id"]
    assert without_ids(first) == without_ids(second)
    hashes = sorted(a["sha256"] for a in first["attachments"])
    assert len(hashes) == 3 and hashes == sorted(a["sha256"] for a in second["attachments"])
    assert first_data == second_data


def test_demo__on_another_date__moves_its_figures_with_it(tmp_path: Path) -> None:
    visit, data = demo_json(tmp_path / "a.db", "--date", "2024-02-29")
    assert visit["date"] == "2024-02-29"
    assert data["period"]["end"] == "2024-02-28"


@pytest.mark.parametrize(("instant", "london_date"), [
    ("2027-03-28T00:55:00+00:00", "2027-03-28"),  # five minutes before BST starts
    ("2028-02-29T23:50:00+00:00", "2028-02-29"),  # leap day, still GMT
    ("2026-12-31T23:55:00+00:00", "2026-12-31"),  # New Year's Eve
    ("2027-06-30T23:30:00+00:00", "2027-07-01"),  # BST: London is already in July
])
def test_demo__without_a_date__is_dated_today_in_london_at_the_shifted_instant(
        tmp_path: Path, instant: str, london_date: str) -> None:
    visit, data = demo_json(tmp_path / "t.db", env=shifted_env(instant))
    assert visit["date"] == london_date
    day_before = {"2027-03-28": "2027-03-27", "2028-02-29": "2028-02-28",
                  "2026-12-31": "2026-12-30", "2027-07-01": "2027-06-30"}[london_date]
    assert data["period"]["end"] == day_before


def test_processes__started_later__share_one_shifted_clock(tmp_path: Path) -> None:
    """A child given the anchor travels to the shifted instant plus the real time since the
    anchor, not back to the instant itself: processes of one test agree on the time."""
    code = ("from visitapp.clock_override import apply_from_environment;"
            "import datetime;apply_from_environment();"
            "print(datetime.datetime.now(datetime.UTC).isoformat())")
    env = shifted_env("2027-03-28T00:55:00+00:00")
    # The anchor is a real instant: the run "started" an hour ago (read past any override
    # this test run itself is under).
    hatch = time_machine.escape_hatch
    real_now = hatch.time.time() if hatch.is_travelling() else time.time()
    env[ENV_ANCHOR] = repr(real_now - 3600)
    later = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, check=True).stdout.strip()
    assert later.startswith("2027-03-28T01:55"), later
    fresh = shifted_env("2027-03-28T00:55:00+00:00")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=fresh, check=True).stdout.strip()
    assert first.startswith("2027-03-28T00:55"), first


def test_clock_override__refuses_a_time_without_an_offset_in_one_line(tmp_path: Path) -> None:
    done = visitapp(tmp_path / "t.db", "visits", "list", env=shifted_env("2027-03-28T00:55"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "visitapp: VISITAPP_TEST_NOW='2027-03-28T00:55' has no offset: add one, e.g. +00:00"]
    assert not (tmp_path / "t.db").exists()


def _need_faketime() -> str:
    found = shutil.which("faketime")
    if found:
        return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("faketime is missing (apt-get install faketime): CI must run this test",
                    pytrace=False)
    pytest.skip("faketime is missing (apt-get install faketime)")


def test_cli__follows_the_machine_clock__under_libfaketime(tmp_path: Path) -> None:
    faketime = _need_faketime()
    env = {k: v for k, v in os.environ.items() if k not in (ENV_NOW, ENV_ANCHOR)}
    env.update(FAKETIME_DONT_FAKE_MONOTONIC="1", TZ="UTC")
    made = subprocess.run([faketime, "2027-03-28 00:55:00", *CLI, "--db", str(tmp_path / "f.db"),
                           "demo"], capture_output=True, text=True, env=env, timeout=120)
    assert made.returncode == 0, made.stderr
    visit_id = made.stdout.strip()
    visit = json.loads(visitapp(tmp_path / "f.db", "visits", "show", visit_id, "--json").stdout)
    data = json.loads(visitapp(tmp_path / "f.db", "data", "show", visit_id, "--json").stdout)
    assert visit["date"] == "2027-03-28"
    assert data["period"]["end"] == "2027-03-27"


# --- visits new ----------------------------------------------------------------------

def test_visits_new__creates_the_visit_with_its_areas_and_prints_only_its_id(
        tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    made = visitapp(db, "visits", "new", "--system", "Northfield UEC System (test)",
                    "--date", "2027-01-14", "--trust", "Northfield Hospitals (test)",
                    "--site", "Northfield General (test)", "--area", "emergency_department",
                    "--area", "inpatient_ward:Ward 7 (medical)", "--area", "inpatient_ward",
                    "--as", "Test Lead")
    assert made.returncode == 0, made.stderr
    visit_id = made.stdout.strip()
    assert made.stdout == visit_id + "\n" and len(visit_id) >= 32
    visit = json.loads(visitapp(db, "visits", "show", visit_id, "--json").stdout)
    assert (visit["system"], visit["date"], visit["visit_type"]) == (
        "Northfield UEC System (test)", "2027-01-14", "diagnostic")
    assert visit["trust"] == "Northfield Hospitals (test)"
    assert visit["site"] == "Northfield General (test)"
    labels = sorted((a["kind"], a["label"]) for a in visit["areas"])
    assert labels == [("emergency_department", "Emergency Department"),
                      ("inpatient_ward", "Inpatient ward"),
                      ("inpatient_ward", "Ward 7 (medical)")]
    follow = visitapp(db, "visits", "new", "--system", "Northfield UEC System (test)",
                      "--date", "2027-04-14", "--follows", visit_id)
    assert follow.returncode == 0, follow.stderr
    later = json.loads(visitapp(db, "visits", "show", follow.stdout.strip(), "--json").stdout)
    assert later["visit_type"] == "follow_up"
    assert later["follows_visit_id"] == visit_id
    assert later["areas"] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--area", "canteen"], "--area 'canteen': unknown area kind 'canteen'"),
    (["--date", "14/01/2027"], "--date '14/01/2027' is not a date like"),
    (["--date", "2027-02-30"], "--date '2027-02-30' is not a date like"),
    (["--type", "audit"], "--type 'audit' is not one of: diagnostic, exemplar, follow_up"),
    (["--follows", "0123456789abcdef"], "no visit '0123456789abcdef' on this tablet"),
    (["--type", "exemplar", "--follows", "0123456789abcdef"],
     "--follows makes a follow-up visit, not --type exemplar"),
    (["--system", "  "], "--system is empty"),
])
def test_visits_new__refuses_bad_input_in_one_line_and_writes_nothing(
        tmp_path: Path, args: list[str], message: str) -> None:
    db = tmp_path / "t.db"
    base = {"--system": "Northfield UEC System (test)", "--date": "2027-01-14"}
    for flag in ("--system", "--date"):
        if flag in args:
            base[flag] = args[args.index(flag) + 1]
    extra = [a for i, a in enumerate(args)
             if a not in ("--system", "--date") and (i == 0 or args[i - 1] not in
                                                     ("--system", "--date"))]
    done = visitapp(db, "visits", "new", *[x for kv in base.items() for x in kv], *extra)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert done.stdout == ""
    assert not db.exists()


def test_visits_new__refuses_an_unknown_earlier_visit__on_a_tablet_with_visits(
        tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    first = visitapp(db, "visits", "new", "--system", "A (test)", "--date", "2027-01-14")
    assert first.returncode == 0
    done = visitapp(db, "visits", "new", "--system", "A (test)", "--date", "2027-04-14",
                    "--follows", "feedfacefeedface")
    assert done.returncode == 1
    assert done.stderr.strip() == "visitapp: no visit 'feedfacefeedface' on this tablet"
    listed = visitapp(db, "visits", "list", "--json")
    assert len(json.loads(listed.stdout)) == 1
