"""Fixtures for the feedback report: visits of every size, and reading a PDF back.

No patient data anywhere: every text is about services, and every number is a count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.conftest import open_test_services
from visitapp.services.app import Services
from visitapp.services.demo import create_large_visit, generated_photo


def photo_bytes(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    return generated_photo(seed, size)


def make_visit(services: Services, *, answers: int, findings: int, photos: int,
               seed: int = 7, note_every: int = 6) -> str:
    """A visit with about `answers` answers (areas added until there are enough)."""
    return create_large_visit(services, answers=answers, findings=findings, photos=photos,
                              seed=seed, note_every=note_every, photo_size=(1600, 1200))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, str]]:
    """600 answers, 40 findings, 20 photos (1600 px copies); built once per module."""
    services = open_test_services(tmp_path_factory.mktemp("big") / "tablet.db")
    visit_id = make_visit(services, answers=600, findings=40, photos=20)
    yield services, visit_id
    services.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, str]]:
    """The demo visit, built once per module: for tests that only read it."""
    from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit

    services = open_test_services(tmp_path_factory.mktemp("demo") / "tablet.db")
    yield services, create_demo_visit(services, EXAMPLE_DATE)
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
