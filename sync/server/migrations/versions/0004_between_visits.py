"""Between visits: the collaborative calendar, action updates, the exemplar library.

Frozen once released: a new change is a new revision.

Revision ID: 0004_between_visits
Revises: 0003_office_web
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_between_visits"
down_revision = "0003_office_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_gatherings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("attendees", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_office_gatherings_day", "office_gatherings", ["kind", "day"])
    op.create_table(
        "office_action_updates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.String(64), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due", sa.String(10)),
        sa.Column("note", sa.Text),
        sa.Column("by_name", sa.String(200), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_office_action_updates_action", "office_action_updates",
                    ["action_id", "id"])
    op.create_table(
        "office_exemplars",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("visit_id", sa.String(64), nullable=False),
        sa.Column("finding_id", sa.String(256), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("what_they_do", sa.Text, nullable=False),
        sa.Column("system", sa.Text),
        sa.Column("area_kind", sa.String(64)),
        sa.Column("evidence", sa.Text),
        sa.Column("contact_role", sa.String(200)),
        sa.Column("pathway", sa.String(40)),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for table in ("office_exemplars", "office_action_updates", "office_gatherings"):
        op.drop_table(table)
