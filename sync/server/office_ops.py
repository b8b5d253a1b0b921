"""Ops the programme office makes itself, signed with its own key (issue 14).

The office sends tablets what it keeps between visits as ordinary ops, so they travel,
merge and are checked like the tablets' own: the status of a visit's actions (for one
team), a scheduled visit (for the team it is scheduled for), and, programme-wide, the
exemplar library and the published checklists. Each op is sealed with the office's key
(`office_key.office_key`) under the office's device id, numbered by the office's own
counter (`office_op_counter`), and stored as a push stores ops: in `ops`, merged into
`field_state`, and the read models refreshed, in one transaction.

Ordering (sync/README.md, "Office-made ops"): a team's op is written under that team's
push lock, as a push is, so the team's pull cursor cannot pass it. A programme-wide op is
ONE row of team `*` that every team's pull returns; it is written holding the exclusive
all-teams lock, so no push of any team is in flight while its number is drawn and
committed, and no team's cursor can skip it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from sync.server import store
from sync.server import tables as t
from sync.server.db import lock_for_all_teams_pull, lock_for_push, write
from sync.server.office import read_models
from sync.server.office_key import OfficeKey, office_key
from sync.server.store import ALL_TEAMS  # every team's pull returns these
from visitapp.domain import hlc as hlc_mod
from visitapp.domain import signing
from visitapp.domain.op_schema import op_problem

OFFICE_AUTHOR = "Programme office"
OFFICE_PUSHER = "office"  # `ops.pushed_by` of the office's own ops


@dataclass(frozen=True)
class Change:
    """One field of one entity set by the office."""

    visit_id: str
    entity: str
    entity_id: str
    field: str
    value: Any


def encode(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def seal_changes(key: OfficeKey, changes: Sequence[Change], *, first_seq: int, first_hlc: int,
                 prev: Callable[[Change], str | None] = lambda _c: None) -> list[dict[str, Any]]:
    """The changes as signed ops of the office, numbered from `first_seq`, stamped from
    `first_hlc` (one tick apart, so a later change of a field wins)."""
    ops = []
    for i, c in enumerate(changes):
        # A random id until sealed: seal derives it from the content, except in the
        # sync benchmark's unsigned baseline, which keeps it (as a tablet's).
        op = {"op_id": str(uuid.uuid4()), "visit_id": c.visit_id, "device_id": key.device_id,
              "seq": first_seq + i, "hlc": first_hlc + i, "entity": c.entity,
              "entity_id": c.entity_id, "field": c.field, "value": encode(c.value),
              "prev_op_id": prev(c), "author": OFFICE_AUTHOR, "confirmed": False}
        # Linked to the one before in this batch (the first to none: that is enough for
        # a pulled page of them to be checked by one signature).
        after = (ops[-1]["op_id"], ops[-1]["sig"]) if ops else None
        sealed = signing.seal(key.private_key, op, after=after)
        problem = op_problem(sealed)
        if problem:  # a bug here, never a user's input: the callers check that first
            raise ValueError(f"office op {c.entity}.{c.field}: {problem}")
        ops.append(sealed)
    return ops


def send(engine: Engine, changes: Sequence[Change], *, team: str | None, now_ms: int,
         now_iso: str, claim_visit: str | None = None,
         inside: Callable[[Connection], None] | None = None) -> list[dict[str, Any]]:
    """Store the office's changes for one team (`team`), or for every team (None).

    `claim_visit` (with a team) is a visit the office makes for that team (a scheduled
    visit): it is claimed for the team like a visit whose creation op a tablet pushed.
    `inside(conn)` runs first in the same transaction (the office's own record of what
    it changed), so the record and the ops commit together or not at all."""
    key = office_key(engine, now=now_iso)  # made before the lock: it writes on first use
    with write(engine) as conn:
        if team is None:
            lock_for_all_teams_pull(conn)
        else:
            lock_for_push(conn, team)
        if inside is not None:
            inside(conn)
        stored = _store(conn, key, changes, team=team or ALL_TEAMS, now_ms=now_ms,
                        now_iso=now_iso, claim_visit=claim_visit)
    return stored


def _store(conn: Connection, key: OfficeKey, changes: Sequence[Change], *, team: str,
           now_ms: int, now_iso: str, claim_visit: str | None) -> list[dict[str, Any]]:
    if not changes:
        return []
    first_seq = _draw_seqs(conn, len(changes))
    clocks = select(func.max(t.team_clocks.c.hlc))
    if team != ALL_TEAMS:
        clocks = clocks.where(t.team_clocks.c.team == team)
    fs = t.field_state.c
    latest = {}
    for c in changes:
        row = conn.execute(select(fs.op_id, fs.hlc).where(
            fs.visit_id == c.visit_id, fs.entity == c.entity, fs.entity_id == c.entity_id,
            fs.field == c.field)).first()
        if row is not None:
            latest[(c.visit_id, c.entity, c.entity_id, c.field)] = (row.op_id, int(row.hlc))
    # After everything the office has seen, so the office's change wins its field.
    first_hlc = max([hlc_mod.pack(now_ms, 0), int(conn.execute(clocks).scalar() or 0) + 1]
                    + [h + 1 for _, h in latest.values()])
    ops = seal_changes(key, changes, first_seq=first_seq, first_hlc=first_hlc,
                       prev=lambda c: latest.get((c.visit_id, c.entity, c.entity_id,
                                                  c.field), (None, 0))[0])
    if claim_visit is not None:
        conn.execute(t.visits.insert().values(
            visit_id=claim_visit, team=team, first_pushed_by=OFFICE_PUSHER,
            created_at=now_iso, updated_at=now_iso))
    rows = [{**op, "team": team, "pushed_by": OFFICE_PUSHER, "received_at": now_iso}
            for op in ops]
    store._insert_ops(conn, rows)
    winners: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r in rows:  # later ops of one field carry later stamps: the last one wins
        winners[(r["visit_id"], r["entity"], r["entity_id"], r["field"])] = r
    store._merge_fields(conn, list(winners.values()))
    read_models.refresh(conn, {k[:3] for k in winners})
    if team != ALL_TEAMS:
        store._advance_team_clock(conn, team, max(r["hlc"] for r in rows))
    return ops


def _draw_seqs(conn: Connection, count: int) -> int:
    """The first of `count` new change numbers of the office (row-locked on PostgreSQL:
    office ops of two teams may be written side by side)."""
    c = t.office_op_counter.c
    conn.execute(update(t.office_op_counter).where(c.id == 1)
                 .values(next_seq=c.next_seq + count))
    after = int(conn.execute(select(c.next_seq).where(c.id == 1)).scalar_one())
    return after - count


# --- a recommendation becomes an action --------------------------------------------------

def key_if_needed(engine: Engine, ops: Sequence[dict[str, Any]], now_iso: str,
                  known: OfficeKey | None = None) -> OfficeKey | None:
    """The office's key (`known`: the one the caller holds) when a pushed batch may make
    a new recommendation, else None."""
    if any(op["entity"] == "finding" and op["field"] == "kind" for op in ops):
        return known if known is not None and known.private_key else office_key(
            engine, now=now_iso)
    return None


def announce_new_actions(conn: Connection, key: OfficeKey, team: str,
                         touched: Iterable[tuple[str, str, str, str]], *, now_ms: int,
                         now_iso: str) -> None:
    """Inside a push (its team's lock held): each recommendation that became an action
    with this push gets the office's first op for it (not started, due at the next
    event), so the team's tablets hold the action as the office does."""
    from sync.server.office import actions  # its updates send ops through this module
    from sync.server.office import tables as office_tables

    findings = sorted({(v, eid) for v, entity, eid, _f in touched if entity == "finding"})
    if not findings:
        return
    rf, fs = office_tables.read_findings.c, t.field_state.c
    changes: list[Change] = []
    for visit_id, finding_id in findings:
        is_recommendation = conn.execute(select(rf.kind).where(
            rf.visit_id == visit_id, rf.entity_id == finding_id)).scalar() == "recommendation"
        if not is_recommendation or conn.execute(select(fs.op_id).where(
                fs.visit_id == visit_id, fs.entity == "action", fs.entity_id == finding_id,
                fs.field == "status")).first() is not None:
            continue
        found = actions.list_actions(conn, action_id=finding_id)
        if found:
            changes += actions.action_changes(found[0], status="not_started", day=None,
                                              due=found[0].due)
    _store(conn, key, changes, team=team, now_ms=now_ms, now_iso=now_iso, claim_visit=None)
