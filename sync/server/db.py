"""The office database: an engine for an SQLAlchemy URL, and migrations applied on start.

SQLite (the default, one machine) is opened in WAL mode with `BEGIN IMMEDIATE` for write
transactions, so concurrent pushes queue on the write lock instead of failing with
SQLITE_BUSY. PostgreSQL (several workers or hosts) serialises pushes with a transaction
advisory lock (see `store.push`): that is what keeps the pull cursor from skipping rows
that commit out of order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

ENV_DATABASE_URL = "VISITAPP_OFFICE_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///visitapp-office.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: the key of the advisory lock that orders pushes on PostgreSQL.
PUSH_LOCK_KEY = 0x7669_7369_7461_7070
MIGRATE_LOCK_KEY = PUSH_LOCK_KEY + 1
# The class (first int4 key) of the per-team push locks; the second key is hashtext(team).
TEAM_LOCK_CLASS = 0x7669_7370
# Bench only: every push takes the one programme-wide lock again, as before per-team locks
# (`bench/bench_load.py --global-lock` measures what per-team locks bought).
ENV_GLOBAL_PUSH_LOCK = "VISITAPP_OFFICE_GLOBAL_PUSH_LOCK"


def lock_for_push(conn: Connection, team: str) -> None:
    """On PostgreSQL, make this push take its turn among its own team's pushes only.

    A pull sees one team's ops (a tablet's token) or every team's (an office token), in
    server_seq order, and its cursor must never pass a row that commits later with a lower
    number. Within a team that holds because the team's pushes take turns (the team lock),
    so their numbers commit in the order they were drawn. Pushes of different teams run
    side by side and may commit out of order, which only an all-teams reader could see:
    each push also holds the programme-wide lock *shared*, and an all-teams pull takes it
    exclusively (`lock_for_all_teams_pull`), so it reads only when no push is in flight.
    """
    if not is_postgres(conn):
        return  # SQLite: BEGIN IMMEDIATE already makes every write take its turn
    if os.environ.get(ENV_GLOBAL_PUSH_LOCK) == "1":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUSH_LOCK_KEY})
        return
    conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": PUSH_LOCK_KEY})
    conn.execute(text("SELECT pg_advisory_xact_lock(:c, hashtext(:team))"),
                 {"c": TEAM_LOCK_CLASS, "team": team})


def lock_for_all_teams_pull(conn: Connection) -> None:
    """Wait until no push is in flight, and hold new ones off while this pull reads."""
    if is_postgres(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUSH_LOCK_KEY})


def resolve_url(given: str | None) -> str:
    """Precedence: the argument, then the environment, then a SQLite file here."""
    return given or os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    for pragma in ("busy_timeout = 30000", "journal_mode = WAL", "synchronous = FULL",
                   "foreign_keys = ON"):
        dbapi_conn.execute(f"PRAGMA {pragma}")


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("visitapp_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_postgres(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on any error."""
    with engine.connect() as conn:
        conn.execution_options(visitapp_write=True)
        with conn.begin():
            yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision; safe when several workers start at once."""
    config = alembic_config()
    with write(engine) as conn:
        if is_postgres(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def open_database(url: str | None = None) -> Engine:
    engine = make_engine(resolve_url(url))
    migrate(engine)
    return engine
