"""`visitapp report` starts without typer for its plain shape (visitapp/cli/main.py): the
same PDF, messages and exit codes as typer's `report`, and every other shape left to typer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from visitapp.cli.main import _plain_report

REPO = Path(__file__).resolve().parents[2]
PIN = "135790"


def visitapp(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "visitapp.cli.main", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**os.environ, "VISITAPP_PIN": PIN, **env})


def test_plain_shapes_are_taken_and_every_other_one_is_left_to_typer(monkeypatch, tmp_path):
    monkeypatch.setenv("VISITAPP_PIN", PIN)
    db = str(tmp_path / "t.db")
    assert _plain_report(["report", "v1", "-o", "a.pdf"]) == (None, "v1", Path("a.pdf"))
    assert _plain_report(["--db", db, "report", "-o", "a.pdf", "v1"]) == (
        Path(db), "v1", Path("a.pdf"))
    assert _plain_report(["report", "v1", "--output", "a.pdf"]) == (None, "v1", Path("a.pdf"))
    for shape in (["report", "v1"], ["report", "--help"], ["report", "v1", "--output=a.pdf"],
                  ["report", "v1", "-o", "a.pdf", "--help"], ["report", "-o", "a.pdf", "-o"],
                  ["report", "--", "v1", "-o"], ["report", "v1", "-o", "-x"],
                  ["report", "-x", "-o", "a.pdf"], ["report", "v1", "-o", ""],
                  ["--db", str(tmp_path), "report", "v1", "-o", "a.pdf"],  # a folder
                  ["--db", db, "visits", "list", "x"], ["report", "v1", "-oa.pdf", "x"], []):
        assert _plain_report(shape) is None, shape
    monkeypatch.delenv("VISITAPP_PIN")  # the PIN is to be asked for: typer's prompt
    assert _plain_report(["report", "v1", "-o", "a.pdf"]) is None
    monkeypatch.setenv("VISITAPP_PIN", PIN)
    monkeypatch.setenv("_VISITAPP_COMPLETE", "bash_complete")  # shell completion
    assert _plain_report(["report", "v1", "-o", "a.pdf"]) is None


def test_the_quick_start_and_typer_write_the_same_pdf_and_say_the_same(tmp_path):
    db = tmp_path / "tablet.db"
    made = visitapp(db, "demo", "--date", "2026-12-01")
    assert made.returncode == 0, made.stderr
    visit_id = made.stdout.strip()
    quick, typer_pdf = tmp_path / "quick.pdf", tmp_path / "typer.pdf"
    by_quick = visitapp(db, "report", visit_id, "-o", str(quick))
    by_typer = visitapp(db, "report", visit_id, f"--output={typer_pdf}")  # typer's shape
    assert by_quick.returncode == by_typer.returncode == 0, (by_quick.stderr, by_typer.stderr)
    assert by_quick.stdout == by_typer.stdout == ""
    assert by_quick.stderr.replace(str(quick), "F") == by_typer.stderr.replace(str(typer_pdf),
                                                                              "F")
    assert by_quick.stderr.startswith(f"wrote {quick}: ")

    def text(pdf: Path) -> list[str]:
        return [page.extract_text() for page in PdfReader(str(pdf)).pages]

    assert text(quick) == text(typer_pdf)
    assert len(text(quick)) > 10

    for shape in (["report", "no-such-visit", "-o", str(tmp_path / "x.pdf")],
                  ["report", "no-such-visit", f"--output={tmp_path / 'x.pdf'}"]):
        done = visitapp(db, *shape)
        assert done.returncode == 1
        assert done.stderr == "visitapp: no visit 'no-such-visit' on this tablet\n"
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("pin", ["97531864", "12"])
def test_a_bad_pin_says_the_same_either_way(tmp_path, pin):
    db = tmp_path / "tablet.db"
    visit_id = visitapp(db, "demo", "--date", "2026-12-01").stdout.strip()
    out = tmp_path / "x.pdf"
    quick = visitapp(db, "report", visit_id, "-o", str(out), VISITAPP_PIN=pin)
    by_typer = visitapp(db, "report", visit_id, f"--output={out}", VISITAPP_PIN=pin)
    assert quick.returncode == by_typer.returncode == 1
    assert quick.stderr.startswith("visitapp: ") and len(quick.stderr.splitlines()) == 1
    # The second wrong try has one try fewer left; otherwise the two lines are the same.
    assert quick.stderr.split("(")[0] == by_typer.stderr.split("(")[0], (quick.stderr,
                                                                       by_typer.stderr)
    assert not out.exists()
