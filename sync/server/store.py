"""Every query of the office service, in SQLAlchemy Core, a batch at a time.

Each public function is one transaction. Errors raised here are `OfficeError`s with words
for the caller; the HTTP layer maps them to status codes.

    OfficeError
    ├── Unauthorised    no token, an unknown token, or a revoked one (401)
    ├── Forbidden       a valid token asking for what it may not (403)
    ├── NotFound        an unknown device or blob (404)
    ├── BlobMismatch    uploaded bytes whose SHA-256 is not the one named (422)
    ├── TooLarge        an upload over the size limit (413)
    └── UnsupportedType an attachment that is not a photo or PDF (415)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from sync.server import blob_types, holds, keys
from sync.server import tables as t
from sync.server.auth import (
    DEVICE_PREFIX,
    OFFICE_PREFIX,
    Principal,
    hash_token,
    new_token,
)
from sync.server.db import (
    is_postgres,
    lock_for_all_teams_pull,
    lock_for_push,
    read,
    write,
)
from sync.server.office import read_models
from sync.server.office_key import OfficeKey
from visitapp.domain import hlc as hlc_mod
from visitapp.domain import signing
from visitapp.domain.op_schema import OFFICE_ENTITIES, PROGRAMME_VISIT_ID

ALL_TEAMS = t.ALL_TEAMS  # the team of the office's programme-wide ops (sync.server.office_ops)

FUTURE_LIMIT_MS = 2 * 60 * 60 * 1000  # a tablet an hour out still syncs
LAST_SEEN_EVERY_S = 60
CHUNK = 500  # ids per IN (...) list: well inside SQLite's parameter limit


class OfficeError(Exception):
    status = 400


class Unauthorised(OfficeError):
    status = 401


class Forbidden(OfficeError):
    status = 403


class NotFound(OfficeError):
    status = 404


class BlobMismatch(OfficeError):
    status = 422


class TooLarge(OfficeError):
    status = 413


class UnsupportedType(OfficeError):
    status = 415


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def _insert(conn: Any, table: Any) -> Any:
    dialect = postgresql if is_postgres(conn) else sqlite
    return dialect.insert(table)


# --- devices and tokens ----------------------------------------------------------------

def add_device(engine: Engine, *, team: str, name: str) -> tuple[str, str]:
    """Enrol a tablet for a team; returns (device id, token). The token is shown once."""
    return add_devices(engine, team=team, names=[name])[0]


def add_devices(engine: Engine, *, team: str, names: Sequence[str]) -> list[tuple[str, str]]:
    """Enrol tablets for a team in one transaction (all or none): (device id, token) for
    each name, in order. A national roll-out enrols hundreds at once."""
    team = team.strip()
    names = [n.strip() for n in names]
    if not team or not names or not all(names):
        raise OfficeError("a device needs a team and a name")
    made, at = [], utc_now()
    for name in names:
        token = new_token(DEVICE_PREFIX)
        device_id = hashlib.sha256(token.encode()).hexdigest()[:12]  # short enough to type
        made.append({"id": device_id, "team": team, "name": name,
                     "token_hash": hash_token(token), "created_at": at, "token": token})
    with write(engine) as conn:
        conn.execute(t.devices.insert(), [{k: v for k, v in m.items() if k != "token"}
                                          for m in made])
    return [(m["id"], m["token"]) for m in made]


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    with read(engine) as conn:
        rows = conn.execute(select(
            t.devices.c.id, t.devices.c.team, t.devices.c.name, t.devices.c.last_seen,
            t.devices.c.revoked_at).order_by(t.devices.c.team, t.devices.c.name,
                                             t.devices.c.id)).all()
    return [dict(r._mapping) for r in rows]


def revoke_device(engine: Engine, device_id: str) -> None:
    with write(engine) as conn:
        done = conn.execute(update(t.devices).where(t.devices.c.id == device_id).values(
            revoked_at=func.coalesce(t.devices.c.revoked_at, utc_now())))
        if done.rowcount == 0:
            raise NotFound(f"no device {device_id!r}")


def add_office_token(engine: Engine, *, name: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise OfficeError("an office token needs a name")
    token = new_token(OFFICE_PREFIX)
    token_id = hashlib.sha256(token.encode()).hexdigest()[:12]
    with write(engine) as conn:
        conn.execute(t.office_tokens.insert().values(
            id=token_id, name=name, token_hash=hash_token(token), created_at=utc_now()))
    return token_id, token


def authenticate(engine: Engine, token: str | None) -> Principal:
    if not token:
        raise Unauthorised("a token is required (Authorization: Bearer TOKEN)")
    digest = hash_token(token)
    with read(engine) as conn:
        row = conn.execute(select(
            t.devices.c.id, t.devices.c.name, t.devices.c.team, t.devices.c.revoked_at,
            t.devices.c.last_seen).where(t.devices.c.token_hash == digest)).first()
        if row is not None:
            if row.revoked_at is not None:
                raise Unauthorised("this tablet's token was revoked by the programme office; "
                                   "its unsent work stays on it (export a bundle)")
            return Principal("device", row.id, row.name, row.team, row.last_seen)
        row = conn.execute(select(
            t.office_tokens.c.id, t.office_tokens.c.name, t.office_tokens.c.revoked_at
        ).where(t.office_tokens.c.token_hash == digest)).first()
    if row is None:
        raise Unauthorised("unknown token: enrol this tablet with a token from the "
                           "programme office")
    if row.revoked_at is not None:
        raise Unauthorised("this office token was revoked")
    return Principal("office", row.id, row.name, None)


def touch(engine: Engine, principal: Principal) -> None:
    """Record that a device was seen (at most once a minute: it costs a write)."""
    if principal.is_office:
        return
    now = datetime.now(UTC)
    if principal.last_seen:
        try:
            seen = datetime.fromisoformat(principal.last_seen.replace("Z", "+00:00"))
            if (now - seen).total_seconds() < LAST_SEEN_EVERY_S:
                return
        except ValueError:
            pass
    with write(engine) as conn:
        conn.execute(update(t.devices).where(t.devices.c.id == principal.id).values(
            last_seen=utc_now()))


def _device_writer(principal: Principal) -> str:
    if principal.is_office or principal.team is None:
        raise Forbidden("an office token reads every team but cannot push")
    return principal.team


# --- ops -------------------------------------------------------------------------------

def server_hlc(engine: Engine, team: str | None = None) -> int:
    """The highest HLC accepted from a team (every team's, for the office)."""
    with read(engine) as conn:
        return _server_hlc_in(conn, team)


def _server_hlc_in(conn: Any, team: str | None) -> int:
    query = select(func.max(t.team_clocks.c.hlc))
    if team is not None:
        query = query.where(t.team_clocks.c.team == team)
    return int(conn.execute(query).scalar() or 0)


def _reject(op_id: str, code: str, reason: str) -> dict[str, Any]:
    return {"op_id": op_id, "status": "rejected", "reason": reason, "code": code}


CREATED_FIELD = "created_at"  # the field every new visit is made with: its creation op


def push(engine: Engine, principal: Principal, ops: Sequence[dict[str, Any]],
         now_ms: Callable[[], int], own_device: str | None = None,
         office: OfficeKey | None = None) -> tuple[list[dict[str, Any]], int]:
    """Store a batch of well-formed ops (`op_schema.op_problem` passed) in one transaction;
    a result per op, in the batch's order (dicts shaped as `sync.protocol.OpResult`).

    Idempotent by op id within the team. The pushing device and team come from the
    principal (its token), never from the ops. Refused per op:
    - an op that is not genuine (`forged`: a bad signature, an unsigned op under a key's
      device id, an op claiming the office made it), one whose origin is a tablet of
      another team (`foreign_origin`), or one whose key the office does not know yet, or a
      legacy op relayed by a team-mate (`origin_unknown`: kept by the pusher and tried
      again later); see sync.server.keys.origin_problem;
    - an op of a visit of another team (`foreign_visit`), or of a visit not on the office
      yet unless the batch holds its creation op (`visit_unknown`, tried again later): a
      visit belongs to the team whose tablet made it, not to whoever pushes first;
    - an op stamped more than `FUTURE_LIMIT_MS` ahead of the office's clock;
    - a (device, seq) that another op already holds (a tablet restored from a backup
      re-using its numbers: accepting it would break the team's other tablets).
    """
    team = _device_writer(principal)
    now = now_ms()
    horizon = hlc_mod.pack(now + FUTURE_LIMIT_MS, hlc_mod.COUNTER_MAX)
    received = utc_now()
    results: list[dict[str, Any]] = []
    # A batch that makes findings may make recommendations, and each new one becomes an
    # action whose status the office sends in its own op: its key is read (made, the
    # first time) before the push's transaction takes the write lock.
    from sync.server import office_ops

    office_signer = office_ops.key_if_needed(engine, ops, received, known=office)
    with write(engine) as conn:
        lock_for_push(conn, team)  # a team's pushes take turns; see db.lock_for_push
        _bind_own_legacy_id(conn, principal, own_device, received)
        existing = {r[0] for r in _existing(conn, t.ops.c.op_id,
                                            list({op["op_id"] for op in ops}),
                                            where=t.ops.c.team == team)}
        device_ids = {op["device_id"] for op in ops}
        key_owners = keys.key_owners(conn, device_ids)
        legacy = keys.legacy_owners(conn, [d for d in device_ids if not d.startswith(
            (signing.DEVICE_PREFIX, signing.OFFICE_PREFIX))])
        office = office or _no_office_key()
        # Who made each op, checked once per op (its signature included); an op the team
        # holds already is a duplicate and needs no check.
        verdicts = keys.origin_problems(ops, existing, principal, team, key_owners, legacy,
                                        office)
        owners: dict[str, str] = {r[0]: r[1] for r in _existing(
            conn, t.visits.c.visit_id, list({op["visit_id"] for op in ops}), t.visits.c.team)}
        owners[PROGRAMME_VISIT_ID] = ALL_TEAMS  # the office's programme-wide ops: no team's
        creators = {op["visit_id"] for op, verdict in zip(ops, verdicts, strict=True)
                    if op["entity"] == "visit" and op["field"] == CREATED_FIELD
                    and verdict is None}
        taken = _taken_seqs(conn, ops)
        claimed: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        winners: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        seen: set[str] = set()
        highest = 0
        for op, verdict in zip(ops, verdicts, strict=True):
            op_id = op["op_id"]
            if op_id in existing or op_id in seen:
                # Held by the team already: stored once, whoever hands it in again (an op
                # id is its content's, so a signed op held is this very op).
                results.append({"op_id": op_id, "status": "duplicate", "reason": None})
                continue
            if verdict is not None:
                results.append(_reject(op_id, *verdict))
                continue
            if op["entity"] in OFFICE_ENTITIES:
                results.append(_reject(op_id, "office_only", (
                    f"only the programme office makes {op['entity']} changes: "
                    "nothing was sent")))
                continue
            owner = owners.get(op["visit_id"])
            if owner is not None and owner != team:
                results.append(_reject(op_id, "foreign_visit",
                                       f"visit {op['visit_id']} belongs to another team"))
                continue
            if op["hlc"] > horizon:
                ahead_h = (hlc_mod.wall_ms(op["hlc"]) - now) / 3_600_000
                results.append(_reject(op_id, "clock_ahead", (
                    f"clock too far ahead: stamped {ahead_h:.1f} h after the programme "
                    f"office's time (limit {FUTURE_LIMIT_MS // 3_600_000} h); correct the "
                    "tablet's date and time")))
                continue
            if owner is None and op["visit_id"] not in creators:
                results.append(_reject(op_id, "visit_unknown", (
                    f"visit {op['visit_id']} is not on the programme office yet: it goes "
                    "with the change that created it")))
                continue
            slot = (op["device_id"], op["seq"])
            holder = taken.get(slot)
            if holder is not None and holder != op_id:
                results.append(_reject(op_id, "seq_taken", (
                    f"change number {op['seq']} of this tablet is already used by another "
                    "change: the tablet was restored from a backup or copied")))
                continue
            if owner is None:
                owners[op["visit_id"]] = team
                claimed.append({"visit_id": op["visit_id"], "team": team,
                                "first_pushed_by": principal.id, "created_at": received,
                                "updated_at": received})
            seen.add(op_id)
            taken[slot] = op_id
            highest = max(highest, op["hlc"])
            row = {
                "op_id": op_id, "visit_id": op["visit_id"], "team": team,
                "device_id": op["device_id"], "pushed_by": principal.id, "seq": op["seq"],
                "hlc": op["hlc"], "entity": op["entity"], "entity_id": op["entity_id"],
                "field": op["field"], "value": op["value"],
                "prev_op_id": op.get("prev_op_id"), "author": op.get("author"),
                "confirmed": op.get("confirmed", False), "received_at": received,
                "sig": op.get("sig"),
            }
            rows.append(row)
            key = (op["visit_id"], op["entity"], op["entity_id"], op["field"])
            best = winners.get(key)
            if best is None or (row["hlc"], row["device_id"]) > (best["hlc"], best["device_id"]):
                winners[key] = row
            results.append({"op_id": op_id, "status": "applied", "reason": None})
        if claimed:
            conn.execute(t.visits.insert(), claimed)
        if rows:
            _insert_ops(conn, rows)
            _merge_fields(conn, list(winners.values()))
            read_models.refresh(conn, {key[:3] for key in winners})  # same transaction
            if office_signer is not None:
                office_ops.announce_new_actions(conn, office_signer, team, winners, now_ms=now,
                                                now_iso=received)
            for chunk in _chunks(list({r["visit_id"] for r in rows})):
                conn.execute(update(t.visits).where(t.visits.c.visit_id.in_(chunk))
                             .values(updated_at=received))
            _advance_team_clock(conn, team, highest)
        conn.execute(update(t.devices).where(t.devices.c.id == principal.id).values(
            last_seen=received))
        clock = conn.execute(select(t.team_clocks.c.hlc).where(
            t.team_clocks.c.team == team)).scalar()
    return results, max(int(clock or 0), hlc_mod.pack(now, 0))


def _bind_own_legacy_id(conn: Any, principal: Principal, own_device: str | None,
                        received: str) -> None:
    """Bind the legacy device id a tablet presents as its own (`X-Visitapp-Device`) to
    its record, as before signing: the first office device to present it, taken over by
    a later one of the same team (a tablet enrolled again), refused for another team. A
    key's device id is bound only by registering the key (sync.server.keys)."""
    if own_device is None:
        return
    if own_device.startswith(signing.OFFICE_PREFIX):
        raise Forbidden("a tablet cannot present itself as the programme office")
    if own_device.startswith(signing.DEVICE_PREFIX):
        owner = keys.key_owners(conn, [own_device]).get(own_device)
        if owner is not None and owner.team != principal.team:
            raise Forbidden("this tablet's identity is registered to another team: "
                            "ask the programme office")
        return
    o = t.origins.c
    row = conn.execute(select(o.team, o.office_device).where(
        o.device_id == own_device)).first()
    if row is None:
        conn.execute(_insert(conn, t.origins).values(
            device_id=own_device, team=principal.team, office_device=principal.id,
            bound_at=received).on_conflict_do_nothing(index_elements=["device_id"]))
    elif row.team != principal.team:
        raise Forbidden("this tablet's identity is registered to another team: "
                        "ask the programme office")
    elif row.office_device != principal.id:
        conn.execute(update(t.origins).where(o.device_id == own_device).values(
            office_device=principal.id, bound_at=received))


def _no_office_key() -> OfficeKey:
    """Stands in when a caller (a test, a tool) pushes without the office's key: no op
    can then claim to be the office's (its id cannot match a key nobody holds)."""
    return OfficeKey(b"", "")


def _advance_team_clock(conn: Any, team: str, highest: int) -> None:
    """Each team's clock moves on its own: one team's stamps cannot drag another's."""
    conn.execute(_insert(conn, t.team_clocks).values(team=team, hlc=highest)
                 .on_conflict_do_nothing(index_elements=["team"]))
    conn.execute(update(t.team_clocks).where(
        t.team_clocks.c.team == team, t.team_clocks.c.hlc < highest).values(hlc=highest))


def _taken_seqs(conn: Any, ops: Sequence[dict[str, Any]]) -> dict[tuple[str, int], str]:
    """(device id, seq) -> op id already stored, for the devices and seq range of a batch."""
    ranges: dict[str, tuple[int, int]] = {}
    for op in ops:
        low, high = ranges.get(op["device_id"], (op["seq"], op["seq"]))
        ranges[op["device_id"]] = (min(low, op["seq"]), max(high, op["seq"]))
    found: dict[tuple[str, int], str] = {}
    c = t.ops.c
    for device, (low, high) in ranges.items():
        for row in conn.execute(select(c.seq, c.op_id).where(
                c.device_id == device, c.seq >= low, c.seq <= high)):
            found[(device, int(row.seq))] = row.op_id
    return found


OP_INSERT_COLUMNS = ("op_id", "visit_id", "team", "device_id", "pushed_by", "seq", "hlc",
                     "entity", "entity_id", "field", "value", "prev_op_id", "author",
                     "confirmed", "received_at", "sig")
FIELD_COLUMNS = ("visit_id", "entity", "entity_id", "field", "op_id", "hlc", "device_id",
                 "value")


def _insert_ops(conn: Any, rows: list[dict[str, Any]]) -> None:
    if is_postgres(conn):
        # COPY: the fastest way into PostgreSQL; duplicates were already sorted out under
        # the push lock, so nothing here can conflict.
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY ops ({', '.join(OP_INSERT_COLUMNS)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(r[c] for c in OP_INSERT_COLUMNS))
        return
    # Plain DBAPI executemany: building SQLAlchemy parameters per row cost a third of a
    # push (the target is 20,000 ops/s over HTTP).
    conn.exec_driver_sql(
        f"INSERT INTO ops ({', '.join(OP_INSERT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(OP_INSERT_COLUMNS))})",
        [tuple(r[c] for c in OP_INSERT_COLUMNS) for r in rows])


def _existing(conn: Any, column: Any, values: list[str], *extra: Any,
              where: Any = None) -> list[Any]:
    """Rows whose `column` is one of `values` (one array parameter on PostgreSQL)."""
    found: list[Any] = []
    if not values:
        return found
    if is_postgres(conn):
        # One text parameter split by the server and joined on the index: dumping a
        # Python list as an array, or `= ANY(array)`, cost more than the rest of a push.
        # Ids never contain a comma (see sync.protocol.Ident).
        wanted = (select(func.unnest(func.string_to_array(",".join(values), ",")).label("id"))
                  .subquery())
        query = select(column, *extra).join_from(wanted, column.table, column == wanted.c.id)
        return list(conn.execute(query if where is None else query.where(where)))
    for chunk in _chunks(values):
        query = select(column, *extra).where(column.in_(chunk))
        found.extend(conn.execute(query if where is None else query.where(where)))
    return found


FIELD_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS field_stage (visit_id text, entity text, "
    "entity_id text, field text, op_id text, hlc bigint, device_id text COLLATE \"C\", "
    "value text) ON COMMIT DELETE ROWS")


MERGE_TAIL = (
    "ON CONFLICT (visit_id, entity, entity_id, field) DO UPDATE SET "
    "op_id = excluded.op_id, hlc = excluded.hlc, device_id = excluded.device_id, "
    "value = excluded.value "
    "WHERE excluded.hlc > field_state.hlc OR (excluded.hlc = field_state.hlc "
    "AND excluded.device_id > field_state.device_id)")


def _merge_fields(conn: Any, rows: list[dict[str, Any]]) -> None:
    """Per-field last writer wins by (hlc, device id), whatever the entity is.

    `rows` holds at most one op per field (the batch's best), so one upsert per field.
    """
    columns = ", ".join(FIELD_COLUMNS)
    if is_postgres(conn):
        conn.exec_driver_sql(FIELD_STAGE)
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY field_stage ({columns}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(r[c] for c in FIELD_COLUMNS))
        conn.exec_driver_sql(f"INSERT INTO field_state ({columns}) SELECT {columns} "
                             f"FROM field_stage {MERGE_TAIL}")
        return
    conn.exec_driver_sql(
        f"INSERT INTO field_state ({columns}) VALUES ({', '.join('?' * len(FIELD_COLUMNS))}) "
        f"{MERGE_TAIL}", [tuple(r[c] for c in FIELD_COLUMNS) for r in rows])


PULL_COLUMNS = (t.ops.c.server_seq, t.ops.c.op_id, t.ops.c.visit_id, t.ops.c.device_id,
                t.ops.c.seq, t.ops.c.hlc, t.ops.c.entity, t.ops.c.entity_id, t.ops.c.field,
                t.ops.c.value, t.ops.c.prev_op_id, t.ops.c.author, t.ops.c.confirmed,
                t.ops.c.sig)


@dataclass(frozen=True)
class PullPage:
    """A page of ops and what a tablet needs with it, all read in one transaction."""

    ops: list[dict[str, Any]]
    cursor: int  # the next page's `after`
    has_more: bool
    keys: dict[str, str]  # device id -> public key, for the page's signed ops
    team_hlc: int  # the highest HLC accepted from the caller's team (every team's: office)


def pull_page(engine: Engine, principal: Principal, *, after: int, limit: int,
              office: OfficeKey) -> PullPage:
    """Ops after the cursor, in server order, with the keys to check them and the team's
    clock, in one transaction (one connection from the pool, not one per part).

    A tablet's pull sends only the visits it holds or that are in progress
    (`sync.server.holds.pull`); an office token reads every team's ops.
    """
    def page(conn: Any, rows: list[dict[str, Any]]) -> PullPage:
        ops = rows[:limit]
        return PullPage(ops, ops[-1]["server_seq"] if ops else after, len(rows) > limit,
                        _page_keys_in(conn, ops, office), _server_hlc_in(conn, principal.team))

    if not principal.is_office:
        return holds.pull(engine, principal, after=after, limit=limit, then=page)
    query = (select(*PULL_COLUMNS).where(t.ops.c.server_seq > after)
             .order_by(t.ops.c.server_seq).limit(limit + 1))
    with read(engine) as conn:
        lock_for_all_teams_pull(conn)  # pushes of several teams may be in flight
        rows = [dict(r._mapping) for r in conn.execute(query)]
        for r in rows:
            r["confirmed"] = bool(r["confirmed"])
        return page(conn, rows)


def pull(engine: Engine, principal: Principal, *, after: int,
         limit: int) -> tuple[list[dict[str, Any]], int, bool]:
    """`pull_page`'s (ops, next cursor, has_more), for callers that need only those."""
    got = pull_page(engine, principal, after=after, limit=limit, office=_no_office_key())
    return got.ops, got.cursor, got.has_more


def page_keys(engine: Engine, rows: Sequence[dict[str, Any]],
              office: OfficeKey) -> dict[str, str]:
    """The public keys a tablet needs to check a page of ops: of every device whose signed
    ops are in it, and the office's own when the page holds ops the office made."""
    with read(engine) as conn:
        return _page_keys_in(conn, rows, office)


def _page_keys_in(conn: Any, rows: Sequence[dict[str, Any]],
                  office: OfficeKey) -> dict[str, str]:
    signed = {r["device_id"] for r in rows if r["sig"] is not None}
    found: dict[str, str] = {}
    if office.device_id in signed:
        found[office.device_id] = office.public_key
    for device_id, owner in keys.key_owners(conn, signed).items():
        found[device_id] = owner.public_key
    return found


def field_values(engine: Engine, visit_id: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    """The merged state of a visit: (entity, id, field) -> (op id, value). For tests."""
    fs = t.field_state.c
    with read(engine) as conn:
        rows = conn.execute(select(fs.entity, fs.entity_id, fs.field, fs.op_id, fs.value)
                            .where(fs.visit_id == visit_id)).all()
    return {(r.entity, r.entity_id, r.field): (r.op_id, r.value) for r in rows}


def visits_by_team(engine: Engine) -> list[dict[str, Any]]:
    """Every synced visit with its team, op count and, where known, system and date."""
    fs = t.field_state.c

    def visit_field(name: str) -> Any:
        return (select(fs.value).where(fs.visit_id == t.visits.c.visit_id,
                                       fs.entity == "visit",
                                       fs.entity_id == t.visits.c.visit_id,
                                       fs.field == name).scalar_subquery())

    ops_count = (select(func.count()).select_from(t.ops)
                 .where(t.ops.c.visit_id == t.visits.c.visit_id).scalar_subquery())
    query = select(t.visits.c.visit_id, t.visits.c.team, t.visits.c.updated_at,
                   visit_field("system").label("system"), visit_field("date").label("date"),
                   ops_count.label("ops")).order_by(t.visits.c.team, t.visits.c.visit_id)
    with read(engine) as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


# --- blobs -----------------------------------------------------------------------------

def put_blob(engine: Engine, principal: Principal, sha256: str, data: bytes,
             content_type: str) -> str:
    """Store bytes named by their SHA-256 (re-hashed here); 'stored' or 'duplicate'."""
    team = _device_writer(principal)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise BlobMismatch(f"the upload's SHA-256 is {actual[:12]}…, not {sha256[:12]}…: "
                           "truncated or corrupted on the way; nothing stored")
    problem = blob_types.type_problem(content_type, data)
    if problem:
        raise UnsupportedType(problem)
    content_type = blob_types.normalised(content_type)
    with write(engine) as conn:
        stored = conn.execute(_insert(conn, t.blobs).values(
            sha256=sha256, size=len(data), content_type=content_type[:100], data=data,
            created_at=utc_now()).on_conflict_do_nothing(index_elements=["sha256"]))
        conn.execute(_insert(conn, t.blob_teams).values(sha256=sha256, team=team)
                     .on_conflict_do_nothing(index_elements=["sha256", "team"]))
    return "stored" if stored.rowcount else "duplicate"


def get_blob(engine: Engine, principal: Principal, sha256: str,
             with_data: bool = True) -> tuple[bytes | None, str, int]:
    cols = [t.blobs.c.content_type, t.blobs.c.size] + ([t.blobs.c.data] if with_data else [])
    query = select(*cols).where(t.blobs.c.sha256 == sha256)
    if not principal.is_office:
        query = query.where(select(t.blob_teams.c.sha256).where(
            t.blob_teams.c.sha256 == sha256, t.blob_teams.c.team == principal.team).exists())
    with read(engine) as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no file {sha256[:12]}… for this team")
    return (row.data if with_data else None), row.content_type, int(row.size)
