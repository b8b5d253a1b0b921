"""The office database: devices, tokens, ops, visits, field state, blobs, clock.

Frozen once released: a new change is a new revision.

Revision ID: 0001_office_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_office_initial"
down_revision = None
branch_labels = None
depends_on = None

DeviceId = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
SeqType = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("last_seen", sa.String(32)),
        sa.Column("revoked_at", sa.String(32)),
    )
    op.create_table(
        "office_tokens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32)),
    )
    op.create_table(
        "ops",
        sa.Column("server_seq", SeqType, primary_key=True, autoincrement=True),
        sa.Column("op_id", sa.String(64), nullable=False, unique=True),
        sa.Column("visit_id", sa.String(64), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("device_id", DeviceId, nullable=False),
        sa.Column("pushed_by", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hlc", sa.BigInteger, nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(256), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("prev_op_id", sa.String(64)),
        sa.Column("author", sa.String(200)),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_ops_team_seq", "ops", ["team", "server_seq"])
    op.create_index("ix_ops_visit", "ops", ["visit_id"])
    op.create_table(
        "visits",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("first_pushed_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_visits_team", "visits", ["team"])
    op.create_table(
        "field_state",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("entity", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(256), primary_key=True),
        sa.Column("field", sa.String(64), primary_key=True),
        sa.Column("op_id", sa.String(64), nullable=False),
        sa.Column("hlc", sa.BigInteger, nullable=False),
        sa.Column("device_id", DeviceId, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "blob_teams",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(200), primary_key=True),
    )
    op.create_table(
        "server_clock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hlc", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO server_clock (id, hlc) VALUES (1, 0)")


def downgrade() -> None:
    for table in ("server_clock", "blob_teams", "blobs", "field_state", "visits", "ops",
                  "office_tokens", "devices"):
        op.drop_table(table)
