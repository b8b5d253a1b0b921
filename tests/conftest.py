"""Shared fixtures: a fresh tablet database per test, and a realistic demo visit.

With `VISITAPP_TEST_NOW` set, the whole run (and every process it starts) happens at that
instant, ticking on: see visitapp/clock_override.py and the README's Testing section.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from visitapp.clock_override import apply_from_environment
from visitapp.services.app import Services, open_services
from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit

SHIFTED_TO = apply_from_environment()

# Bounded example counts keep .ci/run short; `HYPOTHESIS_PROFILE=thorough` for soak runs.
settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]


def pytest_report_header(config: pytest.Config) -> str | None:
    return f"clocks moved to {SHIFTED_TO.isoformat()} by VISITAPP_TEST_NOW" if SHIFTED_TO else None


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tablet.db"


@pytest.fixture
def services(db_path: Path) -> Iterator[Services]:
    s = open_services(db_path)
    yield s
    s.close()


@pytest.fixture
def other_services(tmp_path: Path) -> Iterator[Services]:
    """A second tablet."""
    s = open_services(tmp_path / "other" / "tablet.db")
    yield s
    s.close()


@pytest.fixture
def demo_visit_id(services: Services) -> str:
    return create_demo_visit(services, EXAMPLE_DATE)
