"""Fixtures for the feedback report: visits of every size, and reading a PDF back.

No patient data anywhere: every text is about services, and every number is a count.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from visitapp.domain.forms import AREA_KINDS
from visitapp.domain.visit import FindingKind, Horizon, Pathway, PeopleMet, TeamMember
from visitapp.services.app import Services, open_services
from visitapp.services.demo import _demo_value


def photo_bytes(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A generated picture (coloured panels, no text, no people) as JPEG."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (240, 244, 245))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randint(0, size[0] - 200), rng.randint(0, size[1] - 200)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle([x, y, x + rng.randint(80, 400), y + rng.randint(60, 300)], fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def make_visit(services: Services, *, answers: int, findings: int, photos: int,
               seed: int = 7, note_every: int = 6) -> str:
    """A visit with about `answers` answers (areas added until there are enough)."""
    rng = random.Random(seed)
    visits = services.visits
    visit_id = visits.create_visit(
        system="Northfield Urgent Care System (test)", date="2026-11-27",
        visit_type="diagnostic", trust="Northfield Hospitals NHS Trust (test)",
        team=[TeamMember("Test Lead", "Visit lead"), TeamMember("Test Analyst", "Data")],
        people_met=[PeopleMet("Ward managers", 6), PeopleMet("Social workers", 3)],
        data_reviewed=["Attendances by hour, last 12 weeks", "Discharges by weekday"],
        author="Test Lead")
    kinds = list(AREA_KINDS)
    done = 0
    n = 0
    while done < answers:
        kind = kinds[n % len(kinds)]
        key = visits.add_area(visit_id, kind, f"{AREA_KINDS[kind]} {n + 1}")
        n += 1
        form = services.catalogue.for_kind(kind)
        given: dict[str, Any] = {}
        for item in form.items:
            if done >= answers:
                break
            if item not in form.visible_items(given):
                continue
            given[item.id] = visits.answer(visit_id, key, item.id, _demo_value(item, rng))
            done += 1
            if done % note_every == 0:
                visits.set_note(visit_id, key, item.id,
                                f"Observation {done}: board round started late; staff "
                                "described the escalation route clearly.")
    state = visits.load(visit_id)
    pathways = [p.value for p in Pathway]
    kinds_cycle = [k.value for k in FindingKind]
    for i in range(findings):
        kind = kinds_cycle[i % len(kinds_cycle)]
        rec = kind == FindingKind.RECOMMENDATION
        visits.add_finding(
            visit_id, kind=kind,
            text=f"Finding {i + 1} ({kind}): the discharge lounge is used from 10:00 on "
                 "weekdays but rarely at weekends.",
            pathway=pathways[i % len(pathways)], area_key=state.areas[i % len(state.areas)].key,
            horizon=(Horizon.QUICK_WIN if i % 2 else Horizon.LONGER_TERM).value if rec else None,
            owner=f"Owner role {i + 1}" if rec else None)
    for i in range(photos):
        services.attachments.attach_photo(
            visit_id, photo_bytes(i), name=f"p{i}.jpg", caption=f"Test photo {i + 1}: corridor "
            "signage, no people in view", area_key=state.areas[i % len(state.areas)].key)
    return visit_id


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, str]]:
    """600 answers, 40 findings, 20 photos (1600 px copies); built once per module."""
    services = open_services(tmp_path_factory.mktemp("big") / "tablet.db")
    visit_id = make_visit(services, answers=600, findings=40, photos=20)
    yield services, visit_id
    services.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, str]]:
    """The demo visit, built once per module: for tests that only read it."""
    from visitapp.services.demo import create_demo_visit

    services = open_services(tmp_path_factory.mktemp("demo") / "tablet.db")
    yield services, create_demo_visit(services)
    services.close()


@pytest.fixture
def empty_visit_id(services: Services) -> str:
    return services.visits.create_visit(system="Empty System (test)", date="2026-11-27",
                                        visit_type="follow_up")


# --- reading a PDF back --------------------------------------------------------------------

class ReadPdf:
    def __init__(self, path: Path) -> None:
        self.reader = PdfReader(str(path))
        self.pages = [p.extract_text() or "" for p in self.reader.pages]
        self.text = "\n".join(self.pages)
        self.flat = squash(self.text)

    @property
    def meta(self) -> Any:
        return self.reader.metadata

    def has(self, s: str) -> bool:
        return squash(s) in self.flat

    def index(self, s: str, start: int = 0) -> int:
        return self.flat.index(squash(s), start)


def squash(s: str) -> str:
    """Text without any whitespace: line wrapping in the PDF cannot break a comparison."""
    return re.sub(r"\s+", "", s)


@pytest.fixture
def read_pdf() -> Any:
    return ReadPdf
