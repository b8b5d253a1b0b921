"""The op-log: every change is an operation, written with the state it changes.

An op sets one field of one entity (a visit, an area, an answer, a finding, ...) to a
JSON value. Ops are merged per field by last-writer-wins on (HLC, device id), so applying
the same set of ops in any order gives the same state, and the state tables can always be
rebuilt from the op-log alone (`rebuild`). Entity kinds this version does not know (a
newer app's) are kept in the log and the field clock, just not materialised.

Write paths call these functions inside `Database.write()`, so the op and its effect on
the state commit together or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from visitapp.domain import hlc as hlc_mod
from visitapp.domain import signing
from visitapp.domain.ids import new_id
from visitapp.domain.op_schema import OFFICE_ENTITIES
from visitapp.domain.signing import OFFICE_PREFIX
from visitapp.store.db import Database, ms_to_iso

# sync_state is imported where it is used: its SQLModel tables bring SQLAlchemy, which a
# read-only command (`visitapp report`) should not pay for.

Json = str  # a JSON document as text


@dataclass(frozen=True)
class OpRecord:
    op_id: str
    visit_id: str
    device_id: str
    seq: int
    hlc: int
    entity: str
    entity_id: str
    field: str
    value: Json
    prev_op_id: str | None = None
    author: str | None = None
    confirmed: bool = False
    sig: str | None = None  # Ed25519 signature (visitapp.domain.signing); None: legacy op

    @property
    def at(self) -> str:
        """The wall-clock time of the op, UTC ISO 8601."""
        return ms_to_iso(hlc_mod.wall_ms(self.hlc))

    def as_dict(self) -> dict[str, Any]:
        return {
            "op_id": self.op_id, "visit_id": self.visit_id, "device_id": self.device_id,
            "seq": self.seq, "hlc": self.hlc, "entity": self.entity,
            "entity_id": self.entity_id, "field": self.field, "value": self.value,
            "prev_op_id": self.prev_op_id, "author": self.author, "confirmed": self.confirmed,
            "sig": self.sig,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OpRecord:
        return cls(**{**data, "confirmed": bool(data.get("confirmed"))})

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> OpRecord:
        """An op from a row of `OP_COLUMNS` (confirmed is stored as 0 or 1)."""
        return cls(*row[:11], confirmed=bool(row[11]), sig=row[12])


OP_COLUMNS = ("op_id", "visit_id", "device_id", "seq", "hlc", "entity", "entity_id", "field",
              "value", "prev_op_id", "author", "confirmed", "sig")


# --- how entities map onto the state tables --------------------------------------------

Encoding = Literal["json", "scalar", "bool"]


@dataclass(frozen=True)
class EntitySpec:
    table: str
    key_columns: tuple[str, ...]  # columns that identify the row, visit_id first if present
    fields: dict[str, Encoding]
    stamped: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (by, at)
    confirmable: dict[str, str] = field(default_factory=dict)  # field -> confirmed column
    # Programme-wide (the office's library and published checklists): keyed by the
    # entity id alone, not within a visit.
    programme_wide: bool = False

    def key_values(self, visit_id: str, entity_id: str) -> tuple[str, ...]:
        if self.key_columns == ("id",) or self.programme_wide:  # the visit itself
            return (entity_id,)
        # Everything else is keyed within its visit: (visit_id, key) or, for answers,
        # (visit_id, area_key, item_id) from an entity id "area_key/item_id".
        parts = tuple(entity_id.split("/")) if len(self.key_columns) > 2 else (entity_id,)
        return (visit_id, *parts)


ENTITIES: dict[str, EntitySpec] = {
    "visit": EntitySpec(
        "visits", ("id",),
        {"system": "scalar", "trust": "scalar", "site": "scalar", "date": "scalar",
         "visit_type": "scalar", "follows_visit_id": "scalar", "status": "scalar",
         "team": "json", "people_met": "json", "data_reviewed": "json",
         "created_at": "scalar"},
    ),
    "area": EntitySpec(
        "areas", ("visit_id", "key"),
        {"kind": "scalar", "label": "scalar", "form_hash": "scalar", "position": "scalar",
         "deleted": "bool", "done": "bool"},
    ),
    "answer": EntitySpec(
        "answers", ("visit_id", "area_key", "item_id"),
        {"value": "json", "note": "scalar"},
        stamped={"value": ("answered_by", "answered_at")},
        confirmable={"note": "note_confirmed"},
    ),
    "finding": EntitySpec(
        "findings", ("visit_id", "id"),
        {"kind": "scalar", "text": "scalar", "pathway": "scalar", "area_key": "scalar",
         "item_ids": "json", "horizon": "scalar", "owner": "scalar", "position": "scalar",
         "deleted": "bool", "created_by": "scalar", "created_at": "scalar"},
        confirmable={"text": "text_confirmed"},
    ),
    "attachment": EntitySpec(
        "attachments", ("visit_id", "id"),
        {"sha256": "scalar", "report_sha256": "scalar", "area_key": "scalar",
         "item_id": "scalar", "caption": "scalar", "content_type": "scalar",
         "width": "scalar", "height": "scalar", "deleted": "bool", "created_by": "scalar",
         "created_at": "scalar"},
        confirmable={"caption": "caption_confirmed"},
    ),
    # Made by the programme office only (op_schema.OFFICE_ENTITIES; see `_materialise`).
    "action": EntitySpec(
        "actions", ("visit_id", "id"),
        {"text": "scalar", "owner": "scalar", "horizon": "scalar", "status": "scalar",
         "updated": "scalar", "due": "scalar"},
    ),
    "exemplar": EntitySpec(
        "exemplars", ("id",),
        {"title": "scalar", "what_they_do": "scalar", "system": "scalar",
         "area_kind": "scalar", "evidence": "scalar", "contact_role": "scalar",
         "pathway": "scalar", "tags": "json", "deleted": "bool"},
        programme_wide=True,
    ),
    "published_form": EntitySpec(
        "published_forms", ("area_kind",),
        {"form_hash": "scalar", "form_id": "scalar", "version": "scalar",
         "published_at": "scalar"},
        programme_wide=True,
    ),
}

# Form content travels as an op too (immutable, addressed by its hash), so a tablet that
# receives a visit by sync or bundle also receives the exact checklist it was answered on.
FORM_ENTITY = "form"

STATE_TABLES = ("visits", "areas", "answers", "findings", "attachments", "actions", "exemplars",
                "published_forms")

_sql_cache: dict[tuple[str, str], tuple[str, EntitySpec]] = {}


def _upsert_sql(entity: str, fld: str) -> tuple[str, EntitySpec] | None:
    cached = _sql_cache.get((entity, fld))
    if cached is not None:
        return cached
    spec = ENTITIES.get(entity)
    if spec is None or fld not in spec.fields:
        return None
    key_cols = list(spec.key_columns)
    set_cols = [fld] + list(spec.stamped.get(fld, ())) + (
        [spec.confirmable[fld]] if fld in spec.confirmable else [])
    cols = key_cols + set_cols
    sql = (
        f"INSERT INTO {spec.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
        f"ON CONFLICT ({', '.join(key_cols)}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in set_cols)
    )
    _sql_cache[(entity, fld)] = (sql, spec)
    return sql, spec


def made_by_office(op: OpRecord) -> bool:
    """An op under the office's device id. Sync verifies every such op against the office
    key pinned at enrolment before it is applied, so the prefix alone is not trusted."""
    return op.device_id.startswith(OFFICE_PREFIX)


def _materialise(conn: sqlite3.Connection, op: OpRecord) -> None:
    if op.entity in OFFICE_ENTITIES and not made_by_office(op):
        return  # a tablet's op cannot write the office's actions, library or checklists
    if op.entity == FORM_ENTITY:
        _store_form(conn, op)
        return
    found = _upsert_sql(op.entity, op.field)
    if found is None:
        return  # an entity or field this version does not know: kept in the log only
    sql, spec = found
    encoding = spec.fields[op.field]
    if encoding == "json":
        column_value: Any = None if op.value == "null" else op.value
    else:
        column_value = json.loads(op.value)
        if encoding == "bool":
            column_value = None if column_value is None else int(bool(column_value))
        elif isinstance(column_value, dict | list):
            column_value = json.dumps(column_value)
    params: list[Any] = [*spec.key_values(op.visit_id, op.entity_id), column_value]
    if op.field in spec.stamped:
        params += [op.author, op.at]
    if op.field in spec.confirmable:
        params.append(int(op.confirmed))
    conn.execute(sql, params)


def _store_form(conn: sqlite3.Connection, op: OpRecord) -> None:
    content = json.loads(op.value)
    conn.execute(
        "INSERT OR IGNORE INTO form_versions (hash, form_id, version, area_kind, title, content) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (op.entity_id, content["id"], content["version"], content["area_kind"], content["title"],
         json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)),
    )


# --- writing ops -----------------------------------------------------------------------

_INSERT_OP = (
    f"INSERT INTO ops ({', '.join(OP_COLUMNS)}) VALUES ({', '.join('?' * len(OP_COLUMNS))}) "
    "ON CONFLICT (op_id) DO NOTHING"
)
_GET_CLOCK = (
    "SELECT op_id, hlc, device_id FROM field_clock "
    "WHERE visit_id = ? AND entity = ? AND entity_id = ? AND field = ?"
)
_SET_CLOCK = (
    "INSERT INTO field_clock (visit_id, entity, entity_id, field, op_id, hlc, device_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (visit_id, entity, entity_id, field) "
    "DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, device_id = excluded.device_id"
)


def _op_params(op: OpRecord) -> tuple[Any, ...]:
    return (op.op_id, op.visit_id, op.device_id, op.seq, op.hlc, op.entity, op.entity_id,
            op.field, op.value, op.prev_op_id, op.author, int(op.confirmed), op.sig)


def encode(value: Any) -> Json:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record(
    db: Database,
    conn: sqlite3.Connection,
    *,
    visit_id: str,
    entity: str,
    entity_id: str,
    field: str,
    value: Any,
    author: str | None,
    confirmed: bool = False,
) -> OpRecord:
    """Make a local op, append it and apply it; call inside `db.write()`."""
    # The device id and key are read with the seq: a restored tablet renews them.
    device_id, seq, stored_hlc, private_key = conn.execute(
        "SELECT id, next_seq, hlc, private_key FROM device").fetchone()
    db.clock.receive(stored_hlc)  # another process on this database may have ticked
    ts = db.clock.tick()
    current = conn.execute(_GET_CLOCK, (visit_id, entity, entity_id, field)).fetchone()
    # Signed, with an id derived from its content (a random id only in the benchmark's
    # unsigned baseline, where seal leaves the op as it is), and linked to this device's
    # op before it, so a batch of them is checked by one signature (domain.signing).
    before = conn.execute("SELECT op_id, sig FROM ops WHERE device_id = ? AND seq = ?",
                          (device_id, seq - 1)).fetchone()
    op = OpRecord(**signing.seal(private_key, {
        "op_id": new_id(), "visit_id": visit_id, "device_id": device_id, "seq": seq,
        "hlc": ts, "entity": entity, "entity_id": entity_id, "field": field,
        "value": encode(value), "prev_op_id": current[0] if current else None,
        "author": author, "confirmed": confirmed}, after=before))
    conn.execute("UPDATE device SET next_seq = ?, hlc = ?", (seq + 1, ts))
    conn.execute(_INSERT_OP, _op_params(op))
    conn.execute(_SET_CLOCK, (visit_id, entity, entity_id, field, op.op_id, op.hlc, op.device_id))
    _materialise(conn, op)
    key = (visit_id, entity, entity_id, field)
    from visitapp.store import sync_state

    if current is not None and sync_state.is_forked(conn, key):
        sync_state.refresh_field(conn, key)  # a new value may settle or raise a conflict
    return op


def apply_ops(db: Database, conn: sqlite3.Connection, ops: Iterable[OpRecord]) -> dict[str, int]:
    """Merge ops made elsewhere (a bundle, a pull); call inside `db.write()`.

    Idempotent: an op already in the log is counted as a duplicate and changes nothing.
    """
    from visitapp.store import sync_state

    counts = {"applied": 0, "duplicate": 0}
    highest = 0
    forked: set[tuple[str, str, str, str]] = set()
    resolved: list[str] = []
    for op in ops:
        cursor = conn.execute(_INSERT_OP, _op_params(op))
        if cursor.rowcount == 0:
            counts["duplicate"] += 1
            continue
        counts["applied"] += 1
        highest = max(highest, op.hlc)
        if _merge(conn, op):
            forked.add((op.visit_id, op.entity, op.entity_id, op.field))
        if op.entity == sync_state.RESOLUTION_ENTITY:
            resolved.append(op.entity_id)
    if forked or resolved:
        # Conflicts are worked out from each field's whole set of ops, once per call, so
        # they come out the same whatever order the ops arrived in.
        sync_state.refresh_after_merge(conn, forked, resolved)
    if highest:
        db.clock.receive(highest)
        conn.execute("UPDATE device SET hlc = MAX(hlc, ?)", (highest,))
    return counts


def _merge(conn: sqlite3.Connection, op: OpRecord) -> bool:
    """Apply the op if it wins its field; True when the field's ops may no longer be one
    chain (a losing op, or a winner that did not see the previous winner)."""
    from visitapp.store import sync_state

    key = (op.visit_id, op.entity, op.entity_id, op.field)
    current = conn.execute(_GET_CLOCK, key).fetchone()
    if current is not None and not hlc_mod.wins(op.hlc, op.device_id, current[1], current[2]):
        return True
    conn.execute(_SET_CLOCK, (*key, op.op_id, op.hlc, op.device_id))
    _materialise(conn, op)
    if current is None:
        return False
    return op.prev_op_id != current[0] or sync_state.is_forked(conn, key)


def rebuild(conn: sqlite3.Connection) -> int:
    """Throw away the state tables and rebuild them from the op-log; call in a write.

    One transaction: answering waits for all of it. `visitapp.store.rebuild` does the same
    in short steps."""
    for table in STATE_TABLES:
        conn.execute(f"DELETE FROM {table}")
    conn.execute("DELETE FROM field_clock")
    return apply_winners(conn)


def apply_winners(conn: sqlite3.Connection, where: str = "1", params: Sequence[Any] = ()
                  ) -> int:
    """Apply the winner of each field among the ops matching `where` (SQL over `ops`):
    its latest op by (hlc, device_id). Returns how many were applied. Shared by the full
    rebuild and the stepped one (`visitapp.store.rebuild`)."""
    rows = conn.execute(
        f"""
        SELECT {', '.join(OP_COLUMNS)} FROM (
            SELECT *, ROW_NUMBER() OVER (
                PARTITION BY visit_id, entity, entity_id, field
                ORDER BY hlc DESC, device_id DESC) AS rank
            FROM ops WHERE {where})
        WHERE rank = 1
        """, params).fetchall()
    for row in rows:
        apply_winner(conn, OpRecord.from_row(row))
    return len(rows)


def apply_winner(conn: sqlite3.Connection, op: OpRecord) -> None:
    """Make `op` its field's winner and materialise it (a rebuild knows it wins)."""
    conn.execute(_SET_CLOCK, (op.visit_id, op.entity, op.entity_id, op.field, op.op_id,
                              op.hlc, op.device_id))
    _materialise(conn, op)


def ops_for_visit(conn: sqlite3.Connection, visit_id: str) -> list[OpRecord]:
    rows = conn.execute(
        f"SELECT {', '.join(OP_COLUMNS)} FROM ops WHERE visit_id = ? ORDER BY hlc, device_id",
        (visit_id,),
    ).fetchall()
    return [OpRecord.from_row(row) for row in rows]
