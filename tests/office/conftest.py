"""Fixtures for the office: the sync fixtures (an office in-process, tablets bound to it)."""

from tests.sync.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    make_tablet,
    office,
    pg_office,
    postgres_server,
    postgres_url,
)
