"""Guarantee 13, with real processes: `visitapp-office serve` on loopback, two tablet
databases enrolled through the CLI, edits on both, `visitapp sync` on both (twice):
identical `visits show --json` on both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.office_process import start_office, stop_office

REPO = Path(__file__).resolve().parents[2]

# The installed console scripts, as a user runs them.
BIN = Path(sys.executable).parent
VISITAPP = str(BIN / "visitapp")
OFFICE = str(BIN / "visitapp-office")


def run(args: list[str], *, ok: bool = True, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, cwd=REPO,
                          input=stdin)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def office(*args: str, **kw) -> subprocess.CompletedProcess:
    return run([OFFICE, *args], **kw)


def visitapp(db: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return run([VISITAPP, "--db", str(db), *args], **kw)


@pytest.fixture
def served(tmp_path):
    url = f"sqlite:///{tmp_path / 'office.db'}"
    base, proc = start_office([str(OFFICE)], url)
    try:
        yield base, url
    finally:
        stop_office(proc)


def test_two_tablets_through_the_cli__end_with_identical_visits(served, tmp_path):
    base, url = served
    tokens = []
    for name in ("Tablet A", "Tablet B"):
        out = office("device", "add", "--team", "north", "--name", name,
                     "--database-url", url).stdout
        tokens.append(out.strip().splitlines()[-1])
    listed = office("device", "list", "--database-url", url).stdout
    assert "Tablet A" in listed and "Tablet B" in listed and tokens[0] not in listed
    a, b = tmp_path / "a" / "tablet.db", tmp_path / "b" / "tablet.db"

    not_enrolled = visitapp(a, "sync", ok=False)
    assert not_enrolled.returncode == 1 and "not enrolled" in not_enrolled.stderr
    for db, token in ((a, tokens[0]), (b, tokens[1])):
        done = visitapp(db, "enrol", "--server", base, stdin=token + "\n")  # never in argv
        assert token not in done.stdout + done.stderr
        assert db.stat().st_mode & 0o077 == 0  # the database: its user only
        assert not db.with_name(db.name + ".sync-token").exists()  # inside the database

    vid = visitapp(a, "demo").stdout.strip()
    visitapp(a, "sync")
    visitapp(b, "sync")
    shown = json.loads(visitapp(b, "visits", "show", vid, "--json").stdout)
    area = next(x["key"] for x in shown["areas"] if x["kind"] == "emergency_department")
    answered = {x["item_id"] for x in shown["answers"] if x["area_key"] == area}
    # Edits on both tablets: B answers an item, A adds a note elsewhere and answers another.
    visitapp(b, "answer", vid, area, "ed.handovers_over_60", "7")
    visitapp(a, "answer", vid, area, "ed.corridor_patients", "3",
             "--note", "Corridor care seen at 11:00")
    assert answered  # the demo answered most items
    for _ in range(2):
        visitapp(a, "sync")
        visitapp(b, "sync")
    show_a = visitapp(a, "visits", "show", vid, "--json").stdout
    show_b = visitapp(b, "visits", "show", vid, "--json").stdout
    assert show_a == show_b
    answers = {(x["area_key"], x["item_id"]): x["value"] for x in json.loads(show_a)["answers"]}
    assert answers[(area, "ed.handovers_over_60")] == 7
    assert answers[(area, "ed.corridor_patients")] == 3

    # The server gone: exit 1 with a clear line, every change kept.
    visitapp(a, "answer", vid, area, "ed.resus_bays_open", "4")
    visitapp(a, "enrol", "--server", "http://127.0.0.1:9", stdin=tokens[0])
    offline = visitapp(a, "sync", ok=False)
    assert offline.returncode == 1 and "cannot reach" in offline.stderr
    assert "kept" in offline.stderr


def test_a_finished_visit__through_the_cli__available_then_fetched_and_followed_up(served,
                                                                                   tmp_path):
    """Issue 15 with real processes: a fresh tablet holds only the team's visits in
    progress; `visits available --json` lists a finished one; `visits fetch` brings it;
    `visits new --follows` on another finished one fetches that first."""
    base, url = served
    a, b = tmp_path / "a" / "tablet.db", tmp_path / "b" / "tablet.db"
    for db, name in ((a, "Tablet A"), (b, "Tablet B")):
        token = office("device", "add", "--team", "north", "--name", name,
                       "--database-url", url).stdout.strip().splitlines()[-1]
        visitapp(db, "enrol", "--server", base, stdin=token + "\n")
    first = visitapp(a, "visits", "new", "--system", "CLI system (fictional)", "--date",
                     "2026-11-02").stdout.strip()
    second = visitapp(a, "visits", "new", "--system", "CLI system (fictional)", "--date",
                      "2026-11-09").stdout.strip()
    going = visitapp(a, "visits", "new", "--system", "Still going (fictional)", "--date",
                     "2026-11-30").stdout.strip()
    for vid in (first, second):
        visitapp(a, "visits", "finish", vid)
    visitapp(a, "sync")

    visitapp(b, "sync")
    held = [v["id"] for v in json.loads(visitapp(b, "visits", "list", "--json").stdout)]
    assert held == [going]
    available = json.loads(visitapp(b, "visits", "available", "--json").stdout)
    assert sorted(available, key=lambda v: v["date"]) == [
        {"id": first, "system": "CLI system (fictional)", "date": "2026-11-02",
         "status": "closed"},
        {"id": second, "system": "CLI system (fictional)", "date": "2026-11-09",
         "status": "closed"}]
    fetched = visitapp(b, "visits", "fetch", first[:8])
    assert fetched.stdout.strip() == first and "is on this tablet" in fetched.stderr
    follow = visitapp(b, "visits", "new", "--system", "CLI system (fictional)", "--date",
                      "2026-12-01", "--follows", second).stdout.strip()
    held = {v["id"] for v in json.loads(visitapp(b, "visits", "list", "--json").stdout)}
    assert held == {going, first, second, follow}
    assert json.loads(visitapp(b, "visits", "available", "--json").stdout) == []
    shown = json.loads(visitapp(b, "visits", "show", first, "--json").stdout)
    assert shown == json.loads(visitapp(a, "visits", "show", first, "--json").stdout)
    unknown = visitapp(b, "visits", "fetch", "00000000-0000-4000-8000-000000000000", ok=False)
    assert unknown.returncode == 1 and "no visit" in unknown.stderr
    assert "Traceback" not in unknown.stderr
