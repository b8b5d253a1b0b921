"""Rebuilding the state from the op-log in short steps, so answering goes on meanwhile.

`oplog.rebuild` empties every state table and applies every field's winning op in one
write transaction: 2.6 s at 50,000 ops and 15 s at 500,000, and no answer can be saved
until it ends. `rebuild_in_steps` does the same work a range of entities at a time, each
range in its own short write transaction (about `step_s`), pausing between them so a
waiting answer gets the database.

A range is every entity whose (visit id, entity, entity id) falls between two keys of
the `ix_ops_field` index; consecutive ranges cover the whole key space. A step throws away
the range's state rows and field clocks and applies the winners of its ops again. Why the
result equals a full rebuild even with writes between steps: a state row depends only on
its own entity's ops, every step reads all of its entity's ops at that moment, and an op
written later merges onto the rebuilt row by the same last-writer-wins rule (or is read
by the step, if its range is still to come). A last pass removes state rows whose entity
has no op at all (the full rebuild drops those too), a chunk of rows a step.

The visit summaries follow: each step's writes mark their areas stale and
`Database.write()` recomputes those before it commits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from visitapp.store import oplog, summaries
from visitapp.store.db import Database
from visitapp.store.oplog import ENTITIES

Key = tuple[str, str, str]  # (visit_id, entity, entity_id): one entity, in index order
ORPHAN_CHUNK = 500  # rows a step looked at for ops of their own: a few ms
SUBRANGE_OPS = 64  # about an area's answers: the unit a step's clock is checked at
PER_AREA = ("answer", "rating")  # entities with ids "area_key/item_id"

_KEY = "(visit_id, entity, entity_id)"


def _range(after: Key | None, upto: Key | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    if after is not None:
        clauses.append(f"{_KEY} > (?, ?, ?)")
        params += after
    if upto is not None:
        clauses.append(f"{_KEY} <= (?, ?, ?)")
        params += upto
    return " AND ".join(clauses) or "1", params


def _range_end(conn: Any, after: Key | None, ops: int) -> Key | None:
    """The key of about the `ops`-th op after `after`, or None when fewer are left.

    An answer's or a rating's key is moved on to the last of its area's ("area/item"
    ids: every id below "area0", '0' following '/'), so an area is not split between two
    steps and its summary is worked out once rather than once a step.
    """
    where, params = _range(after, None)
    row = conn.execute(
        f"SELECT visit_id, entity, entity_id FROM ops WHERE {where} "
        "ORDER BY visit_id, entity, entity_id LIMIT 1 OFFSET ?", (*params, ops)).fetchone()
    if row is None:
        return None
    visit_id, entity, entity_id = row
    area, slash, _ = entity_id.partition("/")
    if entity in PER_AREA and slash:
        return (visit_id, entity, area + "0")
    return (visit_id, entity, entity_id)


def _rebuild_range(conn: Any, after: Key | None, upto: Key | None) -> int:
    where, params = _range(after, upto)
    for visit_id, entity, entity_id in conn.execute(
            f"SELECT DISTINCT visit_id, entity, entity_id FROM ops WHERE {where}",
            params).fetchall():
        spec = ENTITIES.get(entity)
        if spec is None:
            continue
        values = spec.key_values(visit_id, entity_id)
        if len(values) != len(spec.key_columns):
            continue  # an id that names no row (a bad op): it never materialised
        conn.execute(f"DELETE FROM {spec.table} WHERE "
                     + " AND ".join(f"{c} = ?" for c in spec.key_columns), values)
    conn.execute(f"DELETE FROM field_clock WHERE {where}", params)
    return oplog.apply_winners(conn, where, params)


# A state row's entity has an op when its field clock has a row (the visit row also by
# its id alone: a visit op filed under another visit id still names it).
_ORPHAN = {
    "visits": "NOT EXISTS (SELECT 1 FROM field_clock f WHERE f.visit_id = t.id AND "
              "f.entity = 'visit' AND f.entity_id = t.id) AND NOT EXISTS (SELECT 1 FROM ops o "
              "WHERE o.entity = 'visit' AND o.entity_id = t.id)",
    "areas": "NOT EXISTS (SELECT 1 FROM field_clock f WHERE f.visit_id = t.visit_id AND "
             "f.entity = 'area' AND f.entity_id = t.key)",
    "answers": "NOT EXISTS (SELECT 1 FROM field_clock f WHERE f.visit_id = t.visit_id AND "
               "f.entity = 'answer' AND f.entity_id = t.area_key || '/' || t.item_id)",
    "findings": "NOT EXISTS (SELECT 1 FROM field_clock f WHERE f.visit_id = t.visit_id AND "
                "f.entity = 'finding' AND f.entity_id = t.id)",
    "attachments": "NOT EXISTS (SELECT 1 FROM field_clock f WHERE f.visit_id = t.visit_id "
                   "AND f.entity = 'attachment' AND f.entity_id = t.id)",
}


def _drop_orphans(conn: Any, table: str, after: int) -> int | None:
    """Remove rows without ops among the next chunk after rowid `after`; the last rowid
    looked at, or None when the table is done."""
    last = conn.execute(f"SELECT MAX(rowid) FROM (SELECT rowid FROM {table} WHERE rowid > ? "
                        "ORDER BY rowid LIMIT ?)", (after, ORPHAN_CHUNK)).fetchone()[0]
    if last is None:
        return None
    conn.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} AS t "
                 f"WHERE rowid > ? AND rowid <= ? AND {_ORPHAN[table]})", (after, last))
    return int(last)


@dataclass
class RebuildReport:
    winners: int = 0  # winning field values applied
    step_s: list[float] = field(default_factory=list)  # how long each step held the lock

    @property
    def steps(self) -> int:
        return len(self.step_s)

    @property
    def longest_step_s(self) -> float:
        """The longest the write lock was held: the most an answer waited on the rebuild."""
        return max(self.step_s, default=0.0)

    def timed(self, started: float) -> float:
        self.step_s.append(time.perf_counter() - started)
        return self.step_s[-1]


def rebuild_in_steps(db: Database, *, step_s: float = 0.008, pause_s: float = 0.002,
                     ops_per_step: int | None = None,
                     between_steps: Callable[[], None] | None = None) -> RebuildReport:
    """Rebuild the state from the op-log as `oplog.rebuild` does, in write transactions
    of about `step_s` each (or of one range of `ops_per_step` ops), sleeping `pause_s`
    between them. `between_steps` runs after each step commits (tests write there)."""
    report = RebuildReport()
    after: Key | None = None
    done = False
    while not done:
        with db.write(durable=False) as conn:  # the log can redo it: no fsync a step
            started = time.perf_counter()  # timed from holding the lock to its release
            # Small ranges until the step has had its time: ranges differ in cost (an
            # area's ops recompute its summary), so the clock, not a count, ends a step.
            while True:
                upto = _range_end(conn, after, ops_per_step or SUBRANGE_OPS)
                report.winners += _rebuild_range(conn, after, upto)
                summaries.refresh(conn)  # here, so that its cost counts in this step
                after, done = upto, upto is None
                if done or ops_per_step or time.perf_counter() - started >= step_s:
                    break
        report.timed(started)
        _pause(pause_s, between_steps)
    for table in oplog.STATE_TABLES:
        position: int | None = 0
        while position is not None:
            with db.write(durable=False) as conn:
                started = time.perf_counter()
                position = _drop_orphans(conn, table, position)
            report.timed(started)
            _pause(pause_s, between_steps)
    return report


def _pause(pause_s: float, between_steps: Callable[[], None] | None) -> None:
    if between_steps is not None:
        between_steps()
    # Let a writer that queued behind this step in: Database.write() wakes it at once.
    time.sleep(pause_s)
