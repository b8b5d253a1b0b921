"""The `visitapp` command line, run as a user would: a real process, exit codes, streams."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, open_test_services


def visitapp(db, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "VISITAPP_DB"}
    result = subprocess.run([sys.executable, "-m", "visitapp.cli.main", "--db", str(db), *args],
                            capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "cli.db"
    open_test_services(db).close()  # the test PIN with the cheap key derivation, made once
    result = visitapp(db, "demo", check=True)
    visit_id = result.stdout.strip()
    return db, visit_id


def test_demo__prints_only_the_new_visit_id(demo):
    db, visit_id = demo
    assert len(visit_id) == 36 and visit_id.count("-") == 4
    listed = visitapp(db, "visits", "list", "--json", check=True)
    assert visit_id in [v["id"] for v in json.loads(listed.stdout)]


def test_visits_show_json__lists_areas_answers_and_findings(demo):
    db, visit_id = demo
    data = json.loads(visitapp(db, "visits", "show", visit_id, "--json", check=True).stdout)
    assert data["id"] == visit_id
    assert len(data["areas"]) == 10 and len(data["findings"]) >= 10
    assert len(data["answers"]) > 100


def test_answer__stores_the_canonical_value_and_clear_removes_it(demo):
    db, visit_id = demo
    data = json.loads(visitapp(db, "visits", "show", visit_id, "--json", check=True).stdout)
    area = next(a for a in data["areas"] if a["kind"] == "emergency_department")
    result = visitapp(db, "answer", visit_id[:8], area["key"], "ed.handovers_over_30", "12",
                      "--note", "From the SitRep", check=True)
    assert json.loads(result.stdout) == 12
    after = json.loads(visitapp(db, "visits", "show", visit_id, "--json").stdout)
    got = next(a for a in after["answers"]
               if a["area_key"] == area["key"] and a["item_id"] == "ed.handovers_over_30")
    assert (got["value"], got["note"]) == (12, "From the SitRep")
    visitapp(db, "answer", "--clear", visit_id, area["key"], "ed.handovers_over_30", check=True)
    cleared = json.loads(visitapp(db, "visits", "show", visit_id, "--json").stdout)
    assert not any(a["item_id"] == "ed.handovers_over_30" and a["area_key"] == area["key"]
                   and a["value"] is not None for a in cleared["answers"])


@pytest.mark.parametrize(("args", "message"), [
    (["visits", "show", "no-such-visit"], "visitapp: no visit 'no-such-visit' on this tablet"),
    (["answer", "{visit}", "nope", "ed.handovers_over_30", "3"], "visitapp: no area 'nope' in visit"),
    (["answer", "{visit}", "{ed}", "ed.nope", "3"], "visitapp: no item 'ed.nope' in area"),
    (["answer", "{visit}", "{ed}", "ed.handovers_over_30", "lots"],
     "visitapp: item ed.handovers_over_30: expected a whole number, 0 or more, got 'lots'"),
    (["answer", "{visit}", "{ed}", "ed.handovers_over_30", "3", "--note", "DOB 01/02/1950"],
     "looks like patient data (date of birth 'DOB 01/02/1950')"),
    (["import", "{missing}"], "visitapp:"),
])
def test_user_mistakes__exit_1_with_one_line_and_change_nothing(demo, tmp_path, args, message):
    db, visit_id = demo
    data = json.loads(visitapp(db, "visits", "show", visit_id, "--json").stdout)
    ed = next(a["key"] for a in data["areas"] if a["kind"] == "emergency_department")
    args = [a.format(visit=visit_id, ed=ed, missing=tmp_path / "missing.zip") for a in args]
    result = visitapp(db, *args)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert "Traceback" not in result.stderr
    assert json.loads(visitapp(db, "visits", "show", visit_id, "--json").stdout) == data


def test_patient_data_note__is_stored_with_not_patient_data(demo):
    db, visit_id = demo
    data = json.loads(visitapp(db, "visits", "show", visit_id, "--json").stdout)
    ed = next(a["key"] for a in data["areas"] if a["kind"] == "emergency_department")
    result = visitapp(db, "answer", visit_id, ed, "ed.handovers_over_30", "4", "--note",
                      "Born 1 May 1950 is the building's opening date", "--not-patient-data")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("args", [["answer"], ["answer", "a", "b", "c"], ["visits", "show"],
                                  ["no-such-command"]])
def test_wrong_usage__exits_2(tmp_path, args):
    assert visitapp(tmp_path / "x.db", *args).returncode == 2


def test_every_command__has_help(tmp_path):
    for args in (["--help"], ["forms", "--help"], ["forms", "check", "--help"], ["visits", "--help"],
                 ["visits", "show", "--help"], ["answer", "--help"], ["demo", "--help"],
                 ["export", "--help"], ["import", "--help"], ["run", "--help"], ["report", "--help"]):
        result = visitapp(tmp_path / "x.db", *args)
        assert result.returncode == 0 and "Usage" in result.stdout, args


def test_db_location__comes_from_the_environment_when_not_given(tmp_path):
    env = {**os.environ, "VISITAPP_DB": str(tmp_path / "env.db")}
    result = subprocess.run([sys.executable, "-m", "visitapp.cli.main", "demo"], env=env,
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.db").exists()


def test_unusable_database_file__is_one_line_exit_1(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    result = visitapp(bad, "visits", "list")
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"visitapp: {bad} is not a usable visit database")


def test_area_done__is_shown_in_visits_show_json__and_undone_with_undo(demo):
    db, visit_id = demo
    data = json.loads(visitapp(db, "visits", "show", visit_id, "--json", check=True).stdout)
    assert all(a["done"] is False for a in data["areas"])
    key = data["areas"][0]["key"]
    result = visitapp(db, "area", "done", visit_id[:8], key, check=True)
    assert "done" in result.stderr
    after = json.loads(visitapp(db, "visits", "show", visit_id, "--json").stdout)
    assert [a["key"] for a in after["areas"] if a["done"]] == [key]
    visitapp(db, "area", "done", visit_id, key, "--undo", check=True)
    undone = json.loads(visitapp(db, "visits", "show", visit_id, "--json").stdout)
    assert not any(a["done"] for a in undone["areas"])
    missing = visitapp(db, "area", "done", visit_id, "no-such-area")
    assert missing.returncode == 1 and "no-such-area" in missing.stderr
    assert "Traceback" not in missing.stderr
