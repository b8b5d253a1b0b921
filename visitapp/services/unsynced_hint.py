"""How many changes had not reached the programme office, kept outside the encrypted store.

Without the PIN nothing in the store can be read, so the forgotten-PIN screen could not
otherwise say how much work starting afresh would lose. The count (a bare number and the
time it was taken, nothing about the visits) is written beside the database as
`tablet.db.unsynced` whenever the services close and whenever the app syncs or tries to.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class UnsyncedHint:
    count: int
    at: float  # epoch seconds


def hint_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".unsynced")


def pending_count(conn: sqlite3.Connection) -> int:
    """How many ops this tablet has not had acknowledged by the office."""
    return int(conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0").fetchone()[0])


def write_hint(db_path: Path, count: int, at: float) -> None:
    path = hint_path(db_path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"count": count, "at": at}, fh)
    os.replace(tmp, path)


def read_hint(db_path: Path) -> UnsyncedHint | None:
    try:
        data = json.loads(hint_path(db_path).read_text(encoding="utf-8"))
        return UnsyncedHint(count=int(data["count"]), at=float(data["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
