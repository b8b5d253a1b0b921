"""A real office for browser tests and screenshots: `visitapp-office serve` on 127.0.0.1,
people added through the CLI, and two tablets synced to it over HTTP. Fictional data only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sync.client import RetryPolicy
from tests.conftest import open_test_services
from tests.office_process import start_office, stop_office
from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit
from visitapp.services.sync import sync_engine

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OFFICE = str(BIN / "visitapp-office")
FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery"
ADMIN = "ada@example.org"
ANALYST = "ali@example.org"
NO_WAIT = RetryPolicy(attempts=4, base_s=0.0, cap_s=0.0)


def office_cli(url: str, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([OFFICE, *args, "--database-url", url], input=stdin, text=True,
                          capture_output=True, timeout=120, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Site:
    base: str
    url: str
    proc: subprocess.Popen
    visits: dict[str, str] = field(default_factory=dict)
    device_token: str = ""

    def stop(self) -> None:
        stop_office(self.proc)


def start(root: Path) -> Site:
    url = f"sqlite:///{root / 'office.db'}"
    base, proc = start_office([str(OFFICE)], url)
    return Site(base, url, proc)


def populate(site: Site, root: Path) -> None:
    """Two people, two tablets of one team with a visit each, a register, a month."""
    from visitapp.services import feedback

    office_cli(site.url, "user", "add", "--email", ADMIN, "--name", "Ada Admin", "--role",
               "admin", stdin=PASSWORD + "\n")
    office_cli(site.url, "user", "add", "--email", ANALYST, "--name", "Ali Analyst",
               "--role", "analyst", stdin=PASSWORD + "\n")
    tokens = [office_cli(site.url, "device", "add", "--team", "north", "--name", f"Tablet {n}")
              .strip().splitlines()[-1] for n in (1, 2)]
    site.device_token = tokens[0]
    a = open_test_services(root / "a" / "tablet.db")
    b = open_test_services(root / "b" / "tablet.db")
    try:
        demo = create_demo_visit(a, EXAMPLE_DATE, photos=True)
        pdf = root / "feedback.pdf"
        feedback.write_report_pdf(a, demo, pdf)
        feedback.mark_presented(a, demo, pdf, by="Dr A. Example")
        coastal = b.visits.create_visit(system="Fictional Coastal", date="2026-03-12",
                                        visit_type="diagnostic", author="Tester",
                                        areas=[("emergency_department", "ED"),
                                               ("inpatient_ward", "Ward 7 (medical)")])
        state = b.visits.load(coastal)
        for area in state.areas:
            rag = next(i for i in area.form.items if i.type.value == "rag" and not i.show_if)
            b.visits.answer(coastal, area.key, rag.id, "red", author="Tester")
        b.visits.add_finding(coastal, kind="concern", pathway="weekends", author="Tester",
                             text="Few discharges at weekends; no senior review on Sundays.",
                             confirmed=True)
        for services, token in ((a, tokens[0]), (b, tokens[1])):
            with httpx.Client(base_url=site.base,
                              headers={"Authorization": f"Bearer {token}"}) as http:
                sync_engine(services.db, services.blobs, http, retry=NO_WAIT).sync()
        site.visits = {"demo": demo, "coastal": coastal,
                       "demo_system": a.visits.load(demo).system or ""}
    finally:
        a.close()
        b.close()
    office_cli(site.url, "systems", "add", "--name", "Fictional Coastal", "--region",
               "South West", "--trust", "ZZA", "--trust", "ZZB")
    office_cli(site.url, "systems", "add", "--name", "Fictional South", "--region",
               "South West", "--trust", "ZZC")
    office_cli(site.url, "performance", "import", str(FIXTURES / "ae-provider-2025-12.csv"))
    office_cli(site.url, "performance", "import", str(FIXTURES / "ae-provider-2026-01.csv"))
