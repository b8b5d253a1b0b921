"""Per-team clocks, and an index to find an op by its (device, seq).

Frozen once released: a new change is a new revision.

Revision ID: 0002_op_checks
Revises: 0001_office_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_op_checks"
down_revision = "0001_office_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_clocks",
        sa.Column("team", sa.String(200), primary_key=True),
        sa.Column("hlc", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO team_clocks (team, hlc) SELECT team, MAX(hlc) FROM ops "
               "GROUP BY team")
    # Not unique: an office that ran 0001 may already hold a restored tablet's clashes.
    op.create_index("ix_ops_device_seq", "ops", ["device_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_ops_device_seq", "ops")
    op.drop_table("team_clocks")
