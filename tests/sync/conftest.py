"""Fixtures for sync: an office service in-process, tablets bound to it with no sockets."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.client import RetryPolicy, SyncClient
from sync.server import store
from sync.server.app import create_app
from sync.server.db import open_database
from tests.conftest import open_test_services
from tests.sync.asgi import ASGISyncTransport
from visitapp.domain.hlc import system_ms
from visitapp.services.app import Services
from visitapp.services.sync import sync_engine

BASE_URL = "http://office.test"
NO_WAIT = RetryPolicy(attempts=4, base_s=0.0, cap_s=0.0)


class SharedTransport(httpx.BaseTransport):
    """Lets many clients share one in-process app; closing a client keeps it open."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        pass


@dataclass
class FakeClock:
    """The office's clock, movable by tests."""

    offset_ms: int = 0

    def __call__(self) -> int:
        return system_ms() + self.offset_ms


@dataclass
class Office:
    engine: Any
    app: Any
    transport: ASGISyncTransport
    clock: FakeClock
    _teams: Any = None

    def device(self, team: str = "north", name: str = "tablet") -> tuple[str, str]:
        return store.add_device(self.engine, team=team, name=name)

    def http(self, token: str | None, transport: httpx.BaseTransport | None = None,
             ) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(transport=transport or SharedTransport(self.transport),
                            base_url=BASE_URL, headers=headers)

    def count(self, sql: str, **params: Any) -> int:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return int(conn.execute(text(sql), params).scalar_one())


def make_office(url: str) -> Office:
    engine = open_database(url)
    clock = FakeClock()
    app = create_app(engine, now_ms=clock, max_blob_bytes=2 * 1024 * 1024)
    return Office(engine, app, ASGISyncTransport(app), clock)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    o = make_office(f"sqlite:///{tmp_path / 'office.db'}")
    yield o
    o.transport.close()
    o.engine.dispose()


@dataclass
class Tablet:
    services: Services
    token: str
    device: str
    http: httpx.Client

    @property
    def db(self) -> Any:
        return self.services.db

    def client(self, http: httpx.Client | None = None, **options: Any) -> SyncClient:
        options.setdefault("retry", NO_WAIT)
        return sync_engine(self.db, self.services.blobs, http or self.http, **options)

    def sync(self, **options: Any) -> Any:
        return self.client(**options).sync()

    def pending(self) -> int:
        with self.db.read() as conn:
            return conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0").fetchone()[0]


_names = itertools.count(1)


@pytest.fixture
def make_tablet(tmp_path: Path, office: Office) -> Iterator[Callable[..., Tablet]]:
    made: list[Tablet] = []

    def make(team: str = "north", path: Path | None = None) -> Tablet:
        n = next(_names)
        device, token = office.device(team, f"tablet {n}")
        services = open_test_services(path or tmp_path / f"tablet{n}" / "tablet.db")
        tablet = Tablet(services, token, device, office.http(token))
        made.append(tablet)
        return tablet

    yield make
    for t in made:
        t.http.close()
        t.services.close()


def small_visit(services: Services, areas: int = 1) -> tuple[str, str, list[str]]:
    """A visit with an ED area: (visit id, area key, ids of its yes/no/partial items). No patient data."""
    vid = services.visits.create_visit(
        system="Test system (fictional)", date="2026-11-27", visit_type="diagnostic",
        areas=[("emergency_department", "ED")] * areas, author="Tester")
    state = services.visits.load(vid)
    area = state.areas[0]
    return vid, area.key, [i.id for i in area.form.items
                           if i.type.value == "yes_no_partial" and not i.show_if]


def first_item_of_type(services: Services, vid: str, area_key: str, kind: str) -> str:
    state = services.visits.load(vid)
    area = next(a for a in state.areas if a.key == area_key)
    return next(i.id for i in area.form.items if i.type.value == kind and not i.show_if)


# --- a real, throwaway PostgreSQL ---------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """initdb + pg_ctl in a temp dir on a free port; the URL of its `postgres` database.

    Runs the server as the `postgres` user when we are root (initdb refuses root). Under
    CI=true a server that does not start fails the tests instead of skipping them.
    """
    import os
    import shutil
    import subprocess
    import tempfile

    def give_up(why: str) -> None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI: {why}")
        pytest.skip(f"no PostgreSQL here: {why}")

    initdb = PG_BIN / "initdb" if (PG_BIN / "initdb").exists() else shutil.which("initdb")
    pg_ctl = PG_BIN / "pg_ctl" if (PG_BIN / "pg_ctl").exists() else shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        give_up("initdb/pg_ctl not found")
    root = Path(tempfile.mkdtemp(prefix="visitapp-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data, log = root / "data", root / "log"
    try:
        subprocess.run([*as_user, str(initdb), "-D", str(data), "-A", "trust", "-U",
                        "postgres", "--no-sync"], check=True, capture_output=True, timeout=120)
        subprocess.run([*as_user, str(pg_ctl), "-D", str(data), "-l", str(log), "-w", "-o",
                        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c max_connections=200", "start"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as err:
        detail = getattr(err, "stderr", b"") or b""
        shutil.rmtree(root, ignore_errors=True)
        give_up(f"{err}: {detail.decode(errors='replace')[-500:]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(pg_ctl), "-D", str(data), "-m", "immediate", "-w",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return postgres_server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_office(postgres_url: str) -> Iterator[Office]:
    o = make_office(postgres_url)
    yield o
    o.transport.close()
    o.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def arena(request: Any, tmp_path: Path) -> Iterator[Any]:
    """An office on each database, watched for 5xx, with room for honest tablets of any
    team (tests/sync/attack_kit.py)."""
    from tests.sync.attack_kit import close_arena, open_arena

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'office.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    f = open_arena(make_office(url), tmp_path)
    yield f
    close_arena(f)
