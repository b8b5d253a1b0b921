"""The tablet database: one SQLite file, opened crash-safe, migrated on open.

Settings and why:
- WAL with synchronous=FULL: an answer the screen shows as saved survives power loss.
- BEGIN IMMEDIATE for writes: a deferred transaction that later writes gets SQLITE_BUSY at
  once in WAL mode, ignoring busy_timeout; taking the write lock up front waits instead.
- pysqlite's implicit transactions are switched off (isolation_level=None) so that the
  BEGIN we emit is the only one.
SQLModel defines the tables (store.tables, checked against the migrations by the tests);
reads and writes use DB-API connections directly, with no SQLAlchemy engine (an ORM add +
commit per answer costs ~25x a bare write, and importing SQLAlchemy costs every command a
third of a second).

Encrypted at rest: given a key, connections come from SQLCipher (the `sqlcipher3` driver,
with SQLCipher 4 bundled, the same DB-API as sqlite3), and `PRAGMA key` is the first
statement on every connection; everything above is unchanged.
The key is raw (32 bytes, from visitapp.store.keys), so SQLCipher's own slow passphrase
derivation is skipped: the PIN's Argon2id runs once per start, not once per connection.
Temporary tables and sorts stay in memory, never in an unencrypted temporary file.
Without a key the file is plain SQLite: only the benchmark baseline and the in-place
upgrade (visitapp.store.at_rest) open one.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3

from visitapp.domain import signing
from visitapp.domain.hlc import Clock
from visitapp.errors import StoreError
from visitapp.store import migrations

BUSY_TIMEOUT_MS = 10_000
# What a damaged, foreign or wrongly keyed file raises, from either driver.
DATABASE_ERRORS = (sqlite3.DatabaseError, sqlcipher3.DatabaseError)
PLAIN_HEADER = b"SQLite format 3\x00"


def _configure(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.isolation_level = None
    dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    dbapi_conn.execute("PRAGMA journal_mode = WAL")
    dbapi_conn.execute("PRAGMA synchronous = FULL")
    dbapi_conn.execute("PRAGMA foreign_keys = ON")
    dbapi_conn.execute("PRAGMA temp_store = MEMORY")


# Prepared statements kept a connection. The driver's default (128) is filled by the
# statements a session runs most (answers, syncs, IN lists of every length), and
# sqlcipher3's cache, which keeps the most used, pushed each newcomer out at its next
# miss: a screen's statements were prepared afresh on every read (the visits screen took
# 0.21 ms at one visit instead of 0.05, an answer ~15% more CPU; measured December
# 2026). A statement costs a few KB.
STATEMENT_CACHE = 1024


def connect(path: Path, key: bytes | None) -> sqlite3.Connection:
    """The one place a connection is made: SQLCipher with a raw key, or plain SQLite."""
    if key is None:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000,
                               cached_statements=STATEMENT_CACHE)
    else:
        conn = sqlcipher3.connect(str(path), check_same_thread=False,
                                  timeout=BUSY_TIMEOUT_MS / 1000,
                                  cached_statements=STATEMENT_CACHE)
        # SQLCipher reads "x'<64 hex>'" as a raw key: no passphrase derivation per connection.
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    _configure(conn, None)
    return conn


def is_plain_sqlite(path: Path) -> bool:
    """Is `path` an unencrypted SQLite database (as every tablet had before issue 16)?"""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == PLAIN_HEADER
    except FileNotFoundError:
        return False


def create_private(path: Path) -> None:
    """Create an empty file (SQLite's new database) readable by its owner only; SQLite
    gives the -wal and -shm files the same mode. An existing file is narrowed to 0600."""
    if str(path) == ":memory:":
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    for suffix in ("", "-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            os.chmod(extra, 0o600)


class Database:
    """An open tablet database. Thread-safe: one connection per thread."""

    def __init__(self, path: Path | str, *, clock: Clock | None = None,
                 key: bytes | None = None, files_key: bytes | None = None) -> None:
        self.path = Path(path)
        self.encrypted = key is not None
        self.files_key = files_key  # for visitapp.services.attachments.BlobStore
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            create_private(self.path)
        except OSError as err:
            raise StoreError(f"cannot create {self.path}: {err}") from err
        self._key = key
        self._local = threading.local()
        self._lock = threading.Lock()
        self._write_lock = threading.RLock()  # a nested write still fails in SQLite, not here
        self._connections: list[sqlite3.Connection] = []
        try:
            conn = self._conn()
            migrations.apply(conn)
            self.device_id, self.clock = self._load_device(clock or Clock())
        except DATABASE_ERRORS as err:
            self.close()
            raise StoreError(f"{self.path} is not a usable visit database: {err}") from err

    @property
    def blob_dir(self) -> Path:
        return self.path.parent / (self.path.stem + "-files")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # A long-lived DB-API connection per thread: checkout per statement would cost
            # more than the write itself.
            conn = connect(self.path, self._key)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back on any error.

        `durable=False` commits without waiting for the disk (synchronous=NORMAL, this
        transaction only): for writes the op-log can redo, such as a rebuild's steps, never
        for an op. In WAL a crash then loses at most the last such commits, whole, and the
        next durable commit makes them durable too.
        """
        conn = self._conn()
        if not durable:
            conn.execute("PRAGMA synchronous = NORMAL")
            try:
                with self.write() as same:
                    yield same
            finally:
                conn.execute("PRAGMA synchronous = FULL")
            return
        # Writers of this process queue here, where a release wakes the next at once,
        # rather than in SQLite's busy handler, which polls at up to 100 ms apart: an
        # answer given while a rebuild works in steps waits one step, not a poll.
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                _before_commit(conn)
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
        """This database's identity: made on first open with its Ed25519 key pair (the
        device id derives from the public key). A database from before signed ops gets a
        key and a new derived id for its new ops; its existing ops keep theirs (legacy)."""
        with self.write() as conn:
            row = conn.execute("SELECT id, hlc, private_key FROM device").fetchone()
            if row is None or row[2] is None:
                private = signing.new_private_key()
                device_id = signing.device_id_for(signing.public_key_of(private))
                if row is None:
                    conn.execute("INSERT INTO device (id, next_seq, hlc, created_at, "
                                 "private_key) VALUES (?, 1, 0, ?, ?)",
                                 (device_id, utc_now(), private))
                else:
                    conn.execute("UPDATE device SET id = ?, next_seq = 1, private_key = ?",
                                 (device_id, private))
                    conn.execute(
                        "INSERT INTO device_history (device_id, replaced_by, reason, "
                        "replaced_at) VALUES (?, ?, ?, ?)",
                        (row[0], device_id, UPGRADED, utc_now()))
                # Its own public key is kept with the others': a bundle it exports of its
                # ops carries it, even after a new identity replaces this one.
                conn.execute("INSERT OR IGNORE INTO device_keys (device_id, public_key) "
                             "VALUES (?, ?)", (device_id, signing.public_key_of(private)))
                row = (device_id, 0 if row is None else row[1], private)
        clock.receive(row[1])
        return row[0], clock


UPGRADED = ("upgraded to signed changes: changes made before keep their old tablet id, "
            "new ones are signed under an id made from this tablet's key")


def _before_commit(conn: sqlite3.Connection) -> None:
    """Bring the visit summaries up to date in the transaction that changed their inputs
    (visitapp/store/summaries.py); costs one empty lookup when nothing changed."""
    stale = conn.execute("SELECT visit_id, area_key FROM summary_stale").fetchall()
    if stale:
        from visitapp.store import summaries  # the domain's forms: only when needed

        summaries.refresh(conn, stale)


def ms_to_iso(ms: int) -> str:
    """Milliseconds since the epoch as UTC ISO 8601, the form every stored time takes."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
