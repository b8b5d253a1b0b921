"""Signed ops (issue 10): each op's signature, and the tablets' registered public keys.

`ops.sig` is NULL for a legacy op (made before ops were signed). `device_keys` binds a
key-derived device id (visitapp.domain.signing.device_id_for) to the office device record
(token) that registered it, and so to its team; one record may register several keys over
time (a tablet restored from a backup takes a new key; the old key's ops stay valid).

Frozen once released: a new change is a new revision.

Revision ID: 0006_signed_ops
Revises: 0005_office_key
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_signed_ops"
down_revision = "0005_office_key"
branch_labels = None
depends_on = None

DeviceId = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("ops", sa.Column("sig", sa.String(86), nullable=True))
    op.create_table(
        "device_keys",
        sa.Column("device_id", DeviceId, primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("office_device", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_device_keys_office_device", "device_keys", ["office_device"])


def downgrade() -> None:
    op.drop_index("ix_device_keys_office_device", "device_keys")
    op.drop_table("device_keys")
    with op.batch_alter_table("ops") as batch:
        batch.drop_column("sig")
