"""`visitapp report VISIT_ID -o FILE.pdf` end to end, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

REPO = Path(__file__).resolve().parents[2]
VISITAPP = REPO / ".venv" / "bin" / "visitapp"
CLI = [str(VISITAPP)] if VISITAPP.exists() else [sys.executable, "-m", "visitapp.cli.main"]


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "--db", str(db), *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def test_report_command_writes_the_pdf(tmp_path: Path) -> None:
    db = tmp_path / "tablet.db"
    made = run(db, "demo")
    assert made.returncode == 0, made.stderr
    visit_id = made.stdout.strip()
    out = tmp_path / "feedback.pdf"
    done = run(db, "report", visit_id[:8], "-o", str(out))
    assert done.returncode == 0, done.stderr
    pages = len(PdfReader(str(out)).pages)
    assert done.stderr.strip() == (f"wrote {out}: {pages} pages, 14 findings, "
                                   f"{done.stderr.split(' findings, ')[1].split(' answers')[0]}"
                                   " answers, 3 photos")
    assert done.stdout == ""


def test_unknown_visit_is_one_line_and_exit_1(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    done = run(tmp_path / "tablet.db", "report", "no-such-visit", "-o", str(out))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no visit" in lines[0], done.stderr
    assert not out.exists()


def test_patient_data_is_one_line_naming_the_item(tmp_path: Path) -> None:
    db = tmp_path / "tablet.db"
    visit_id = run(db, "demo").stdout.strip()
    # Written as a sync from an older tablet would: straight into the op-log.
    code = (
        "import os, sys\n"
        "from visitapp.services.app import open_services\n"
        "from visitapp.store import oplog\n"
        "s = open_services(sys.argv[1], pin=os.environ['VISITAPP_PIN'])\n"
        "state = s.visits.load(sys.argv[2])\n"
        "area = state.areas[0]\n"
        "item = area.form.items[0]\n"
        "with s.db.write() as conn:\n"
        "    oplog.record(s.db, conn, visit_id=state.id, entity='answer',\n"
        "                 entity_id=f'{area.key}/{item.id}', field='note',\n"
        "                 value='Ref 943 476 5919', author='sync')\n"
        "print(item.id)\n"
        "s.close()\n"
    )
    item_id = subprocess.run([sys.executable, "-c", code, str(db), visit_id], check=True,
                             capture_output=True, text=True, cwd=REPO).stdout.strip()
    out = tmp_path / "feedback.pdf"
    done = run(db, "report", visit_id, "-o", str(out))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and item_id in lines[0] and "NHS number" in lines[0], done.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".pdf", ".part")] == []


def test_a_wrong_pin_is_one_line_and_exit_1_with_no_pdf(tmp_path: Path) -> None:
    # The command unlocks on a thread beside its imports: the error still reaches the user
    # as the one line any other command gives.
    db = tmp_path / "tablet.db"
    visit_id = run(db, "demo").stdout.strip()
    out = tmp_path / "feedback.pdf"
    done = subprocess.run([*CLI, "--db", str(db), "report", visit_id, "-o", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**os.environ, "VISITAPP_PIN": "97531864"})
    assert done.returncode == 1
    assert done.stderr.startswith("visitapp: wrong PIN (4 more tries"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


# What `visitapp report` has no use for, and costs a command line start (issue 11): the
# SQL toolkit (store.sync_state's tables), the HTTP client (sync), the YAML parser (a
# stored visit's forms are in the database), the UI, the office service, and typer (a
# plain `report VISIT -o FILE` with $VISITAPP_PIN starts without it: visitapp/cli/main.py).
# pydantic checks forms from outside (form_schema); a report reads forms already checked.
NOT_FOR_A_REPORT = ("sqlalchemy", "sqlmodel", "httpx", "yaml", "flet", "fastapi", "sync",
                    "typer", "click", "pydantic", "pydantic_core")


def test_report_command__loads_no_sql_toolkit_http_client_yaml_pydantic_or_ui(tmp_path: Path) -> None:
    db = tmp_path / "tablet.db"
    visit_id = run(db, "demo").stdout.strip()
    out = tmp_path / "feedback.pdf"
    code = (
        "import runpy, sys\n"
        "sys.argv = ['visitapp', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('visitapp.cli.main', run_name='__main__')\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, "--db", str(db), "report", visit_id,
                           "-o", str(out)], capture_output=True, text=True, timeout=120,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert {"visitapp", "reportlab", "sqlite3"} <= loaded  # the check sees the modules
    assert loaded.isdisjoint(NOT_FOR_A_REPORT), sorted(loaded & set(NOT_FOR_A_REPORT))
    assert len(PdfReader(str(out)).pages) > 10
