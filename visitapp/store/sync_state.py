"""What the tablet keeps about sync, and the conflicts merging finds.

Sync state (migration `0003_sync` in migrations.py):
- `sync_state`: one row: the server, the pull cursor, when the last sync ended, the last
  error in words, the clock difference with the server. The cursor moves only in the
  transaction that applies the pulled ops (see `sync.client`), so a crash between the two
  cannot lose a page.
- `sync_rejections`: ops the server refused, with its reason. They stay in the op-log
  and are not sent again until `clear_rejections` (say after the tablet's clock is fixed).
- `sync_blobs`: attachments the server already holds (or refused), so they are not sent
  twice.

Conflicts: for each field, the winner is the op with the highest (hlc, device id). An op
is in conflict when it is neither the winner nor a causal ancestor of the winner (walking
`prev_op_id`, the op each editor last saw) and its value differs from the winner's.
That is a function of the set of ops alone, so every tablet holding the same ops lists the
same conflicts whatever order they arrived in. Resolving is itself a pair of ops: the
chosen value, and a `resolution` op naming each losing op, which then stops counting.
`conflicts` holds the current conflicting ops; `forked_fields` the fields whose ops are
not one chain (only those need looking at again when they change).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Field, SQLModel

from visitapp.domain import hlc as hlc_mod
from visitapp.store.db import ms_to_iso, utc_now
from visitapp.store.pending import REFUSED_PENDING

RESOLUTION_ENTITY = "resolution"
RESOLUTION_FIELD = "resolved"

Key = tuple[str, str, str, str]  # (visit_id, entity, entity_id, field)


class SyncState(SQLModel, table=True):
    __tablename__ = "sync_state"
    id: int = Field(default=1, primary_key=True)
    server_url: str | None = None
    cursor: int = 0
    enrolled_at: str | None = None
    last_sync_at: str | None = None
    last_attempt_at: str | None = None
    last_error: str | None = None
    clock_skew_ms: int | None = None
    office_public_key: str | None = None  # pinned at enrolment, for the office's own ops
    registered_device_id: str | None = None  # this tablet's key, registered with the office
    token: str | None = None  # the office token, inside the encrypted database (0011)


class SyncRejection(SQLModel, table=True):
    __tablename__ = "sync_rejections"
    op_id: str = Field(primary_key=True)
    reason: str
    rejected_at: str


class SyncBlob(SQLModel, table=True):
    __tablename__ = "sync_blobs"
    sha256: str = Field(primary_key=True)
    state: str  # 'uploaded' or 'refused'
    detail: str | None = None
    updated_at: str


class Conflict(SQLModel, table=True):
    __tablename__ = "conflicts"
    visit_id: str = Field(primary_key=True)
    entity: str = Field(primary_key=True)
    entity_id: str = Field(primary_key=True)
    field: str = Field(primary_key=True)
    op_id: str = Field(primary_key=True)
    winner_op_id: str


class ForkedField(SQLModel, table=True):
    __tablename__ = "forked_fields"
    visit_id: str = Field(primary_key=True)
    entity: str = Field(primary_key=True)
    entity_id: str = Field(primary_key=True)
    field: str = Field(primary_key=True)
    stale: int = 0  # 1: conflicts not yet worked out (fields merged before this version)


# --- sync state ------------------------------------------------------------------------

@dataclass(frozen=True)
class State:
    server_url: str | None
    cursor: int
    enrolled_at: str | None
    last_sync_at: str | None
    last_attempt_at: str | None
    last_error: str | None
    clock_skew_ms: int | None


def get_state(conn: sqlite3.Connection) -> State:
    row = conn.execute(
        "SELECT server_url, cursor, enrolled_at, last_sync_at, last_attempt_at, last_error, "
        "clock_skew_ms FROM sync_state WHERE id = 1").fetchone()
    return State(*row)


def enrol(conn: sqlite3.Connection, server_url: str) -> None:
    """Point the tablet at a server; a different server starts its cursor again at 0.
    Enrolling again registers the tablet's key again and pins the office's key afresh."""
    conn.execute("UPDATE sync_state SET office_public_key = NULL, registered_device_id = NULL "
                 "WHERE id = 1")
    current = get_state(conn)
    if current.server_url != server_url:
        conn.execute("UPDATE sync_state SET server_url = ?, cursor = 0, enrolled_at = ?, "
                     "last_error = NULL WHERE id = 1", (server_url, utc_now()))
        conn.execute("DELETE FROM sync_blobs")
        conn.execute("DELETE FROM sync_rejections")
    else:
        conn.execute("UPDATE sync_state SET enrolled_at = ?, last_error = NULL WHERE id = 1",
                     (utc_now(),))


def get_token(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT token FROM sync_state WHERE id = 1").fetchone()
    return row[0] if row and row[0] else None


def set_token(conn: sqlite3.Connection, token: str) -> None:
    conn.execute("UPDATE sync_state SET token = ? WHERE id = 1", (token,))


def set_cursor(conn: sqlite3.Connection, cursor: int) -> None:
    conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (cursor,))


def record_attempt(conn: sqlite3.Connection, *, ok: bool, error: str | None,
                   clock_skew_ms: int | None) -> None:
    now = utc_now()
    conn.execute(
        "UPDATE sync_state SET last_attempt_at = ?, last_error = ?, "
        "last_sync_at = CASE WHEN ? THEN ? ELSE last_sync_at END, "
        "clock_skew_ms = COALESCE(?, clock_skew_ms) WHERE id = 1",
        (now, error, int(ok), now, clock_skew_ms))


def pending_count(conn: sqlite3.Connection) -> int:
    """Ops not yet acknowledged by the office, refused ones included. Read from the
    per-visit totals the `ops` triggers keep (migration 0009): a row a visit, not a scan of
    every pending op (143 ms at 500,000)."""
    return int(conn.execute("SELECT COALESCE(SUM(count), 0) FROM pending_ops").fetchone()[0])


def unsent_count(conn: sqlite3.Connection) -> int:
    """Changes waiting to sync: pending ops less those the office refused."""
    refused = sum(n for _, n in conn.execute(REFUSED_PENDING))
    return pending_count(conn) - int(refused)


def unsent_by_visit(conn: sqlite3.Connection, visit_ids: Iterable[str] | None = None
                    ) -> dict[str, int]:
    """`unsent_count` per visit (of `visit_ids` only, when given), visits with none left
    out."""
    query = "SELECT visit_id, count FROM pending_ops WHERE count > 0"
    if visit_ids is None:
        counts = {visit_id: int(n) for visit_id, n in conn.execute(query)}
    else:
        ids, counts = list(visit_ids), {}
        for i in range(0, len(ids), 900):  # SQLite's variable limit
            chunk = ids[i:i + 900]
            counts.update((visit_id, int(n)) for visit_id, n in conn.execute(
                f"{query} AND visit_id IN ({','.join('?' * len(chunk))})", chunk))
    for visit_id, refused in conn.execute(REFUSED_PENDING):
        counts[visit_id] = counts.get(visit_id, 0) - int(refused)
    return {visit_id: n for visit_id, n in counts.items() if n > 0}


def visit_pending_count(conn: sqlite3.Connection, visit_id: str) -> int:
    """Ops of one visit not yet acknowledged by the office, refused ones included."""
    row = conn.execute("SELECT count FROM pending_ops WHERE visit_id = ?",
                       (visit_id,)).fetchone()
    return int(row[0]) if row else 0


def rejections(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT op_id, reason FROM sync_rejections ORDER BY rejected_at, op_id").fetchall()


def reject(conn: sqlite3.Connection, op_id: str, reason: str) -> None:
    conn.execute("INSERT OR REPLACE INTO sync_rejections (op_id, reason, rejected_at) "
                 "VALUES (?, ?, ?)", (op_id, reason, utc_now()))


def clear_rejections(conn: sqlite3.Connection) -> int:
    return conn.execute("DELETE FROM sync_rejections").rowcount


def mark_blob(conn: sqlite3.Connection, sha256: str, state: str,
              detail: str | None = None) -> None:
    conn.execute("INSERT OR REPLACE INTO sync_blobs (sha256, state, detail, updated_at) "
                 "VALUES (?, ?, ?, ?)", (sha256, state, detail, utc_now()))


# --- conflicts -------------------------------------------------------------------------

_FIELD_OPS = ("SELECT op_id, hlc, device_id, value, prev_op_id FROM ops "
              "WHERE visit_id = ? AND entity = ? AND entity_id = ? AND field = ?")
_KEY_WHERE = "visit_id = ? AND entity = ? AND entity_id = ? AND field = ?"


def is_forked(conn: sqlite3.Connection, key: Key) -> bool:
    return conn.execute(f"SELECT 1 FROM forked_fields WHERE {_KEY_WHERE}",
                        key).fetchone() is not None


def refresh_field(conn: sqlite3.Connection, key: Key) -> None:
    """Work out the conflicts of one field again from its ops; call inside a write."""
    rows = conn.execute(_FIELD_OPS, key).fetchall()
    conn.execute(f"DELETE FROM conflicts WHERE {_KEY_WHERE}", key)
    if not rows:
        return
    winner = max(rows, key=lambda r: (r[1], r[2]))
    by_id = {r[0]: r for r in rows}
    chain = {winner[0]}
    prev = winner[4]
    while prev is not None and prev in by_id and prev not in chain:
        chain.add(prev)
        prev = by_id[prev][4]
    if len(chain) == len(rows):
        conn.execute(f"DELETE FROM forked_fields WHERE {_KEY_WHERE}", key)
        return
    conn.execute("INSERT OR REPLACE INTO forked_fields (visit_id, entity, entity_id, field, "
                 "stale) VALUES (?, ?, ?, ?, 0)", key)
    losing = [r[0] for r in rows if r[0] not in chain and r[3] != winner[3]]
    if not losing:
        return
    marks = ",".join("?" * len(losing))
    resolved = {r[0] for r in conn.execute(
        f"SELECT entity_id FROM ops WHERE visit_id = ? AND entity = ? AND field = ? "
        f"AND entity_id IN ({marks})",
        (key[0], RESOLUTION_ENTITY, RESOLUTION_FIELD, *losing))}
    conn.executemany(
        "INSERT INTO conflicts (visit_id, entity, entity_id, field, op_id, winner_op_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(*key, op_id, winner[0]) for op_id in losing if op_id not in resolved])


def refresh_after_merge(conn: sqlite3.Connection, keys: Iterable[Key],
                        resolved_op_ids: Iterable[str] = ()) -> None:
    """Re-examine fields touched by merged ops (and fields named by resolution ops)."""
    todo = set(keys)
    for op_id in resolved_op_ids:
        row = conn.execute("SELECT visit_id, entity, entity_id, field FROM ops WHERE op_id = ?",
                           (op_id,)).fetchone()
        if row is not None:
            todo.add(tuple(row))  # type: ignore[arg-type]
    for key in sorted(todo):
        refresh_field(conn, key)


def refresh_stale(conn: sqlite3.Connection, visit_id: str) -> None:
    keys = conn.execute("SELECT visit_id, entity, entity_id, field FROM forked_fields "
                        "WHERE visit_id = ? AND stale = 1", (visit_id,)).fetchall()
    for key in keys:
        refresh_field(conn, tuple(key))  # type: ignore[arg-type]


def has_stale(conn: sqlite3.Connection, visit_id: str) -> bool:
    return conn.execute("SELECT 1 FROM forked_fields WHERE visit_id = ? AND stale = 1 LIMIT 1",
                        (visit_id,)).fetchone() is not None


def conflicting_op_ids(conn: sqlite3.Connection, visit_id: str, key: Key | None = None,
                       ) -> list[str]:
    if key is None:
        return [r[0] for r in conn.execute(
            "SELECT op_id FROM conflicts WHERE visit_id = ? ORDER BY op_id", (visit_id,))]
    return [r[0] for r in conn.execute(
        f"SELECT op_id FROM conflicts WHERE {_KEY_WHERE} ORDER BY op_id", key)]


def list_conflicts(conn: sqlite3.Connection, visit_id: str) -> list[dict[str, Any]]:
    """The visit's open conflicts, the same on every tablet holding the same ops.

    One object per field in conflict, sorted by entity, id and field, naming the area key
    and item id (for answers and areas), the current value and the competing ones, each
    with who made it and when. Device ids are left out: they are not the team's business.
    """
    rows = conn.execute(
        "SELECT c.entity, c.entity_id, c.field, c.winner_op_id, o.op_id, o.hlc, o.device_id, "
        "o.value, o.author FROM conflicts c JOIN ops o ON o.op_id = c.op_id "
        "WHERE c.visit_id = ? ORDER BY c.entity, c.entity_id, c.field, o.hlc, o.device_id",
        (visit_id,)).fetchall()
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for entity, entity_id, fld, winner_id, op_id, hlc, _device, value, author in rows:
        entry = grouped.get((entity, entity_id, fld))
        if entry is None:
            winner = conn.execute("SELECT op_id, hlc, value, author FROM ops WHERE op_id = ?",
                                  (winner_id,)).fetchone()
            area_key, item_id = _area_and_item(entity, entity_id)
            entry = grouped[(entity, entity_id, fld)] = {
                "entity": entity, "entity_id": entity_id, "field": fld,
                "area_key": area_key, "item_id": item_id,
                "current": _made(*winner), "competing": []}
        entry["competing"].append(_made(op_id, hlc, value, author))
    return [grouped[k] for k in sorted(grouped)]


def _made(op_id: str, hlc: int, value: str, author: str | None) -> dict[str, Any]:
    return {"value": json.loads(value), "by": author, "at": _iso(hlc), "op_id": op_id}


def _iso(hlc: int) -> str:
    return ms_to_iso(hlc_mod.wall_ms(hlc))


def _area_and_item(entity: str, entity_id: str) -> tuple[str | None, str | None]:
    if entity == "answer" and "/" in entity_id:
        area_key, item_id = entity_id.split("/", 1)
        return area_key, item_id
    if entity == "area":
        return entity_id, None
    return None, None
