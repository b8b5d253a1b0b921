"""The monthly A&E import on files in NHS England's published layout (synthetic trusts)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync.server.db import open_database, read
from sync.server.office import performance, systems

FIXTURES = Path(__file__).parent / "fixtures"
JANUARY = FIXTURES / "ae-provider-2026-01.csv"
OFFICE = str(Path(sys.executable).parent / "visitapp-office")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'office.db'}")
    systems.add_system(engine, name="Fictional North", region="North East", now_ms=0,
                       trusts=["ZZA", "ZZB"])
    systems.add_system(engine, name="Fictional South", region="South West", now_ms=0,
                       trusts=["zzc"])
    yield engine
    engine.dispose()


def _months(engine):
    with read(engine) as conn:
        by_system = performance.system_months(conn)
        names = {s.id: s.name for s in systems.list_systems(conn)}
    return {names[sid]: {m.month: m for m in months} for sid, months in by_system.items()}


def test_parse__reads_the_published_layout_and_names_each_bad_line():
    parsed = performance.parse_file(JANUARY.read_bytes())
    assert [r.org_code for r in parsed.rows] == ["ZZA", "ZZB", "ZZC", "ZZQ"]
    zza = parsed.rows[0]
    assert (zza.month, zza.attendances, zza.over_4h) == ("2026-01", 15300, 3700)
    assert (zza.dta_4_12, zza.dta_12_plus, zza.emergency_admissions) == (900, 210, 4440)
    assert parsed.skipped == [
        "line 7: Attendances over 4hrs Type 1 (9500) is above A&E attendances Type 1 (9000)",
        "line 8: ZZB for 2026-01 repeats line 4",
        "line 9: Period 'MSitAE-SMARCH-2026' is not like MSitAE-JANUARY-2026",
    ]
    assert any("line 2: the TOTAL row" in n for n in parsed.notes)


def test_import__rolls_trusts_up_to_systems_with_booked_appointments_counted(engine):
    result = performance.import_file(engine, JANUARY.read_bytes())
    assert result.months == ["2026-01"] and result.taken == 4 and len(result.skipped) == 3
    assert any("ZZQ (Fictional Unregistered Community Trust)" in n for n in result.notes)
    north = _months(engine)["Fictional North"]["2026-01"]
    # 100 x (1 - (3,700 + 1,920) / (15,300 + 8,600)), to two decimals
    assert north.four_hour_pct == 76.49
    assert (north.dta_12_plus, north.emergency_admissions) == (245, 7150)
    assert _months(engine)["Fictional South"]["2026-01"].four_hour_pct == 83.33


def test_reimport__replaces_the_month_and_keeps_the_others(engine):
    performance.import_file(engine, JANUARY.read_bytes())
    performance.import_file(engine, (FIXTURES / "ae-provider-2025-12.csv").read_bytes())
    again = performance.import_file(engine, (FIXTURES / "ae-provider-2026-01-revised.csv")
                                    .read_bytes())
    assert again.replaced == 4
    north = _months(engine)["Fictional North"]
    assert north["2025-12"].four_hour_pct == 81.36
    assert north["2026-01"].four_hour_pct == 72.55  # only ZZA's revised row is January now
    assert "Fictional South" not in _months(engine)  # its January went with the month


@pytest.mark.parametrize(("text", "message"), [
    (b"", "the file is empty"),
    (b"date,attendances\n2026-01-01,5\n", "not NHS England's monthly A&E provider file"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_unreadable_file__is_refused_whole(text, message):
    with pytest.raises(performance.UnreadableFile, match=message):
        performance.parse_file(text)


def test_cli_import__prints_bad_lines_and_exits_0_then_1_for_nothing_taken(tmp_path):
    url = f"sqlite:///{tmp_path / 'office.db'}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run(*args):
        return subprocess.run([OFFICE, *args, "--database-url", url], capture_output=True,
                              text=True, env=env, timeout=60)

    done = run("performance", "import", str(JANUARY))
    assert done.returncode == 0, done.stderr
    assert "skipped line 8: ZZB for 2026-01 repeats line 4" in done.stderr
    assert "took 4 provider row(s) for 2026-01" in done.stderr
    assert "Traceback" not in done.stderr
    empty = tmp_path / "bad.csv"
    empty.write_text("Period,Org Code\n")
    refused = run("performance", "import", str(empty))
    assert refused.returncode == 1 and "nothing imported" in refused.stderr
    assert refused.stderr.count("\n") == 1
