"""What each tablet holds (issue 15): the visits a pull sends it besides those in progress.

`visit_holds` is keyed by the office's device record (the token), not the tablet's own
device id, which changes when a restored tablet renews it. An index on ops (visit_id,
server_seq) lets a pull walk only the visits it sends, and find a visit's first op.

Frozen once released: a new change is a new revision.

Revision ID: 0008_visit_holds
Revises: 0007_office_ops
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_visit_holds"
down_revision = "0007_office_ops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_holds",
        sa.Column("office_device", sa.String(64), primary_key=True),
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("since", sa.String(32), nullable=False),
    )
    op.create_index("ix_ops_visit_seq", "ops", ["visit_id", "server_seq"])


def downgrade() -> None:
    op.drop_index("ix_ops_visit_seq", "ops")
    op.drop_table("visit_holds")
