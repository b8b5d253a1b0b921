"""Start the programme office with demo data (fictional systems and trusts, no patient
data): `bash scripts/office [--database-url URL] [--port N]`.

The first run on a database adds an admin (its password printed once), two tablets that
sync demo visits to the office over HTTP exactly as real tablets do, a register of
fictional systems and twelve months of synthetic A&E figures in NHS England's published
layout. Later runs just start the office.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx

from visitapp.domain.timefmt import london_today

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = REPO / ".data" / "office-demo"
ADMIN = "admin@example.org"
DEMO_PIN = "123456"  # the throwaway demo tablet's PIN (not a secret: demo data only)
SYSTEMS = [  # name, region, fictional ODS codes (ZZ.. is not a real code)
    ("Riverside Health and Care Partnership (demo)", "North East and Yorkshire", ["ZZA", "ZZB"]),
    ("Fictional Coastal", "South West", ["ZZC"]),
    ("Fictional Moorland", "South West", ["ZZD", "ZZE"]),
    ("Fictional Valley", "Midlands", ["ZZF"]),
    ("Fictional Northgate", "North West", ["ZZG"]),
]
MONTH_NAMES = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST",
               "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER")
HEADER = ["Period", "Org Code", "Parent Org", "Org name",
          "A&E attendances Type 1", "A&E attendances Type 2",
          "A&E attendances Other A&E Department", "A&E attendances Booked Appointments Type 1",
          "A&E attendances Booked Appointments Type 2",
          "A&E attendances Booked Appointments Other Department",
          "Attendances over 4hrs Type 1", "Attendances over 4hrs Type 2",
          "Attendances over 4hrs Other Department",
          "Attendances over 4hrs Booked Appointments Type 1",
          "Attendances over 4hrs Booked Appointments Type 2",
          "Attendances over 4hrs Booked Appointments Other Department",
          "Patients who have waited 4-12 hs from DTA to admission",
          "Patients who have waited 12+ hrs from DTA to admission",
          "Emergency admissions via A&E - Type 1", "Emergency admissions via A&E - Type 2",
          "Emergency admissions via A&E - Other A&E department",
          "Emergency admissions via A&E - Booked Appointments Type 1",
          "Emergency admissions via A&E - Booked Appointments Type 2",
          "Emergency admissions via A&E - Booked Appointments Other Department",
          "Other emergency admissions"]


def office(url: str, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([str(BIN / "visitapp-office"), *args, "--database-url", url],
                          input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"office demo: visitapp-office {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def months_before(today: date, count: int) -> list[tuple[int, int]]:
    out, year, month = [], today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append((year, month))
    return list(reversed(out))


def write_ae_month(path: Path, year: int, month: int, rng: random.Random,
                   drift: dict[str, float]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        period = f"MSitAE-{MONTH_NAMES[month - 1]}-{year}"
        w.writerow([period, "TOTAL", "TOTAL", "England"] + ["1,000,000"] * 21)
        for _name, region, codes in SYSTEMS:
            for code in codes:
                drift[code] = drift.get(code, rng.uniform(0.18, 0.32)) + rng.uniform(-0.02, 0.025)
                share = min(max(drift[code], 0.03), 0.45)
                t1 = rng.randint(9000, 14000)
                other = rng.randint(1500, 4000)
                booked = rng.randint(50, 300)
                cells = [t1, "", other, booked, "", ""]
                over = [int(t1 * share), "", int(other * share * 0.3), int(booked * share), "", ""]
                twelve = int(t1 * share * rng.uniform(0.02, 0.06))
                adm = [int(t1 * 0.27), "", int(other * 0.02), "", "", "", rng.randint(800, 1500)]
                w.writerow([period, code, f"NHS FICTIONAL {region.upper()} ICB",
                            f"Fictional Trust {code}"]
                           + [f"{c:,}" if c != "" else "" for c in cells + over]
                           + [f"{int(twelve * 3):,}", f"{twelve:,}"]
                           + [f"{c:,}" if c != "" else "" for c in adm])


def populate(url: str, base: str, today: date) -> str:
    from sync.client import RetryPolicy
    from visitapp.services.app import open_services
    from visitapp.services.demo import create_demo_visit
    from visitapp.services.sync import sync_engine

    password = secrets.token_urlsafe(12)
    office(url, "user", "add", "--email", ADMIN, "--name", "Demo Admin", "--role", "admin",
           stdin=password + "\n")
    rng = random.Random(2026)
    for name, region, codes in SYSTEMS:
        office(url, "systems", "add", "--name", name, "--region", region,
               *[arg for c in codes for arg in ("--trust", c)])
    token = office(url, "device", "add", "--team", "demo", "--name", "Demo tablet")
    # The demo tablet's data is locked with VISITAPP_PIN when set, else with DEMO_PIN.
    tablet = open_services(DATA / "tablet" / "tablet.db",
                           pin=os.environ.get("VISITAPP_PIN") or DEMO_PIN)
    try:
        create_demo_visit(tablet, today, photos=True)
        for (name, _region, _codes), when in zip(SYSTEMS[1:4], ("2026-02-11", "2025-10-02",
                                                                "2026-06-18"), strict=True):
            vid = tablet.visits.create_visit(system=name, date=when, visit_type="diagnostic",
                                             author="Demo", areas=[
                                                 ("emergency_department", "ED"),
                                                 ("inpatient_ward", "Ward 7 (medical)"),
                                                 ("discharge_hub", "Transfer of care hub")])
            for area in tablet.visits.load(vid).areas:
                for item in [i for i in area.form.items if i.type.value == "rag"
                             and not i.show_if][:4]:
                    tablet.visits.answer(vid, area.key, item.id,
                                         rng.choice(["red", "amber", "green", "green"]),
                                         author="Demo")
            tablet.visits.add_finding(vid, kind="concern", pathway="weekends", author="Demo",
                                      text="Discharges fall by half at weekends.", confirmed=True)
            tablet.visits.add_finding(vid, kind="recommendation", pathway="flow", author="Demo",
                                      text="Daily board round before 10:00 on every ward.",
                                      horizon="quick_win", confirmed=True)
        with httpx.Client(base_url=base,
                          headers={"Authorization": f"Bearer {token.strip()}"}) as http:
            sync_engine(tablet.db, tablet.blobs, http,
                        retry=RetryPolicy(attempts=4, base_s=0.2, cap_s=1.0)).sync()
    finally:
        tablet.close()
    drift: dict[str, float] = {}
    for year, month in months_before(today, 12):
        path = DATA / f"ae-{year}-{month:02d}.csv"
        write_ae_month(path, year, month, rng, drift)
        office(url, "performance", "import", str(path))
    return password


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "VISITAPP_OFFICE_DATABASE_URL", f"sqlite:///{DATA / 'office.db'}"))
    parser.add_argument("--port", type=int, default=8800)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([str(BIN / "visitapp-office"), "serve", "--database-url",
                             args.database_url, "--host", "127.0.0.1", "--port", str(args.port)])
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
            if proc.poll() is not None:
                sys.exit("office demo: the office did not start")
        first = ADMIN not in office(args.database_url, "user", "list")
        if first:
            password = populate(args.database_url, base, london_today())  # announced: today in London
            print(f"Demo data added. Sign in as {ADMIN} with the password {password} "
                  "(shown only now; add your own with `visitapp-office user add`).")
        print(f"The programme office is on {base} (Ctrl+C stops it).", flush=True)
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
