"""The office database as SQLAlchemy Core tables (the Alembic migrations create them).

- `devices`, `office_tokens`: who may talk to the service; tokens are stored hashed.
- `ops`: every op ever accepted, in `server_seq` order (the pull cursor). (team, op_id)
  is UNIQUE: that is what makes a push idempotent; unique per team so that another team
  re-using an op id cannot pre-empt the real op. `team` is copied from the op's visit so a
  team's pull is one index range.
- `visits`: a visit belongs to the team whose tablet made it: it is claimed by the
  visit's creation op (its `created_at`), pushed from a tablet of that team.
- `origins`: a tablet's own device id (the `device_id` of the ops it makes), bound to the
  office device (token) that first presented it as its own; ops are accepted only from
  origins of the pusher's team.
- `device_keys`: the tablets' public keys, each bound at registration to the office
  device (token) that proved it holds the key, and so to a team; the device id of a
  signed op derives from its key, so a signed op's origin is its key's team.
- `field_state`: the latest value of every (visit, entity, entity id, field), merged by
  last writer wins on (hlc, device id) without knowing what the entity is.
- `blobs` and `blob_teams`: attachment bytes by SHA-256, and which teams uploaded them.
- `visit_holds`: the visits each tablet (office device record) says it holds, plus those
  a pull has started sending it; a pull sends a team's ops only for visits in progress
  or held (`sync.server.holds`).
- `office_key`: the office's own Ed25519 key pair (one row), for the ops the office
  makes itself; tablets pin its public key at enrolment (`sync.server.office_key`).
- `office_op_counter`: the next change number (seq) of the ops the office makes itself
  (`sync.server.office_ops`), one row.
- `team_clocks`: the highest HLC accepted per team, never moved by a refused op; one
  team's stamps cannot move another team's clock (`server_clock`, the single clock of
  revision 0001, is no longer written).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

ALL_TEAMS = "*"  # `ops.team` of the office's programme-wide ops: every team's pull has them

# Device ids break HLC ties, so they must compare bytewise everywhere, as in Python and
# SQLite: PostgreSQL's default collation may follow the locale instead.
DeviceId = String(64).with_variant(String(64, collation="C"), "postgresql")
SeqType = BigInteger().with_variant(Integer(), "sqlite")  # SQLite rowid alias

devices = Table(
    "devices", metadata,
    Column("id", String(64), primary_key=True),
    Column("team", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("last_seen", String(32)),
    Column("revoked_at", String(32)),
)

office_tokens = Table(
    "office_tokens", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

ops = Table(
    "ops", metadata,
    Column("server_seq", SeqType, primary_key=True, autoincrement=True),
    Column("op_id", String(64), nullable=False),
    Column("visit_id", String(64), nullable=False),
    Column("team", String(200), nullable=False),
    Column("device_id", DeviceId, nullable=False),  # the origin tablet
    Column("pushed_by", String(64), nullable=False),  # the device whose token pushed it
    Column("seq", BigInteger, nullable=False),
    Column("hlc", BigInteger, nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(256), nullable=False),
    Column("field", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("prev_op_id", String(64)),
    Column("author", String(200)),
    Column("confirmed", Boolean, nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("sig", String(130)),  # Ed25519 signature[.link]; NULL for a legacy op
    Index("ix_ops_team_seq", "team", "server_seq"),
    Index("ix_ops_visit", "visit_id"),
    Index("ix_ops_device_seq", "device_id", "seq"),
    Index("ux_ops_team_op", "team", "op_id", unique=True),
    Index("ix_ops_op", "op_id"),
    Index("ix_ops_visit_seq", "visit_id", "server_seq"),
)

visits = Table(
    "visits", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("team", String(200), nullable=False),
    Column("first_pushed_by", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Index("ix_visits_team", "team"),
)

field_state = Table(
    "field_state", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("entity", String(64), primary_key=True),
    Column("entity_id", String(256), primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("op_id", String(64), nullable=False),
    Column("hlc", BigInteger, nullable=False),
    Column("device_id", DeviceId, nullable=False),
    Column("value", Text, nullable=False),
)

blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
)

blob_teams = Table(
    "blob_teams", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("team", String(200), primary_key=True),
)

server_clock = Table(
    "server_clock", metadata,
    Column("id", Integer, primary_key=True),
    Column("hlc", BigInteger, nullable=False),
)

team_clocks = Table(
    "team_clocks", metadata,
    Column("team", String(200), primary_key=True),
    Column("hlc", BigInteger, nullable=False),
)

origins = Table(
    "origins", metadata,
    Column("device_id", DeviceId, primary_key=True),
    Column("team", String(200), nullable=False),
    Column("office_device", String(64), nullable=False),
    Column("bound_at", String(32), nullable=False),
)

device_keys = Table(
    "device_keys", metadata,
    Column("device_id", DeviceId, primary_key=True),  # signing.device_id_for(public_key)
    Column("public_key", String(64), nullable=False),
    Column("team", String(200), nullable=False),
    Column("office_device", String(64), nullable=False),  # the token that registered it
    Column("registered_at", String(32), nullable=False),
    Index("ix_device_keys_office_device", "office_device"),
)

office_key = Table(
    "office_key", metadata,
    Column("id", Integer, primary_key=True),
    Column("private_key", LargeBinary, nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
)

visit_holds = Table(
    "visit_holds", metadata,
    Column("office_device", String(64), primary_key=True),
    Column("visit_id", String(64), primary_key=True),
    Column("since", String(32), nullable=False),
)

office_op_counter = Table(
    "office_op_counter", metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("next_seq", BigInteger, nullable=False),
)
