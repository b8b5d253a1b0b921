"""Chained seals (issue 10): an op's `sig` may carry a link to its device's op before it.

`ops.sig` becomes "signature[.link]" (86, or 86 + 1 + 43 characters), so one signature
vouches for a run of a device's ops (visitapp.domain.signing). SQLite does not hold a
VARCHAR to its length; PostgreSQL widens the column in place (no table rewrite).

Frozen once released: a new change is a new revision.

Revision ID: 0009_chained_seals
Revises: 0008_visit_holds
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_chained_seals"
down_revision = "0008_visit_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("ops", "sig", type_=sa.String(130), existing_type=sa.String(86),
                        existing_nullable=True)


def downgrade() -> None:
    # A chained seal does not fit the old width: the link is dropped (the signature then
    # no longer matches, so those ops are checked and refused as changed; downgrading
    # past this revision is for a fresh office only).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE ops SET sig = left(sig, 86) WHERE length(sig) > 86")
        op.alter_column("ops", "sig", type_=sa.String(86), existing_type=sa.String(130),
                        existing_nullable=True)
