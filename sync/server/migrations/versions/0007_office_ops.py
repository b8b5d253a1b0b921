"""Ops the office makes itself (issue 14): the counter of its change numbers (seq).

Programme-wide ops (the exemplar library, published checklists) are filed under visit
`programme` with team `*`, which every team's pull returns (sync.server.office_ops).

Frozen once released: a new change is a new revision.

Revision ID: 0007_office_ops
Revises: 0006_signed_ops
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_office_ops"
down_revision = "0006_signed_ops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counter = op.create_table(
        "office_op_counter",
        sa.Column("id", sa.Integer, primary_key=True),  # always 1
        sa.Column("next_seq", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counter, [{"id": 1, "next_seq": 1}])


def downgrade() -> None:
    op.drop_table("office_op_counter")
