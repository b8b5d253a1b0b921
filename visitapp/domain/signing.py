"""Signed, content-addressed ops: who made an op, and that nobody changed it since.

Every device (a tablet, and the programme office for the ops it makes itself) holds an
Ed25519 key pair. Its device id is derived from its public key (`device_id_for`), so an id
and a key cannot be paired up by anyone who does not hold the private key: a public key
can travel with ops (in a pull, in a bundle) without being trusted.

An op's id is derived from its content (`op_id_for`): its visit, clock, entity, field,
value, the op it edits, author and confirmation. The signature (`sig`) covers the id,
the device id and the change number (seq) as well, so a relayed op proves which device
made it, and an op id cannot be reused for other content. The device id and seq are
left out of the op id on purpose: a tablet restored from a backup takes a new key and
re-signs its unsent ops under it without renaming them, so nothing that names an op
(`prev_op_id`, a resolution, a conflict) has to change.

Ops made before signing existed have random ids and no `sig`: they are legacy ops,
accepted only from the device that made them (see sync/README.md).

Chained seals. A device's op also names the one it made before (its seq - 1): `sig` is
the signature, then `.` and the link (`link_of`: a SHA-256 of that op's id and sig), and
the signature covers the link. So one good signature vouches for the whole run of a
device's ops before it, back to a gap, and `verify_all` checks a signature only at the
top of each run (a push, a pulled page, a bundle: consecutive ops of a few devices),
the rest by hashing (about 8 us against 74 us an op here). An op alone (a snapshot of
one visit) is checked by its own signature as before; ops sealed before chaining, and a
first op, carry no link.

`VISITAPP_BENCH_UNSIGNED=1` turns signing and checking off, for `bench/bench_sync.py`'s
baseline only: never set it anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

# The Ed25519 libraries (and the thread pool) are imported where keys are made, ops
# sealed or checked: every command opens the store, which imports this module, and one
# that only reads (`visitapp report`) would pay ~12 ms a start for them.
if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import nacl.signing
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

_ID_DOMAIN = "visitapp-op-id-v1"
_SIG_DOMAIN = b"visitapp-op-sig-v1\n"
_PROOF_DOMAIN = b"visitapp-key-proof-v1\n"
OP_ID_PREFIX = "s-"
DEVICE_PREFIX = "k-"
OFFICE_PREFIX = "office-"


def signing_enabled() -> bool:
    """False only in the sync benchmark's unsigned baseline."""
    return os.environ.get("VISITAPP_BENCH_UNSIGNED") != "1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(items: list[Any]) -> bytes:
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- keys ------------------------------------------------------------------------------

def new_private_key() -> bytes:
    """A new Ed25519 private key, as its 32 raw bytes (kept in the encrypted database)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                      NoEncryption())


@lru_cache(maxsize=64)
def _private(raw: bytes) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_of(private_raw: bytes) -> str:
    """The public key, base64url without padding (43 characters)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _b64(_private(private_raw).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def device_id_for(public_key: str, prefix: str = DEVICE_PREFIX) -> str:
    """The device id a public key stands for: 128 bits of its SHA-256."""
    return prefix + hashlib.sha256(_unb64(public_key)).hexdigest()[:32]


@lru_cache(maxsize=4096)
def _public(public_key: str) -> Ed25519PublicKey | None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw = _unb64(public_key)
        return Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else None
    except ValueError:
        return None


def public_key_problem(public_key: Any) -> str | None:
    if not isinstance(public_key, str) or len(public_key) != 43 or _public(public_key) is None:
        return "not an Ed25519 public key (43 characters of base64url)"
    return None


# --- ops -------------------------------------------------------------------------------

def op_id_for(op: Mapping[str, Any]) -> str:
    """The content-addressed id of an op (everything but its id, device, seq and sig)."""
    core = [_ID_DOMAIN, op["visit_id"], op["hlc"], op["entity"], op["entity_id"], op["field"],
            op["value"], op.get("prev_op_id"), op.get("author"), bool(op.get("confirmed"))]
    return OP_ID_PREFIX + hashlib.sha256(_canonical(core)).hexdigest()[:40]


def _signed_bytes(op: Mapping[str, Any], link: str | None) -> bytes:
    fields = [op["op_id"], op["visit_id"], op["device_id"], op["seq"], op["hlc"],
              op["entity"], op["entity_id"], op["field"], op["value"], op.get("prev_op_id"),
              op.get("author"), bool(op.get("confirmed"))]
    if link is not None:  # a seal made before chaining signed the fields alone
        fields.append(link)
    return _SIG_DOMAIN + _canonical(fields)


def link_of(op_id: str, sig: str) -> str:
    """What the next op of the same device names this one by: a SHA-256 over its id and
    whole seal (so its signature, and its own link, cannot be swapped either)."""
    return _b64(hashlib.sha256(f"{op_id}\n{sig}".encode()).digest())


def split_seal(sig: str) -> tuple[str, str | None]:
    """(signature, link to the device's op before, or None)."""
    signature, _, link = sig.partition(".")
    return signature, (link or None)


def seal(private_raw: bytes, op: Mapping[str, Any],
         after: tuple[str, str | None] | None = None) -> dict[str, Any]:
    """The op with its content-addressed id and its seal (`device_id` must be the key's
    own); `after`: (op id, sig) of the op this device made just before it (seq - 1), so
    the seal links to it (not when that one is unsigned). With signing off (benchmark
    baseline) the op is returned as it is."""
    sealed = dict(op)
    if not signing_enabled():
        sealed.setdefault("sig", None)
        return sealed
    sealed["op_id"] = op_id_for(sealed)
    link = link_of(*after) if after is not None and after[1] is not None else None
    signature = _b64(_private(private_raw).sign(_signed_bytes(sealed, link)))
    sealed["sig"] = signature if link is None else f"{signature}.{link}"
    return sealed


def is_signed(op: Mapping[str, Any]) -> bool:
    return op.get("sig") is not None


@lru_cache(maxsize=4096)
def _checker(public_key: str) -> nacl.signing.VerifyKey:
    import nacl.signing

    return nacl.signing.VerifyKey(_unb64(public_key))


def verify(op: Mapping[str, Any], public_key: str, prefix: str = DEVICE_PREFIX) -> str | None:
    """Why this signed op is not genuine, in words, or None when it is.

    Checks that the key is the op's device's (its id derives from the key), that the op id
    is its content's, and the signature. Call only for ops with a `sig`; a well-formed op
    (`op_schema.op_problem` is None) is assumed. The signature is checked with libsodium
    (PyNaCl): the same Ed25519, about twice as fast as OpenSSL's on these machines."""
    if not signing_enabled():
        return None
    problem = _content_problem(op, public_key, prefix)
    if problem:
        return problem
    import nacl.exceptions

    signature, link = split_seal(op["sig"])
    try:
        _checker(public_key).verify(_signed_bytes(op, link), _unb64(signature))
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return "its signature does not match (changed after it was made, or forged)"
    return None


def _content_problem(op: Mapping[str, Any], public_key: str, prefix: str) -> str | None:
    """Everything `verify` checks but the signature: the key is the device's, the id the
    content's."""
    key = _public(public_key) if isinstance(public_key, str) else None
    if key is None or _device_id_cached(public_key, prefix) != op["device_id"]:
        return "signed with a key that is not its tablet's"
    if op_id_for(op) != op["op_id"]:
        return "its id does not match its content (changed after it was made)"
    return None


@lru_cache(maxsize=4096)
def _device_id_cached(public_key: str, prefix: str) -> str:
    return device_id_for(public_key, prefix)


PARALLEL_FROM = 64  # ops: below this a thread pool costs more than it saves
WORKERS = max(2, os.cpu_count() or 2)
_pool: list[ThreadPoolExecutor] = []


def verify_all(items: Sequence[tuple[Mapping[str, Any], str, str]]) -> list[str | None]:
    """`verify` for many (op, public key, prefix), in order.

    Where the batch holds a device's ops one after another, only the top of each run has
    its signature checked: an op whose successor links to it (`link_of`) and is genuine
    is genuine too once its key and id check out. Every other op, and any op under a
    successor found not genuine, has its own signature checked. libsodium lets go of the
    GIL, so a large batch of those is checked on every core at once."""
    if not signing_enabled():
        return [None] * len(items)
    by_place: dict[tuple[str, str, str, int], int] = {}
    for i, (op, key, prefix) in enumerate(items):
        if isinstance(op.get("seq"), int):
            by_place.setdefault((op["device_id"], key, prefix, op["seq"]), i)
    # vouched[i] = j: op j, the next of the same device and key, links to op i.
    vouched: dict[int, int] = {}
    for j, (op, key, prefix) in enumerate(items):
        link = split_seal(op["sig"])[1] if isinstance(op.get("sig"), str) else None
        if link is None or not isinstance(op.get("seq"), int):
            continue
        i = by_place.get((op["device_id"], key, prefix, op["seq"] - 1))
        if i is not None:
            before = items[i][0]
            if isinstance(before.get("sig"), str) and link_of(before["op_id"],
                                                              before["sig"]) == link:
                vouched[i] = j
    results: list[str | None] = [None] * len(items)
    tops = [i for i in range(len(items)) if i not in vouched]
    for i, problem in zip(tops, _verify_each([items[i] for i in tops]), strict=True):
        results[i] = problem
    # Down each run from its top (highest seq first, so an op's successor is settled
    # before it): under a genuine op only the key and id are left to check; under one
    # found not genuine, the op's own signature is checked (an attack's case, not fast).
    for i in sorted(vouched, key=lambda i: -items[i][0]["seq"]):
        results[i] = (_content_problem(*items[i]) if results[vouched[i]] is None
                      else verify(*items[i]))
    return results


def _verify_each(items: Sequence[tuple[Mapping[str, Any], str, str]]) -> list[str | None]:
    if len(items) < PARALLEL_FROM:
        return [verify(op, key, prefix) for op, key, prefix in items]
    if not _pool:
        from concurrent.futures import ThreadPoolExecutor

        _pool.append(ThreadPoolExecutor(max_workers=WORKERS,
                                        thread_name_prefix="visitapp-verify"))
    size = -(-len(items) // (WORKERS * 2))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    results: list[str | None] = []
    for part in _pool[0].map(lambda chunk: [verify(*item) for item in chunk], chunks):
        results.extend(part)
    return results


# --- proving a key is held (enrolment, a new identity) -----------------------------------

def prove(private_raw: bytes, statement: str) -> str:
    """A signature over a statement (the office's device record id and the office's key),
    so a key cannot be registered by someone who only saw it in a bundle."""
    return _b64(_private(private_raw).sign(_PROOF_DOMAIN + statement.encode("utf-8")))


def proof_problem(public_key: str, statement: str, proof: Any) -> str | None:
    from cryptography.exceptions import InvalidSignature

    key = _public(public_key) if isinstance(public_key, str) else None
    if key is None:
        return "not an Ed25519 public key"
    try:
        key.verify(_unb64(proof), _PROOF_DOMAIN + statement.encode("utf-8"))
    except (InvalidSignature, ValueError, TypeError):
        return "the proof that the tablet holds this key does not match"
    return None


def registration_statement(office_device: str, office_public_key: str) -> str:
    """What a tablet signs to register its key: the office device record (its token's)
    and the office's own key, so a proof is good for one record of one office only."""
    return (f"register this tablet's key for device record {office_device} "
            f"of the programme office whose key is {office_public_key}")
