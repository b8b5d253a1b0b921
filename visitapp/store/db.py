"""The tablet database: one SQLite file, opened crash-safe, migrated on open.

Settings and why:
- WAL with synchronous=FULL: an answer the screen shows as saved survives power loss.
- BEGIN IMMEDIATE for writes: a deferred transaction that later writes gets SQLITE_BUSY at
  once in WAL mode, ignoring busy_timeout; taking the write lock up front waits instead.
- pysqlite's implicit transactions are switched off (isolation_level=None) so that the
  BEGIN we emit is the only one.
SQLModel defines the tables (store.tables, checked against the migrations by the tests);
reads and writes use plain sqlite3 connections (an ORM add + commit per answer costs ~25x
a bare write, and importing SQLAlchemy costs every command a third of a second).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from visitapp.domain.hlc import Clock
from visitapp.domain.ids import new_id
from visitapp.errors import StoreError
from visitapp.store import migrations

BUSY_TIMEOUT_MS = 10_000


def _configure(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.isolation_level = None
    dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    dbapi_conn.execute("PRAGMA journal_mode = WAL")
    dbapi_conn.execute("PRAGMA synchronous = FULL")
    dbapi_conn.execute("PRAGMA foreign_keys = ON")


class Database:
    """An open tablet database. Thread-safe: one connection per thread."""

    def __init__(self, path: Path | str, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _make_private(self.path)
        except OSError as err:
            raise StoreError(f"cannot create {self.path}: {err}") from err
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        try:
            conn = self._conn()
            migrations.apply(conn)
            self.device_id, self.clock = self._load_device(clock or Clock())
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{self.path} is not a usable visit database: {err}") from err

    @property
    def blob_dir(self) -> Path:
        return self.path.parent / (self.path.stem + "-files")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # A long-lived DBAPI connection per thread: checkout per statement would cost
            # more than the write itself. Plain sqlite3 (no SQLAlchemy engine): importing
            # SQLAlchemy cost every command line run about a third of a second.
            conn = sqlite3.connect(self.path, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            _configure(conn, None)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot for several queries."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def _load_device(self, clock: Clock) -> tuple[str, Clock]:
        with self.write() as conn:
            row = conn.execute("SELECT id, hlc FROM device").fetchone()
            if row is None:
                row = (new_id(), 0)
                conn.execute(
                    "INSERT INTO device (id, next_seq, hlc, created_at) VALUES (?, 1, 0, ?)",
                    (row[0], utc_now()),
                )
        clock.receive(row[1])
        return row[0], clock


def _make_private(path: Path) -> None:
    """The database is readable by its owner only (SQLite gives its -wal and -shm files
    the same mode): it holds the team's notes and, later, the tablet's signing key."""
    if str(path) == ":memory:":
        return
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def ms_to_iso(ms: int) -> str:
    """Milliseconds since the epoch as UTC ISO 8601, the form every stored time takes."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
