"""The tablet's keys: its own (in `device`), other devices' (`device_keys`), the office's.

Every op a tablet receives (a pulled page, a bundle) is checked here before it is
applied (`received_problem`): a signed op against the public key of the device it names
(keys travel with the ops; they are self-certifying, since a device id derives from its
key), an op made by the office against the office key pinned at enrolment. A legacy op
(made before signing, no `sig`) is taken as it comes: the office accepted it only from
the tablet that made it, and vouches for it. What fails is quarantined with the reason.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from visitapp.domain import signing

NOT_ENROLLED = "made by the programme office, but this tablet is not enrolled with it"


def own_identity(conn: sqlite3.Connection) -> tuple[str, bytes]:
    """(device id, private key) of this tablet."""
    device_id, private_key = conn.execute("SELECT id, private_key FROM device").fetchone()
    return str(device_id), bytes(private_key)


def legacy_device_ids(conn: sqlite3.Connection) -> list[str]:
    """Ids this tablet made ops under before it signed them (the office binds them to
    its record at registration, so it accepts those ops from this tablet only)."""
    return [r[0] for r in conn.execute(
        "SELECT device_id FROM device_history WHERE device_id NOT LIKE 'k-%' "
        "ORDER BY replaced_at, device_id")]


def office_key(conn: sqlite3.Connection) -> str | None:
    return conn.execute("SELECT office_public_key FROM sync_state WHERE id = 1").fetchone()[0]


def registered_device_id(conn: sqlite3.Connection) -> str | None:
    return conn.execute("SELECT registered_device_id FROM sync_state WHERE id = 1").fetchone()[0]


def record_registration(conn: sqlite3.Connection, device_id: str, office_public_key: str,
                        ) -> None:
    conn.execute("UPDATE sync_state SET registered_device_id = ?, office_public_key = ? "
                 "WHERE id = 1", (device_id, office_public_key))


def store_keys(conn: sqlite3.Connection, keys: Mapping[str, str]) -> None:
    """Keep the public keys that belong to the ids they come with (others are ignored:
    an op naming such an id then fails its check)."""
    good = [(device_id, key) for device_id, key in keys.items()
            if isinstance(device_id, str) and isinstance(key, str)
            and signing.public_key_problem(key) is None
            and signing.device_id_for(key) == device_id]
    conn.executemany("INSERT OR IGNORE INTO device_keys (device_id, public_key) VALUES (?, ?)",
                     good)


def keys_for(conn: sqlite3.Connection, device_ids: Iterable[str]) -> dict[str, str]:
    """Public keys known here for these device ids (this tablet's own included)."""
    wanted = sorted({d for d in device_ids if d.startswith(signing.DEVICE_PREFIX)})
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        found.update(conn.execute(
            f"SELECT device_id, public_key FROM device_keys WHERE device_id IN "
            f"({','.join('?' * len(chunk))})", chunk).fetchall())
    own, private = own_identity(conn)
    if own in wanted and own not in found:
        found[own] = signing.public_key_of(private)
    return found


def received_problems(ops: Sequence[Mapping[str, Any]], keys: Mapping[str, str],
                      office_public_key: str | None) -> list[str | None]:
    """`received_problem` for many ops, in order, the signatures checked all at once (on
    every core: signing.verify_all)."""
    problems: list[str | None] = []
    to_check: list[tuple[int, str, str]] = []
    for i, op in enumerate(ops):
        problem = received_problem(op, keys, office_public_key, check_signature=False)
        problems.append(problem)
        if problem is None and signing.is_signed(op):
            if op["device_id"].startswith(signing.OFFICE_PREFIX):
                to_check.append((i, office_public_key or "", signing.OFFICE_PREFIX))
            else:
                to_check.append((i, keys[op["device_id"]], signing.DEVICE_PREFIX))
    checked = signing.verify_all([(ops[i], key, prefix) for i, key, prefix in to_check])
    for (i, _key, prefix), problem in zip(to_check, checked, strict=True):
        if problem:
            problems[i] = (f"claims to be made by the programme office, but {_said(problem)}"
                           if prefix == signing.OFFICE_PREFIX else f"not genuine: {problem}")
    return problems


def received_problem(op: Mapping[str, Any], keys: Mapping[str, str],
                     office_public_key: str | None, *,
                     check_signature: bool = True) -> str | None:
    """Why a received, well-formed op is not genuine, in words, or None when it is
    (`check_signature=False`: everything but the signature itself)."""
    if not signing.signing_enabled():
        return None  # the sync benchmark's unsigned baseline
    device_id = op["device_id"]
    signed = signing.is_signed(op)
    if device_id.startswith(signing.OFFICE_PREFIX):
        if office_public_key is None:
            return NOT_ENROLLED
        if not signed:
            return "claims to be made by the programme office, but is not signed"
        if not check_signature:
            return None
        problem = signing.verify(op, office_public_key, signing.OFFICE_PREFIX)
        return f"claims to be made by the programme office, but {_said(problem)}" \
            if problem else None
    if device_id.startswith(signing.DEVICE_PREFIX):
        if not signed:
            return "not signed, but its tablet id is one made from a key"
        key = keys.get(device_id)
        if key is None:
            return "signed by a tablet whose key did not come with it"
        if not check_signature:
            return None
        problem = signing.verify(op, key)
        return f"not genuine: {problem}" if problem else None
    if signed:
        return "signed, but its tablet id is not one made from a key"
    return None  # a legacy op, vouched for by the office (or the bundle's maker)


def _said(problem: str) -> str:
    return problem.replace("signed with a key that is not its tablet's",
                           "it is not signed with the office's key")

