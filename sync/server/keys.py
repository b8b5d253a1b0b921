"""Tablet keys on the office: registration with a proof, and who may have made an op.

A tablet registers its Ed25519 public key through its own token (`register`), proving it
holds the private key by signing a statement that names this office device record and
the office's own key (`signing.registration_statement`), so a key seen in a bundle or a
pull cannot be registered by anyone else, and a proof made for one office or device
record is no good for another. The key-derived device id is then bound to that record
and its team (`device_keys`). A record may register several keys over time: a tablet
restored from a backup takes a new key, and the old key's ops stay valid.

The tablet also names its legacy device ids (the ids of ops it made before signing);
each is bound to the record as `origins` were before (the first record to present it,
taken over by a later record of the same team, never by another team).

`origin_problem` then says, per pushed op, whether the pusher may hand it in:
- a signed op: its key registered, of the pusher's team, and its signature good;
- a legacy op: its device id bound to the pusher's own record (a legacy op relayed by a
  team-mate waits for its maker to send it);
- an op claiming the office's device id: from nobody (held already: a duplicate).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update

from sync.server import tables as t
from sync.server.auth import Principal
from sync.server.db import read, write
from sync.server.office_key import OfficeKey
from visitapp.domain import signing
from visitapp.domain.op_schema import IDENT

MAX_LEGACY_IDS = 100


class RegistrationRefused(Exception):
    """Registration refused; `status` is the HTTP status, the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class KeyOwner:
    public_key: str
    team: str
    office_device: str


@dataclass(frozen=True)
class LegacyOwner:
    team: str
    office_device: str


def enrolment(principal: Principal, office: OfficeKey) -> dict[str, Any]:
    """What a tablet needs to prove its key: the record it speaks for and the office key."""
    return {"office_device": principal.id, "team": principal.team,
            "office_public_key": office.public_key, "office_device_id": office.device_id,
            "statement": signing.registration_statement(principal.id, office.public_key)}


def register(engine: Engine, principal: Principal, office: OfficeKey, *, public_key: Any,
             proof: Any, legacy_device_ids: Any, received: str) -> dict[str, Any]:
    """Bind a tablet's public key (and its legacy device ids) to the caller's record."""
    if principal.is_office or principal.team is None:
        raise RegistrationRefused(403, "an office token cannot register a tablet key")
    problem = signing.public_key_problem(public_key)
    if problem:
        raise RegistrationRefused(422, f"public_key: {problem}")
    statement = signing.registration_statement(principal.id, office.public_key)
    problem = signing.proof_problem(public_key, statement, proof)
    if problem:
        raise RegistrationRefused(422, f"proof: {problem} (it must sign this office's statement "
                             "for this tablet's token; see GET /v1/enrolment)")
    legacy = _legacy_ids(legacy_device_ids)
    device_id = signing.device_id_for(public_key)
    k = t.device_keys.c
    with write(engine) as conn:
        row = conn.execute(select(k.team, k.office_device).where(
            k.device_id == device_id)).first()
        if row is None:
            conn.execute(t.device_keys.insert().values(
                device_id=device_id, public_key=public_key, team=principal.team,
                office_device=principal.id, registered_at=received))
        elif row.team != principal.team:
            raise RegistrationRefused(403, "this tablet's key is registered to another team: ask the "
                                 "programme office")
        elif row.office_device != principal.id:
            # The same tablet enrolled again with a new token of its team.
            conn.execute(update(t.device_keys).where(k.device_id == device_id).values(
                office_device=principal.id, registered_at=received))
        bound = _bind_legacy(conn, principal, legacy, received)
    return {"device_id": device_id, "office_public_key": office.public_key,
            "office_device_id": office.device_id, "legacy_bound": bound}


def _legacy_ids(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_LEGACY_IDS:
        raise RegistrationRefused(422, f"legacy_device_ids: a list of at most {MAX_LEGACY_IDS} ids")
    for item in value:
        if not isinstance(item, str) or not IDENT.fullmatch(item):
            raise RegistrationRefused(422, "legacy_device_ids: each is an id (letters, digits, ._:-)")
        if item.startswith((signing.DEVICE_PREFIX, signing.OFFICE_PREFIX)):
            raise RegistrationRefused(422, f"legacy_device_ids: {item[:40]} is a key's id, not a "
                                 "legacy one")
    return sorted(set(value))


def _bind_legacy(conn: Any, principal: Principal, ids: Sequence[str],
                 received: str) -> list[str]:
    """Bind legacy device ids to the caller's record as `origins` always were."""
    o = t.origins.c
    bound: list[str] = []
    for device_id in ids:
        row = conn.execute(select(o.team, o.office_device).where(
            o.device_id == device_id)).first()
        if row is None:
            conn.execute(t.origins.insert().values(
                device_id=device_id, team=principal.team, office_device=principal.id,
                bound_at=received))
        elif row.team != principal.team:
            continue  # another team's tablet: its ops stay refused (foreign_origin)
        elif row.office_device != principal.id:
            conn.execute(update(t.origins).where(o.device_id == device_id).values(
                office_device=principal.id, bound_at=received))
        bound.append(device_id)
    return bound


def key_owners(conn: Any, device_ids: Iterable[str]) -> dict[str, KeyOwner]:
    from sync.server.store import _existing  # one id lookup for both databases

    k = t.device_keys.c
    wanted = sorted({d for d in device_ids if d.startswith(signing.DEVICE_PREFIX)})
    return {r[0]: KeyOwner(r[1], r[2], r[3]) for r in _existing(
        conn, k.device_id, wanted, k.public_key, k.team, k.office_device)}


def legacy_owners(conn: Any, device_ids: Iterable[str]) -> dict[str, LegacyOwner]:
    from sync.server.store import _existing

    o = t.origins.c
    wanted = sorted(set(device_ids))
    return {r[0]: LegacyOwner(r[1], r[2]) for r in _existing(
        conn, o.device_id, wanted, o.team, o.office_device)}


def registered_by(engine: Engine, principal: Principal) -> list[str]:
    """The key-derived device ids registered through this record (for tests and tools)."""
    k = t.device_keys.c
    with read(engine) as conn:
        return [r[0] for r in conn.execute(select(k.device_id).where(
            k.office_device == principal.id).order_by(k.registered_at, k.device_id))]


# --- who may hand in an op ------------------------------------------------------------

WAIT_FOR_KEY = ("made on a tablet whose key the programme office does not know yet: that "
                "tablet registers it at its next sync")
WAIT_FOR_MAKER = ("made before signing on another tablet of the team: that tablet will "
                  "send it itself")


def origin_problems(ops: Sequence[dict[str, Any]], held: set[str], principal: Principal,
                    team: str, keys: dict[str, KeyOwner], legacy: dict[str, LegacyOwner],
                    office: OfficeKey) -> list[tuple[str, str] | None]:
    """`origin_problem` for a batch, in order, with the signatures checked all at once
    (on every core: signing.verify_all). An op the team holds already (`held`) is a
    duplicate: it is not checked again."""
    verdicts: list[tuple[str, str] | None] = []
    signed: list[int] = []
    for i, op in enumerate(ops):
        verdict = None if op["op_id"] in held else origin_problem(
            op, principal, team, keys, legacy, office, check_signature=False)
        verdicts.append(verdict)
        if (verdict is None and op["op_id"] not in held and op.get("sig") is not None
                and op["device_id"] in keys):
            signed.append(i)
    checked = signing.verify_all([(ops[i], keys[ops[i]["device_id"]].public_key,
                                   signing.DEVICE_PREFIX) for i in signed])
    for i, problem in zip(signed, checked, strict=True):
        if problem:
            verdicts[i] = ("forged", f"not genuine: {problem}")
    return verdicts


def origin_problem(op: dict[str, Any], principal: Principal, team: str,
                   keys: dict[str, KeyOwner], legacy: dict[str, LegacyOwner],
                   office: OfficeKey, *, check_signature: bool = True,
                   ) -> tuple[str, str] | None:
    """(code, reason) when the pusher may not hand this op in, or None when it may."""
    device_id = op["device_id"]
    signed = op.get("sig") is not None
    if device_id.startswith(signing.OFFICE_PREFIX):
        if device_id != office.device_id:
            return "forged", "claims to be made by a programme office that is not this one"
        return "forged", ("claims to be made by the programme office: only the office makes "
                          "those, and tablets do not send them back")
    if device_id.startswith(signing.DEVICE_PREFIX):
        if not signed and signing.signing_enabled():  # (off: the bench's baseline only)
            return "forged", "not signed, but its tablet id is one made from a key"
        owner = keys.get(device_id)
        if owner is None:
            return "origin_unknown", WAIT_FOR_KEY
        if owner.team != team:
            return "foreign_origin", ("made on a tablet of another team: a visit handed over "
                                      "by bundle stays with the team that made it")
        problem = signing.verify(op, owner.public_key) if check_signature else None
        if problem:
            return "forged", f"not genuine: {problem}"
        return None
    if signed:
        return "invalid", "signed, but its tablet id is not one made from a key"
    origin = legacy.get(device_id)
    if origin is None:
        return "origin_unknown", WAIT_FOR_MAKER
    if origin.team != team:
        return "foreign_origin", ("made on a tablet of another team: a visit handed over by "
                                  "bundle stays with the team that made it")
    if origin.office_device != principal.id:
        return "origin_unknown", WAIT_FOR_MAKER
    return None
