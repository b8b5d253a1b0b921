"""The PIN on the command line: from VISITAPP_PIN (or a prompt), exit 1 without one,
one line for a wrong PIN, `visitapp pin change`, and `visits release` refusing while unsent."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO, open_test_services
from visitapp.store.db import is_plain_sqlite


def visitapp(db, *args: str, **env_changes: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "VISITAPP_DB"}
    for name, value in env_changes.items():
        env.pop(name, None) if value is None else env.__setitem__(name, value)
    return subprocess.run([sys.executable, "-m", "visitapp.cli.main", "--db", str(db), *args],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
                          stdin=subprocess.DEVNULL)


def test_no_pin_and_no_terminal__exit_1_saying_so_and_nothing_made(tmp_path):
    db = tmp_path / "tablet.db"
    result = visitapp(db, "visits", "list", VISITAPP_PIN=None)
    assert result.returncode == 1
    assert result.stderr.strip() == ("visitapp: no PIN: set VISITAPP_PIN, or run in a "
                                     "terminal to be asked for it")
    assert not db.exists()


def test_first_command__makes_the_data_encrypted_under_the_pin_it_is_given(tmp_path):
    db = tmp_path / "tablet.db"
    result = visitapp(db, "visits", "new", "--system", "PIN test (fictional)",
                      "--date", "2026-11-27", VISITAPP_PIN="13572468")
    assert result.returncode == 0, result.stderr
    assert not is_plain_sqlite(db)
    assert visitapp(db, "visits", "list", VISITAPP_PIN="13572468").returncode == 0
    wrong = visitapp(db, "visits", "list", VISITAPP_PIN="864213579")
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("visitapp: wrong PIN (4 more tries")
    assert len(wrong.stderr.strip().splitlines()) == 1


def test_a_short_pin__is_refused_before_anything_is_made(tmp_path):
    db = tmp_path / "tablet.db"
    result = visitapp(db, "visits", "list", VISITAPP_PIN="1234")
    assert result.returncode == 1
    assert "the PIN must be 6 or more digits" in result.stderr
    assert not db.exists()


def test_pin_change__rewraps_and_only_the_new_pin_opens(tmp_path):
    db = tmp_path / "tablet.db"
    s = open_test_services(db)
    vid = s.visits.create_visit(system="PIN change (fictional)", date="2026-11-27",
                                visit_type="diagnostic")
    s.close()
    changed = visitapp(db, "pin", "change", VISITAPP_NEW_PIN="11223344")
    assert changed.returncode == 0 and changed.stderr.strip() == "PIN changed"
    assert visitapp(db, "visits", "list").returncode == 1  # the old PIN no longer opens
    listed = visitapp(db, "visits", "list", VISITAPP_PIN="11223344")
    assert listed.returncode == 0 and vid in listed.stdout


def test_visits_release__refuses_while_unsent_exit_1_nothing_removed(tmp_path):
    db = tmp_path / "tablet.db"
    made = visitapp(db, "visits", "new", "--system", "Release (fictional)", "--date",
                    "2026-11-27")
    vid = made.stdout.strip()
    result = visitapp(db, "visits", "release", vid[:8])
    assert result.returncode == 1
    assert "not at the programme office: sync first (nothing was removed)" in result.stderr
    assert vid in visitapp(db, "visits", "list").stdout


def test_visits_finish__is_an_op_the_visit_can_still_be_corrected(tmp_path):
    db = tmp_path / "tablet.db"
    vid = visitapp(db, "visits", "new", "--system", "Finish test (fictional)", "--date",
                   "2026-11-27", "--area", "emergency_department").stdout.strip()
    done = visitapp(db, "visits", "finish", vid[:8], "--as", "Visit lead")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"visit {vid[:8]} finished"
    shown = json.loads(visitapp(db, "visits", "show", vid, "--json").stdout)
    assert shown["status"] == "closed"
    again = visitapp(db, "visits", "finish", vid)
    assert again.returncode == 0 and "was finished already" in again.stderr
    s = open_test_services(db)
    try:
        with s.db.read() as conn:
            ops = conn.execute("SELECT value FROM ops WHERE visit_id = ? AND field = 'status' "
                               "ORDER BY rowid", (vid,)).fetchall()
        assert [v for (v,) in ops][-1] == '"closed"' and len(ops) == 2  # in_progress, closed
        s.visits.update_visit(vid, system="Finish test, corrected (fictional)")
        assert s.visits.load(vid).system == "Finish test, corrected (fictional)"
    finally:
        s.close()
