"""The sync wire format, shared by the tablet and the programme office service.

Envelopes are strict (unknown fields are refused) and carry a protocol version. The
service accepts `MIN_PROTOCOL_VERSION`..`PROTOCOL_VERSION` (the current version and the
one before it, once there is one) and answers anything older with 426 and a clear
"update the app" message. When the format changes: bump `PROTOCOL_VERSION`, set
`MIN_PROTOCOL_VERSION = PROTOCOL_VERSION - 1`, and keep the service reading both.

An op's value is JSON text that the service stores and hands back untouched. What a
well-formed op is (ids, types, entity id grammar, value types, size and depth limits) is
defined once, in `visitapp.domain.op_schema`, and checked by the service on push and by
the tablet on pull and bundle import. The service refuses a bad op on its own, with its
reason and a `code` (see `OpResult`), and the rest of the batch goes on.

Every request to `/v1/...` sends the version in the `X-Visitapp-Protocol` header; a push
also carries it in its body.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from visitapp.domain.op_schema import MAX_OP_BYTES

# 2: signed ops, key registration (POST /v1/keys) and public keys with pulled pages. An
# app of protocol 1 does not register a key, so it is told to update.
PROTOCOL_VERSION = 2
MIN_PROTOCOL_VERSION = 2
PROTOCOL_HEADER = "X-Visitapp-Protocol"

MAX_BATCH = 5000  # ops in one push; the client sends far fewer (see sync.client)
MAX_PULL = 5000
MAX_VALUE_CHARS = MAX_OP_BYTES  # a form's content travels as one value (tens of kB)
MAX_BODY_BYTES = 16 * 1024 * 1024  # a request body; larger is refused with 413

Ident = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                         pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                        pattern=r"^[a-z][a-z0-9_]*$")]
EntityId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# Hybrid logical clock: wall ms << 16 | counter; 2**62 leaves room well past year 3000.
Hlc = Annotated[int, Field(ge=0, lt=2**62)]
# An Ed25519 signature over the op (visitapp.domain.signing), base64url without padding,
# then `.` and the link to the device's op before it, when there is one.
Sig = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{86}(\.[A-Za-z0-9_-]{43})?$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def version_problem(version: int | None) -> str | None:
    """Words for a protocol version this end cannot speak, or None when it can."""
    if version is None:
        return f"missing {PROTOCOL_HEADER} header: update the app"
    if version < MIN_PROTOCOL_VERSION:
        return (f"this app speaks sync protocol {version}, which the programme office no "
                f"longer accepts (oldest accepted: {MIN_PROTOCOL_VERSION}): update the app")
    if version > PROTOCOL_VERSION:
        return (f"this app speaks sync protocol {version}, newer than the programme office "
                f"service ({PROTOCOL_VERSION}): ask the programme office to update it")
    return None


class WireOp(Strict):
    """One op as it travels. `device_id` is the tablet that made it (its origin); `sig`
    its signature (visitapp.domain.signing), null for a legacy op."""

    op_id: Ident
    visit_id: Ident
    device_id: Ident
    seq: int = Field(ge=0, lt=2**62)
    hlc: Hlc
    entity: Name
    entity_id: EntityId
    field: Name
    value: str = Field(max_length=MAX_VALUE_CHARS)
    prev_op_id: Ident | None = None
    author: str | None = Field(default=None, max_length=200)
    confirmed: bool = False
    sig: Sig | None = None  # null: a legacy op, made before ops were signed

    @field_validator("value")
    @classmethod
    def _is_json(cls, value: str) -> str:
        try:
            json.loads(value)
        except ValueError:
            raise ValueError("value must be JSON text") from None
        return value


class PushRequest(Strict):
    protocol: int
    ops: list[WireOp] = Field(max_length=MAX_BATCH)


OpStatus = Literal["applied", "duplicate", "rejected"]
# Why an op was rejected, for the tablet to act on (the reason says it in words):
# invalid       not a well-formed op (visitapp.domain.op_schema)
# forged        not genuine: its signature does not check against its tablet's key, an
#               unsigned op under a key's device id, or one claiming the office made it
# seq_taken     its (device, seq) is already used by another op: the tablet was restored
#               from a backup or cloned, and must take a new identity
# foreign_visit the visit belongs to another team
# clock_ahead   stamped too far ahead of the office's clock
# foreign_origin made on a tablet of another team
# and two that are not final: the tablet keeps the op and offers it again later
# origin_unknown made on a tablet whose key the office does not know yet (or, for a
#               legacy op, relayed by a team-mate: its maker sends it itself)
# visit_unknown  a visit the office does not have yet, without its creation op
RejectCode = Literal["invalid", "forged", "seq_taken", "foreign_visit", "clock_ahead", "foreign_origin",
                     "origin_unknown", "visit_unknown"]
NOT_FINAL = frozenset({"origin_unknown", "visit_unknown"})
DEVICE_HEADER = "X-Visitapp-Device"  # the tablet's own device id: the origin of its ops


class OpResult(Strict):
    op_id: str
    status: OpStatus
    reason: str | None = None
    code: RejectCode | None = None


class PushResponse(Strict):
    protocol: int
    results: list[OpResult]
    server_time_ms: int  # the service's wall clock, for the tablet's skew warning
    server_hlc: int


class PulledOp(WireOp):
    server_seq: int


class PullResponse(Strict):
    protocol: int
    ops: list[PulledOp]
    # device id -> public key, for the signed ops in the page (the office's own key too
    # when the page holds ops it made): tablets check every signed op against them.
    keys: dict[str, str]
    cursor: int  # pass back as `after` for the next page
    has_more: bool
    server_time_ms: int
    server_hlc: int


PublicKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}$")]
Proof = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{86}$")]


class Enrolment(Strict):
    """What a tablet signs to register its key (GET /v1/enrolment)."""

    office_device: str  # the device record of the caller's token
    team: str
    office_public_key: str  # pinned by the tablet, for the ops the office makes
    office_device_id: str
    statement: str  # signing.registration_statement(office_device, office_public_key)


class KeyRegistration(Strict):
    """POST /v1/keys: a tablet's public key, the proof it holds the private key (a
    signature over the enrolment statement), and the ids of its ops made before signing."""

    public_key: PublicKey
    proof: Proof
    legacy_device_ids: list[Ident] = Field(default_factory=list, max_length=100)


class KeyRegistered(Strict):
    device_id: str  # derived from the key: the device id of the tablet's signed ops
    office_public_key: str
    office_device_id: str
    legacy_bound: list[str]


class BlobResult(Strict):
    sha256: Sha256
    size: int
    status: Literal["stored", "duplicate"]


class Health(Strict):
    status: Literal["ok"]
    protocol: int
    min_protocol: int
    server_time_ms: int


class ErrorBody(Strict):
    detail: str


# --- what a tablet holds (issue 15; sync.server.holds) -----------------------------------

MAX_HOLDS = 10_000  # visits one tablet says it holds; a year of a national programme is 1,500


class HoldsRequest(Strict):
    """`PUT /v1/holds`: every visit this tablet holds now (a replace)."""

    protocol: int
    visits: list[Ident] = Field(max_length=MAX_HOLDS)


class HoldsResponse(Strict):
    held: int  # of those, the team's visits the office has


class TeamVisit(Strict):
    id: str
    system: str | None
    date: str | None
    status: str | None


class TeamVisits(Strict):
    """`GET /v1/visits`: the team's visits at the office."""

    protocol: int
    visits: list[TeamVisit]


class Snapshot(Strict):
    """`POST /v1/visits/{id}/fetch`: the visit is held from now on; its compact state."""

    protocol: int
    visit_id: str
    ops: list[PulledOp]
    keys: dict[str, str]  # as in PullResponse: the public keys its signed ops need
