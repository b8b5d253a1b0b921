"""The programme office web app: users and sessions, read models of synced visits, the
systems register and the monthly A&E figures.

Frozen once released: a new change is a new revision.

Revision ID: 0003_office_web
Revises: 0002_op_checks
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_office_web"
down_revision = "0002_op_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_performance",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("org_code", sa.String(10), primary_key=True),
        sa.Column("parent_org", sa.Text),
        sa.Column("org_name", sa.Text),
        sa.Column("attendances", sa.Integer, nullable=False),
        sa.Column("over_4h", sa.Integer, nullable=False),
        sa.Column("dta_4_12", sa.Integer, nullable=False),
        sa.Column("dta_12_plus", sa.Integer, nullable=False),
        sa.Column("emergency_admissions", sa.Integer, nullable=False),
    )
    op.create_table(
        "office_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_office_sessions_user", "office_sessions", ["user_id"])
    op.create_table(
        "office_sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_office_sign_in_failures_email", "office_sign_in_failures", ["email", "at_ms"])
    op.create_table(
        "office_system_trusts",
        sa.Column("ods_code", sa.String(10), primary_key=True),
        sa.Column("system_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_office_system_trusts_system", "office_system_trusts", ["system_id"])
    op.create_table(
        "office_systems",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False, unique=True),
        sa.Column("region", sa.String(100)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "office_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("disabled_at", sa.String(32)),
    )
    op.create_table(
        "office_visit_links",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("system_id", sa.Integer, nullable=False),
    )
    op.create_table(
        "read_answers",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(256), primary_key=True),
        sa.Column("area_key", sa.String(128), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "read_areas",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(256), primary_key=True),
        sa.Column("kind", sa.String(64)),
        sa.Column("label", sa.Text),
        sa.Column("form_hash", sa.String(64)),
        sa.Column("position", sa.Integer),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("rag_worst", sa.String(10)),
        sa.Column("red", sa.Integer, nullable=False, server_default='0'),
        sa.Column("amber", sa.Integer, nullable=False, server_default='0'),
        sa.Column("green", sa.Integer, nullable=False, server_default='0'),
    )
    op.create_table(
        "read_attachments",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(256), primary_key=True),
        sa.Column("sha256", sa.String(64)),
        sa.Column("report_sha256", sa.String(64)),
        sa.Column("area_key", sa.String(128)),
        sa.Column("item_id", sa.String(128)),
        sa.Column("caption", sa.Text),
        sa.Column("content_type", sa.String(100)),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "read_daily",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(32), primary_key=True),
        sa.Column("counts", sa.Text, nullable=False),
    )
    op.create_table(
        "read_findings",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(256), primary_key=True),
        sa.Column("kind", sa.String(40)),
        sa.Column("text", sa.Text),
        sa.Column("pathway", sa.String(40)),
        sa.Column("area_key", sa.String(128)),
        sa.Column("item_ids", sa.Text),
        sa.Column("horizon", sa.String(40)),
        sa.Column("owner", sa.Text),
        sa.Column("position", sa.Integer),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "read_forms",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_table(
        "read_indicators",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("indicator_id", sa.String(64), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("rag", sa.String(10)),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "read_visits",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(256), nullable=False),
        sa.Column("system", sa.Text),
        sa.Column("system_key", sa.String(200)),
        sa.Column("trust", sa.Text),
        sa.Column("site", sa.Text),
        sa.Column("date", sa.String(10)),
        sa.Column("visit_type", sa.String(40)),
        sa.Column("status", sa.String(40)),
        sa.Column("follows_visit_id", sa.String(64)),
        sa.Column("team_members", sa.Text),
        sa.Column("people_met", sa.Text),
        sa.Column("data_reviewed", sa.Text),
        sa.Column("presented_report", sa.Text),
        sa.Column("created_report", sa.Text),
    )
    op.create_index("ix_read_visits_system_key", "read_visits", ["system_key", "date"])


def downgrade() -> None:
    for table in ("read_visits", "read_indicators", "read_forms", "read_findings", "read_daily", "read_attachments", "read_areas", "read_answers", "office_visit_links", "office_users", "office_systems", "office_system_trusts", "office_sign_in_failures", "office_sessions", "office_performance"):
        op.drop_table(table)
