"""Keep a visit on the tablet only as long as needed: release it once it is safe at the
programme office.

    unsent(services, visit_id)                 -> (changes, files) not yet at the office
    release_visit(services, visit_id)          -> removes it; refuses while anything is unsent
    apply_retention(services, retention_days, today)
                                               -> releases every visit synced, presented and
                                                  finished more than `retention_days` ago
    retain_after_sync(services, today)         -> the same, with the office's period

The period is the programme office's to set (`visitapp-office settings set retention-days
N`, default 90): it reaches tablets by sync as a programme-wide op signed with the office's
key (entity `setting`), and every successful sync then applies it
(`SyncService.sync_now`). A released visit stays
at the office; only this tablet's copy goes: its rows in every table that names a visit,
its ops, and the stored files no other visit on the tablet refers to.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from visitapp.domain.op_schema import PROGRAMME_VISIT_ID
from visitapp.domain.signing import OFFICE_PREFIX
from visitapp.errors import UserError
from visitapp.store import sync_state
from visitapp.store.blob_refs import referenced_blobs
from visitapp.store.db import Database

FINISHED = ("feedback_given", "closed")
DEFAULT_RETENTION_DAYS = 90  # until the office says otherwise (sync.server.office.settings)


class TabletData(Protocol):
    """What retention needs: the database and its files (the app's Services, or the sync
    service, which runs it after each sync)."""

    db: Database
    blobs: Any


@dataclass(frozen=True)
class Unsent:
    changes: int
    files: int

    def __bool__(self) -> bool:
        return bool(self.changes or self.files)


def unsent(services: TabletData, visit_id: str) -> Unsent:
    with services.db.read() as conn:
        return _unsent(conn, visit_id)


def _unsent(conn: sqlite3.Connection, visit_id: str) -> Unsent:
    changes = sync_state.visit_pending_count(conn, visit_id)
    files = referenced_blobs(conn, visit_id)
    sent = {sha for (sha,) in conn.execute(
        "SELECT sha256 FROM sync_blobs WHERE state = 'uploaded'")}
    return Unsent(changes=int(changes), files=len(files - sent))


def release_visit(services: TabletData, visit_id: str) -> str:
    """Remove the visit from this tablet; a one-line summary. Refuses (nothing removed)
    while any of its changes or files has not reached the programme office."""
    db = services.db
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM visits WHERE id = ?", (visit_id,)).fetchone() is None:
            raise UserError(f"no visit {visit_id!r} on this tablet")
        left = _unsent(conn, visit_id)
        if left:
            raise UserError(
                f"visit {visit_id[:8]} still has {left.changes} change(s) and {left.files} "
                "file(s) not at the programme office: sync first (nothing was removed)")
        mine = referenced_blobs(conn, visit_id)
        conn.execute("DELETE FROM sync_rejections WHERE op_id IN "
                     "(SELECT op_id FROM ops WHERE visit_id = ?)", (visit_id,))
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        removed = 0
        for table in tables:
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            key = "visit_id" if "visit_id" in columns else ("id" if table == "visits" else None)
            if key is None:
                continue
            removed += conn.execute(f"DELETE FROM {table} WHERE {key} = ?",
                                    (visit_id,)).rowcount
        still_needed = referenced_blobs(conn)
        gone = sorted(mine - still_needed)
        for sha in gone:
            conn.execute("DELETE FROM blobs WHERE sha256 = ?", (sha,))
    # After the commit: a crash here leaves only sealed files nothing refers to.
    for sha in gone:
        services.blobs.path(sha).unlink(missing_ok=True)
    return f"visit {visit_id[:8]} removed from this tablet ({removed} rows, {len(gone)} files)"


def apply_retention(services: TabletData, retention_days: int, today: date) -> list[str]:
    """Release every visit that is finished (feedback given or closed), was presented, is
    dated more than `retention_days` before `today`, was last presented before then too
    (a visit presented late is kept for the whole period after), and is wholly at the
    office; returns the ids released. A visit with anything unsent stays."""
    if retention_days < 1:
        raise UserError(f"retention-days must be 1 or more, not {retention_days}")
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    marks = ", ".join("?" * len(FINISHED))
    presented = ("SELECT 1 FROM ops WHERE ops.visit_id = visits.id AND entity = 'visit' "
                 "AND field = 'presented_report' AND value != 'null'")
    with services.db.read() as conn:
        candidates = [vid for (vid,) in conn.execute(
            f"SELECT id FROM visits WHERE status IN ({marks}) AND date < ? "
            f"AND EXISTS ({presented}) "
            f"AND NOT EXISTS ({presented} AND json_extract(value, '$.at') >= ?)",
            (*FINISHED, cutoff, cutoff))]
        keep = {vid for vid in candidates if _unsent(conn, vid)}
    released = []
    for vid in candidates:
        if vid not in keep:
            release_visit(services, vid)
            released.append(vid)
    return released


def office_retention_days(conn: sqlite3.Connection) -> int | None:
    """The period the office set, from its latest signed setting op (None: not set). Only
    ops under the office's id count: sync has checked those against its pinned key."""
    row = conn.execute(
        "SELECT value FROM ops WHERE visit_id = ? AND entity = 'setting' AND entity_id = "
        "'retention' AND field = 'days' AND substr(device_id, 1, ?) = ? "
        "ORDER BY hlc DESC, device_id DESC LIMIT 1",
        (PROGRAMME_VISIT_ID, len(OFFICE_PREFIX), OFFICE_PREFIX)).fetchone()
    return None if row is None else int(json.loads(row[0]))


def retain_after_sync(services: TabletData, today: date) -> tuple[int, list[str]]:
    """Apply the office's retention period (or the default): (days, visits released)."""
    with services.db.read() as conn:
        days = office_retention_days(conn) or DEFAULT_RETENTION_DAYS
    return days, apply_retention(services, days, today)
