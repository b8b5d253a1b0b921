"""The office's own Ed25519 key, for the ops the office makes (issue 10's signing).

Frozen once released: a new change is a new revision.

Revision ID: 0005_office_key
Revises: 0004_between_visits
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_office_key"
down_revision = "0004_between_visits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_key",
        sa.Column("id", sa.Integer, primary_key=True),  # always 1: one office, one key
        sa.Column("private_key", sa.LargeBinary, nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("office_key")
