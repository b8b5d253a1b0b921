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
from visitapp.store.keys import KdfParams

SHIFTED_TO = apply_from_environment()

# Every tablet a test makes is locked with this PIN, and a cheap Argon2id (the real cost,
# ~0.3 s, is paid by the processes that make their own tablet, and by tests/store/test_keys).
# Processes the tests start (the CLI, the app) find it in VISITAPP_PIN.
TEST_PIN = "246810"
TEST_KDF = KdfParams(time_cost=1, memory_kib=8, parallelism=1)
os.environ["VISITAPP_PIN"] = TEST_PIN


def open_test_services(db_path: Path | str, forms_paths=None, **options) -> Services:
    """`open_services` with the test PIN and the cheap key derivation."""
    return open_services(db_path, forms_paths, **{"pin": TEST_PIN, "kdf": TEST_KDF, **options})

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
    s = open_test_services(db_path)
    yield s
    s.close()


@pytest.fixture
def other_services(tmp_path: Path) -> Iterator[Services]:
    """A second tablet."""
    s = open_test_services(tmp_path / "other" / "tablet.db")
    yield s
    s.close()


@pytest.fixture
def demo_visit_id(services: Services) -> str:
    return create_demo_visit(services, EXAMPLE_DATE)
