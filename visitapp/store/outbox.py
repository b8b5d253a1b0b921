"""The tablet's side of sync in SQL: what to send, what was sent, the cursor, quarantine.

The sync engine (`sync.client`) drives this through its `Outbox` protocol and writes no
SQL itself. Ops cross this boundary as wire dicts (`OpRecord.as_dict`).

Quarantine (`sync_quarantine`, migration 0005): an op received from the office or a
bundle that this tablet cannot apply (not well formed, its (device, seq) already taken by
another op, ...) is kept here whole with its reason, never dropped and never applied, so
one bad op cannot stop the rest of a page or the cursor. It is device-local: nothing in
it reaches the visit's state, `visits show --json` or another tablet.

Identity (`renew_identity`): a tablet restored from a backup, or a copy of one, re-uses
change numbers (device id, seq) the office already holds from it. When that shows, the
tablet takes a new device id and renumbers what it has not sent yet under it; its sent
ops keep theirs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from visitapp.domain import signing
from visitapp.store import op_keys, oplog, sync_state
from visitapp.store.blob_refs import referenced_blobs, refs_of_op
from visitapp.store.db import Database, utc_now
from visitapp.store.oplog import OP_COLUMNS, OpRecord

CHUNK = 500
_PENDING = (f"SELECT rowid, {', '.join(OP_COLUMNS)} FROM ops WHERE pushed = 0 AND rowid > ? "
            "AND op_id NOT IN (SELECT op_id FROM sync_rejections) ORDER BY rowid LIMIT ?")


class TabletOutbox:
    """The sync engine's view of one tablet database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def device_id(self) -> str:
        with self.db.read() as conn:
            return str(conn.execute("SELECT id FROM device").fetchone()[0])

    # --- push --------------------------------------------------------------------------

    def pending_batch(self, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Unsent ops after a position, oldest first, leaving out refused ones:
        (position, op) pairs; pass the last position taken as `after` next time."""
        with self.db.read() as conn:
            rows = conn.execute(_PENDING, (after, limit)).fetchall()
        return [(row[0], OpRecord.from_row(row[1:]).as_dict()) for row in rows]

    def settle(self, pushed: Sequence[str], rejected: Sequence[tuple[str, str]]) -> None:
        """Record the office's answer: ops it holds now, and ops it refused (kept here)."""
        with self.db.write() as conn:
            for op_id, reason in rejected:
                sync_state.reject(conn, op_id, reason)
            _mark_pushed(conn, pushed)

    def renew_identity(self, reason: str) -> tuple[str, int]:
        """Take a new key pair and the device id it makes; sign the unsent ops of the old
        identity again under it, with new change numbers (their ids stay: an op id does
        not cover its device or number, see visitapp.domain.signing).

        Returns (new device id, ops renumbered). Their refusals are forgotten, so they go
        again at once. Sent ops keep their numbers: the office holds them as they are.
        The new key is registered with the office before they are sent (sync.client).
        """
        private = signing.new_private_key()
        new = signing.device_id_for(signing.public_key_of(private))
        with self.db.write() as conn:
            old = conn.execute("SELECT id FROM device").fetchone()[0]
            rows = conn.execute(f"SELECT rowid, {', '.join(OP_COLUMNS)} FROM ops "
                                "WHERE device_id = ? AND pushed = 0 ORDER BY rowid",
                                (old,)).fetchall()
            conn.execute("UPDATE device SET id = ?, next_seq = ?, private_key = ?",
                         (new, len(rows) + 1, private))
            conn.execute("INSERT OR IGNORE INTO device_keys (device_id, public_key) VALUES "
                         "(?, ?)", (new, signing.public_key_of(private)))
            updates = []
            before: tuple[str, str | None] | None = None  # each linked to the one before
            for seq, row in enumerate(rows, 1):
                op = OpRecord.from_row(row[1:]).as_dict()
                resealed = signing.seal(private, {**op, "device_id": new, "seq": seq},
                                        after=before)
                if resealed["op_id"] != op["op_id"]:
                    resealed["sig"] = None  # a legacy id stays; unsigned (bench baseline)
                before = (resealed["op_id"], resealed.get("sig"))
                updates.append((new, seq, resealed.get("sig"), row[0]))
            conn.executemany("UPDATE ops SET device_id = ?, seq = ?, sig = ? WHERE rowid = ?",
                             updates)
            ids = [row[1] for row in rows]
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i:i + CHUNK]
                marks = ",".join("?" * len(chunk))
                conn.execute(f"UPDATE field_clock SET device_id = ? WHERE op_id IN ({marks})",
                             [new, *chunk])
                conn.execute(f"DELETE FROM sync_rejections WHERE op_id IN ({marks})", chunk)
            conn.execute("INSERT INTO device_history (device_id, replaced_by, reason, "
                         "replaced_at) VALUES (?, ?, ?, ?)", (old, new, reason, utc_now()))
        self.db.device_id = new
        return new, len(rows)

    # --- the tablet's key and the office's ---------------------------------------------

    def registration_needed(self) -> bool:
        """True until this tablet's current key is registered with the office (a new
        enrolment, a tablet from before signing, a new identity) and its key pinned."""
        with self.db.read() as conn:
            own, _ = op_keys.own_identity(conn)
            return (op_keys.registered_device_id(conn) != own
                    or op_keys.office_key(conn) is None)

    def prove_key(self, statement: str) -> tuple[str, str, list[str]]:
        """(public key, proof of holding its private key, legacy device ids)."""
        with self.db.read() as conn:
            _own, private = op_keys.own_identity(conn)
            legacy = op_keys.legacy_device_ids(conn)
        return signing.public_key_of(private), signing.prove(private, statement), legacy

    def pinned_office_key(self) -> str | None:
        with self.db.read() as conn:
            return op_keys.office_key(conn)

    def record_registration(self, device_id: str, office_public_key: str) -> None:
        with self.db.write() as conn:
            op_keys.record_registration(conn, device_id, office_public_key)

    # --- pull --------------------------------------------------------------------------

    def cursor(self) -> int:
        with self.db.read() as conn:
            return sync_state.get_state(conn).cursor

    def apply_page(self, ops: Sequence[dict[str, Any]], bad: Sequence[tuple[Any, str]],
                   cursor: int, keys: Mapping[str, str] | None = None) -> dict[str, int]:
        """Apply a pulled page and move the cursor past it, in one local transaction.

        `bad` holds ops that failed the op schema: they are quarantined. Of the rest, an op
        that is not genuine (its signature, see store.op_keys; `keys` are the public keys
        that came with the page) or cannot be applied here is quarantined too, and the
        page goes on. Counts:
        applied, duplicate, quarantined, and own_unknown (ops made under this tablet's
        device id that it does not have: it was restored from a backup or copied).
        """
        with self.db.write() as conn:
            counts = apply_guarded(self.db, conn, ops, bad, source="pull", keys=keys or {})
            _mark_pushed(conn, [op["op_id"] for op in ops])  # the office has them all
            sync_state.set_cursor(conn, cursor)
        return counts

    # --- what this tablet holds (issue 15) ----------------------------------------------

    def held_visits(self) -> list[str]:
        """Every visit this tablet holds: device-local, told to the office at each sync.

        A visit with a row, and any visit with ops (a page may bring an answer before its
        visit's own fields), found a step at a time down the ops' visit index: a handful
        of lookups per visit, whatever the length of the op-log."""
        with self.db.read() as conn:
            held = {v for (v,) in conn.execute("SELECT id FROM visits")}
            last = conn.execute("SELECT MIN(visit_id) FROM ops").fetchone()[0]
            while last is not None:
                held.add(last)
                last = conn.execute("SELECT MIN(visit_id) FROM ops WHERE visit_id > ?",
                                    (last,)).fetchone()[0]
        return sorted(held)

    def apply_snapshot(self, ops: Sequence[dict[str, Any]], bad: Sequence[tuple[Any, str]],
                       keys: Mapping[str, str] | None = None) -> dict[str, int]:
        """Apply a fetched visit's snapshot through the same checks as a pulled page
        (`apply_guarded`), in one local transaction; the cursor does not move (the
        visit's later ops come by pull)."""
        with self.db.write() as conn:
            counts = apply_guarded(self.db, conn, ops, bad, source="fetch", keys=keys or {})
            _mark_pushed(conn, [op["op_id"] for op in ops])  # the office has them all
        return counts

    # --- attachments -------------------------------------------------------------------

    def blob_refs(self, ops: Iterable[dict[str, Any]]) -> list[str]:
        return sorted({sha for op in ops for sha in refs_of_op(OpRecord.from_dict(op))})

    def blobs_to_send(self, shas: Sequence[str]) -> dict[str, str]:
        """Of these files, those not yet sent: sha256 -> content type."""
        if not shas:
            return {}
        marks = ",".join("?" * len(shas))
        with self.db.read() as conn:
            done = {r[0] for r in conn.execute(
                f"SELECT sha256 FROM sync_blobs WHERE sha256 IN ({marks})", shas)}
            types = dict(conn.execute(
                f"SELECT sha256, content_type FROM blobs WHERE sha256 IN ({marks})", shas))
        return {sha: types.get(sha) or "application/octet-stream"
                for sha in shas if sha not in done}

    def mark_blob(self, sha256: str, state: str, detail: str | None = None) -> None:
        with self.db.write() as conn:
            sync_state.mark_blob(conn, sha256, state, detail)

    def referenced_blobs(self) -> set[str]:
        with self.db.read() as conn:
            return referenced_blobs(conn)

    def download_order(self) -> list[str]:
        """The files the held visits refer to, report-size copies of photos first (what
        the report and the screens show), then the feedback PDFs and the originals."""
        with self.db.read() as conn:
            wanted = referenced_blobs(conn)
            small = {sha for (sha,) in conn.execute(
                "SELECT report_sha256 FROM attachments WHERE COALESCE(deleted, 0) = 0 "
                "AND report_sha256 IS NOT NULL")}
        return sorted(wanted & small) + sorted(wanted - small)

    # --- how it went -------------------------------------------------------------------

    def record_attempt(self, *, ok: bool, error: str | None, clock_skew_ms: int | None) -> None:
        with self.db.write() as conn:
            sync_state.record_attempt(conn, ok=ok, error=error, clock_skew_ms=clock_skew_ms)


def apply_guarded(db: Database, conn: sqlite3.Connection, ops: Sequence[dict[str, Any]],
                  bad: Sequence[tuple[Any, str]], *, source: str,
                  keys: Mapping[str, str]) -> dict[str, int]:
    """Merge well-formed ops, quarantining those that are not genuine or cannot be
    applied; call in a write. `keys`: public keys that came with the ops (checked)."""
    counts = {"applied": 0, "duplicate": 0, "quarantined": 0, "own_unknown": 0}
    for op, reason in bad:
        counts["quarantined"] += quarantine(conn, op, reason, source)
    op_keys.store_keys(conn, keys)
    # An op held here already is a duplicate whatever it says: only new ones are checked.
    held = _known_ids(conn, [op["op_id"] for op in ops])
    new = [op for op in ops if op["op_id"] not in held]
    known_keys = op_keys.keys_for(conn, (op["device_id"] for op in new))
    problems = op_keys.received_problems(new, known_keys, op_keys.office_key(conn))
    refused: set[int] = set()
    for op, problem in zip(new, problems, strict=True):
        if problem:
            counts["quarantined"] += quarantine(conn, op, problem, source)
            refused.add(id(op))
    records = [OpRecord.from_dict(op) for op in ops if id(op) not in refused]
    own = conn.execute("SELECT id FROM device").fetchone()[0]
    known = _known_ids(conn, [r.op_id for r in records])
    taken = _taken_seqs(conn, records)
    fine: list[OpRecord] = []
    for record in records:
        if record.op_id in known:
            counts["duplicate"] += 1
            continue
        if record.device_id == own:
            counts["own_unknown"] += 1
        holder = taken.get((record.device_id, record.seq))
        if holder is not None and holder != record.op_id:
            counts["quarantined"] += quarantine(
                conn, record.as_dict(), f"change number {record.seq} of its tablet is already "
                "used by another change (a restored or copied tablet)", source)
            continue
        taken[(record.device_id, record.seq)] = record.op_id
        known.add(record.op_id)
        fine.append(record)
    try:
        conn.execute("SAVEPOINT page")
        merged = oplog.apply_ops(db, conn, fine)
        conn.execute("RELEASE page")
    except sqlite3.Error:
        # Something this check did not foresee: find the op(s) one at a time.
        conn.execute("ROLLBACK TO page")
        conn.execute("RELEASE page")
        merged = {"applied": 0, "duplicate": 0}
        for record in fine:
            conn.execute("SAVEPOINT one")
            try:
                one = oplog.apply_ops(db, conn, [record])
            except sqlite3.Error as err:
                conn.execute("ROLLBACK TO one")
                counts["quarantined"] += quarantine(conn, record.as_dict(),
                                                    f"cannot be applied here ({err})", source)
            else:
                merged["applied"] += one["applied"]
                merged["duplicate"] += one["duplicate"]
            conn.execute("RELEASE one")
    counts["applied"] += merged["applied"]
    counts["duplicate"] += merged["duplicate"]
    return counts


def quarantine(conn: sqlite3.Connection, op: Any, reason: str, source: str) -> int:
    """Keep an op this tablet will not apply, with why; 1 when it is new here."""
    try:
        text = json.dumps(op, sort_keys=True, ensure_ascii=False, default=repr)
    except (ValueError, RecursionError):
        text = repr(op)[:MAX_KEPT]
    op_id = op.get("op_id") if isinstance(op, dict) else None
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    return conn.execute(
        "INSERT OR IGNORE INTO sync_quarantine (digest, op_id, source, reason, op, "
        "quarantined_at) VALUES (?, ?, ?, ?, ?, ?)",
        (digest, op_id if isinstance(op_id, str) else None, source, reason[:500],
         text[:MAX_KEPT], utc_now())).rowcount


MAX_KEPT = 512 * 1024


def quarantined(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """(source, reason, how many): what this tablet set aside, grouped."""
    return conn.execute("SELECT source, reason, COUNT(*) FROM sync_quarantine "
                        "GROUP BY source, reason ORDER BY COUNT(*) DESC, reason").fetchall()


def _known_ids(conn: sqlite3.Connection, op_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(op_ids), CHUNK):
        chunk = op_ids[i:i + CHUNK]
        found.update(r[0] for r in conn.execute(
            f"SELECT op_id FROM ops WHERE op_id IN ({','.join('?' * len(chunk))})", chunk))
    return found


def _taken_seqs(conn: sqlite3.Connection, ops: Sequence[OpRecord]) -> dict[tuple[str, int], str]:
    ranges: dict[str, tuple[int, int]] = {}
    for op in ops:
        low, high = ranges.get(op.device_id, (op.seq, op.seq))
        ranges[op.device_id] = (min(low, op.seq), max(high, op.seq))
    found: dict[tuple[str, int], str] = {}
    for device, (low, high) in ranges.items():
        for seq, op_id in conn.execute("SELECT seq, op_id FROM ops WHERE device_id = ? AND "
                                       "seq BETWEEN ? AND ?", (device, low, high)):
            found[(device, seq)] = op_id
    return found


def _mark_pushed(conn: sqlite3.Connection, op_ids: Sequence[str]) -> None:
    for i in range(0, len(op_ids), CHUNK):
        chunk = op_ids[i:i + CHUNK]
        conn.execute(f"UPDATE ops SET pushed = 1 WHERE pushed = 0 AND op_id IN "
                     f"({','.join('?' * len(chunk))})", chunk)
