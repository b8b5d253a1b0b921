"""Benchmark: import three years of daily rows (about 1,100) from a CSV extract.

Target: <= 0.5 s. Baseline in the same run: parsing the same file with the csv module
alone and inserting the rows into SQLite with one bare executemany + COMMIT.

    .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from visitapp.domain.indicators import COUNT_COLUMNS  # noqa: E402
from visitapp.services.app import open_services  # noqa: E402

DAYS = 1100
REPEATS = 5
TARGET_S = 0.5


def make_extract(path: Path) -> None:
    rng = random.Random(1)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", *COUNT_COLUMNS])
    start = date(2023, 11, 1)
    for n in range(DAYS):
        attendances = rng.randint(250, 350)
        discharges = rng.randint(40, 90)
        stranded = rng.randint(90, 130)
        writer.writerow([(start + timedelta(days=n)).isoformat(), attendances,
                         int(attendances * rng.uniform(0.8, 0.97)), rng.randint(60, 95), discharges,
                         int(discharges * rng.uniform(0.1, 0.35)), rng.randint(540, 600), 600,
                         stranded, int(stranded * 0.3), rng.randint(0, 6), rng.randint(0, 2),
                         rng.randint(10, 30)])
    path.write_text(out.getvalue())


def baseline(path: Path, folder: Path, n: int) -> float:
    conn = sqlite3.connect(folder / f"bare{n}.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE rows (day TEXT PRIMARY KEY, data TEXT)")
    start = time.perf_counter()
    with path.open(newline="") as fh:
        rows = [(r["date"], repr(r)) for r in csv.DictReader(fh)]
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO rows VALUES (?, ?)", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    extract = folder / "three-years.csv"
    make_extract(extract)
    ours, bare = [], []
    for n in range(REPEATS):
        services = open_services(folder / f"tablet{n}.db", pin="135790")
        visit_id = services.visits.create_visit(system="Bench", date="2026-11-27",
                                                visit_type="diagnostic")
        start = time.perf_counter()
        result = services.metrics.import_extract(visit_id, extract)
        ours.append(time.perf_counter() - start)
        assert result.taken == DAYS, result.summary()
        start = time.perf_counter()
        services.metrics.indicators(visit_id)
        compute_s = time.perf_counter() - start
        services.close()
        bare.append(baseline(extract, folder, n))
    median, base = statistics.median(ours), statistics.median(bare)
    print(f"import {DAYS} daily rows: median {median * 1000:.0f} ms over {REPEATS} runs "
          f"(baseline csv + executemany {base * 1000:.0f} ms, ratio {median / base:.1f}x); "
          f"indicators over them {compute_s * 1000:.0f} ms")
    ok = median <= TARGET_S
    print(f"{'PASS' if ok else 'FAIL'}: import <= {TARGET_S} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
