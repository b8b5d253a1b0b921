"""What a tablet holds, and what a pull sends it (issue 15).

A tablet holds the visits it works on: every visit of its team still in progress, the
ones it made, and the ones its user fetched. The tablet is the source of truth (what it
holds is device-local): at each sync it says which visits it holds (`set_holds`, a
replace), and `pull` sends a team's ops only for

- visits held by that tablet (`visit_holds`, keyed by the office's device record), and
- visits not finished at the office (`read_visits.status`) whose first op is after the
  tablet's cursor: a visit new to it, sent from its first op. One it passed by (finished
  then, or let go) is not sent in pieces: it is fetched whole (`fetch`).

Sending a visit's first ops makes it held (in the pull's own transaction), so a visit
finished between two pages of one pull still arrives whole. The page is one statement
over the visits sent, not the team's whole history, so a team of 1,000 finished visits
costs a fresh tablet nothing to pull. A fetch (`fetch`) holds the visit and answers a
compact snapshot: per field the winning op and every op that is neither the winner nor
an ancestor of it and has another value (what conflict detection needs), in server order.
Ops of that visit after the tablet's cursor still come by pull (duplicates, harmless),
and every later one too: the snapshot is read after the tablet's last pull, and a team's
ops up to that cursor had all committed (the per-team push lock, `db.lock_for_push`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, select, text

from sync.server import tables as t
from sync.server.auth import Principal
from sync.server.db import is_postgres, read, write
from sync.server.office.tables import read_visits
from visitapp.domain.op_schema import PROGRAMME_VISIT_ID

T = TypeVar("T")

FINISHED = ("feedback_given", "closed")  # visitapp.services.retention.FINISHED

_COLUMNS = ("server_seq", "op_id", "visit_id", "device_id", "seq", "hlc", "entity",
            "entity_id", "field", "value", "prev_op_id", "author", "sig", "confirmed")

# The visits a page is drawn from come first (CROSS JOIN keeps SQLite's planner to that
# order), each an index range of (visit_id, server_seq); the team's other ops are never read.
_PAGE = text(f"""
WITH sent AS (
    SELECT h.visit_id FROM visit_holds h WHERE h.office_device = :device
    UNION
    SELECT :programme  -- the office's programme-wide ops (library, published forms)
    UNION
    SELECT v.visit_id FROM visits v LEFT JOIN read_visits r ON r.visit_id = v.visit_id
    WHERE v.team = :team AND COALESCE(r.status, '') NOT IN ({", ".join(f"'{s}'" for s in FINISHED)})
      AND NOT EXISTS (SELECT 1 FROM ops f WHERE f.visit_id = v.visit_id
                      AND f.server_seq <= :after)
)
SELECT {", ".join("o." + c for c in _COLUMNS)}
FROM sent CROSS JOIN ops o
WHERE o.visit_id = sent.visit_id AND o.team IN (:team, :all_teams) AND o.server_seq > :after
ORDER BY o.server_seq
LIMIT :limit
""")


def pull(engine: Engine, principal: Principal, *, after: int, limit: int,
         then: Callable[[Connection, list[dict[str, Any]]], T]) -> T:
    """`then(conn, rows)` for a tablet's page of ops after its cursor (up to `limit` + 1
    rows, in server order), called in the transaction that read the page, so that what
    the caller adds to it (the keys to check it, the team's clock) is of the same moment.

    One transaction: on PostgreSQL the holds the page makes are written in it; SQLite
    cannot turn a read into a write once another writer has committed, so a page that
    makes new holds is read again inside a write transaction (rare: once per new visit).
    """
    params = {"device": principal.id, "team": principal.team, "after": after,
              "limit": limit + 1, "programme": PROGRAMME_VISIT_ID, "all_teams": t.ALL_TEAMS}
    with read(engine) as conn:
        rows = _page(conn, params)
        new = _unheld(conn, principal.id, rows)
        if new and is_postgres(conn):
            _hold(conn, principal.id, new)
            new = []
        if not new:
            return then(conn, rows)
    with write(engine) as conn:
        rows = _page(conn, params)
        _hold(conn, principal.id, _unheld(conn, principal.id, rows))
        return then(conn, rows)


def _page(conn: Connection, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = conn.execute(_PAGE, params)
    return [{**dict(zip(_COLUMNS, r, strict=True)), "confirmed": bool(r[-1])} for r in result]


def _unheld(conn: Connection, device: str, rows: Sequence[dict[str, Any]]) -> list[str]:
    visits = sorted({r["visit_id"] for r in rows} - {PROGRAMME_VISIT_ID})  # always sent
    if not visits:
        return []
    held = {v for (v,) in conn.execute(select(t.visit_holds.c.visit_id).where(
        t.visit_holds.c.office_device == device, t.visit_holds.c.visit_id.in_(visits)))}
    return [v for v in visits if v not in held]


def _hold(conn: Connection, device: str, visits: Sequence[str]) -> None:
    from sync.server.store import _insert, utc_now  # store imports this module

    if visits:
        at = utc_now()
        conn.execute(_insert(conn, t.visit_holds).on_conflict_do_nothing(
            index_elements=["office_device", "visit_id"]),
            [{"office_device": device, "visit_id": v, "since": at} for v in visits])


def set_holds(engine: Engine, principal: Principal, visit_ids: Sequence[str]) -> int:
    """Replace what a tablet holds with `visit_ids` (its team's visits among them);
    returns how many are held now. Ids of visits the office does not have, or of another
    team's, are left out: a tablet never holds another team's visit here."""
    from sync.server.store import _existing

    with write(engine) as conn:
        ours = sorted({r[0] for r in _existing(conn, t.visits.c.visit_id, list(set(visit_ids)),
                                               where=t.visits.c.team == principal.team)})
        conn.execute(delete(t.visit_holds).where(t.visit_holds.c.office_device == principal.id))
        _hold(conn, principal.id, ours)
    return len(ours)


def team_visits(engine: Engine, principal: Principal) -> list[dict[str, Any]]:
    """The team's visits at the office: id, system, date and status (newest first)."""
    v, r = t.visits.c, read_visits.c
    query = (select(v.visit_id.label("id"), r.system, r.date, r.status)
             .join_from(t.visits, read_visits, r.visit_id == v.visit_id, isouter=True)
             .where(v.team == principal.team).order_by(r.date.desc(), v.visit_id))
    with read(engine) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def fetch(engine: Engine, principal: Principal, visit_id: str) -> list[dict[str, Any]] | None:
    """Hold a visit for this tablet and return its compact snapshot (None: no such visit
    of the caller's team). One transaction, so the hold and the snapshot agree."""
    o = t.ops.c
    with write(engine) as conn:
        owner = conn.execute(select(t.visits.c.team).where(
            t.visits.c.visit_id == visit_id)).scalar()
        if owner is None or owner != principal.team:
            return None
        rows = [{**dict(zip(_COLUMNS, r, strict=True)), "confirmed": bool(r[-1])}
                for r in conn.execute(select(*(getattr(o, c) for c in _COLUMNS)).where(
                    o.visit_id == visit_id).order_by(o.server_seq))]
        fs = t.field_state.c
        winners = {(r.entity, r.entity_id, r.field): r.op_id for r in conn.execute(
            select(fs.entity, fs.entity_id, fs.field, fs.op_id).where(fs.visit_id == visit_id))}
        _hold(conn, principal.id, [visit_id])
    return compact(rows, winners)


def compact(rows: Sequence[dict[str, Any]],
            winners: dict[tuple[str, str, str], str]) -> list[dict[str, Any]]:
    """Per field: the winner, and every op neither the winner nor its ancestor (walking
    `prev_op_id`) whose value differs: the ops a tablet's conflict detection looks at."""
    by_field: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_field.setdefault((row["entity"], row["entity_id"], row["field"]), []).append(row)
    keep: set[str] = set()
    for key, ops in by_field.items():
        by_id = {op["op_id"]: op for op in ops}
        winner = by_id.get(winners.get(key, "")) or max(
            ops, key=lambda op: (op["hlc"], op["device_id"]))
        chain = {winner["op_id"]}
        prev = winner["prev_op_id"]
        while prev is not None and prev in by_id and prev not in chain:
            chain.add(prev)
            prev = by_id[prev]["prev_op_id"]
        keep.add(winner["op_id"])
        keep.update(op["op_id"] for op in ops
                    if op["op_id"] not in chain and op["value"] != winner["value"])
    return [row for row in rows if row["op_id"] in keep]
