"""The office's own tables (created by migration 0003_office_web).

- `office_users`, `office_sessions`, `office_sign_in_failures`: people and their sessions.
- `read_*`: each synced visit materialised from the winning value of every field
  (`field_state`), refreshed in the push's own transaction, so a page that starts after a
  push is answered sees it. Every read table keys rows by (visit_id, entity_id): the op's
  own address, so a refresh is a delete and an insert of the touched ids.
- `office_systems`, `office_system_trusts`, `office_visit_links`: the register of local
  systems, the trusts (ODS codes) in each, and a visit moved to a system by hand.
- `office_performance`: NHS England's monthly A&E figures, one row per month and trust.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

users = Table(
    "office_users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower case
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # admin | analyst
    Column("password_hash", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("disabled_at", String(32)),
)

sessions = Table(
    "office_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Index("ix_office_sessions_user", "user_id"),
)

sign_in_failures = Table(
    "office_sign_in_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_office_sign_in_failures_email", "email", "at_ms"),
)

read_visits = Table(
    "read_visits", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("entity_id", String(256), nullable=False),
    Column("system", Text),
    Column("system_key", String(200)),  # the name folded for matching the register
    Column("trust", Text),
    Column("site", Text),
    Column("date", String(10)),
    Column("visit_type", String(40)),
    Column("status", String(40)),
    Column("follows_visit_id", String(64)),
    Column("team_members", Text),  # JSON
    Column("people_met", Text),  # JSON
    Column("data_reviewed", Text),  # JSON
    Column("presented_report", Text),  # JSON {sha256, at, by, bytes}
    Column("created_report", Text),  # JSON
    Index("ix_read_visits_system_key", "system_key", "date"),
)

read_areas = Table(
    "read_areas", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("entity_id", String(256), primary_key=True),  # the area key
    Column("kind", String(64)),
    Column("label", Text),
    Column("form_hash", String(64)),
    Column("position", Integer),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("rag_worst", String(10)),  # the area's RAG roll-up, from the tablet's rule
    Column("red", Integer, nullable=False, default=0),
    Column("amber", Integer, nullable=False, default=0),
    Column("green", Integer, nullable=False, default=0),
)

read_answers = Table(
    "read_answers", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("entity_id", String(256), primary_key=True),  # "area_key/item_id"
    Column("area_key", String(128), nullable=False),
    Column("item_id", String(128), nullable=False),
    Column("value", Text),  # JSON canonical value; NULL when cleared
    Column("note", Text),
)

read_findings = Table(
    "read_findings", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("entity_id", String(256), primary_key=True),
    Column("kind", String(40)),
    Column("text", Text),
    Column("pathway", String(40)),
    Column("area_key", String(128)),
    Column("item_ids", Text),  # JSON list
    Column("horizon", String(40)),
    Column("owner", Text),
    Column("position", Integer),
    Column("deleted", Boolean, nullable=False, default=False),
)

read_attachments = Table(
    "read_attachments", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("entity_id", String(256), primary_key=True),
    Column("sha256", String(64)),
    Column("report_sha256", String(64)),
    Column("area_key", String(128)),
    Column("item_id", String(128)),
    Column("caption", Text),
    Column("content_type", String(100)),
    Column("deleted", Boolean, nullable=False, default=False),
)

read_forms = Table(
    "read_forms", metadata,
    Column("hash", String(64), primary_key=True),
    Column("content", Text, nullable=False),
)

read_daily = Table(
    "read_daily", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("entity_id", String(32), primary_key=True),  # the ISO date
    Column("counts", Text, nullable=False),  # JSON {column: count}
)

read_indicators = Table(
    "read_indicators", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("label", Text, nullable=False),
    Column("value", Float),
    Column("unit", String(20), nullable=False),
    Column("rag", String(10)),
    Column("period", Text, nullable=False),
    Column("position", Integer, nullable=False),
)

systems = Table(
    "office_systems", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False, unique=True),
    Column("region", String(100)),
    Column("note", Text),  # the office's own note: plans, system intelligence
    Column("created_at", String(32), nullable=False),
)

system_trusts = Table(
    "office_system_trusts", metadata,
    Column("ods_code", String(10), primary_key=True),  # a trust is in one system
    Column("system_id", Integer, nullable=False),
    Index("ix_office_system_trusts_system", "system_id"),
)

visit_links = Table(
    "office_visit_links", metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("system_id", Integer, nullable=False),
)

performance = Table(
    "office_performance", metadata,
    Column("month", String(7), primary_key=True),  # 2026-01
    Column("org_code", String(10), primary_key=True),
    Column("parent_org", Text),
    Column("org_name", Text),
    Column("attendances", Integer, nullable=False),  # all six attendance columns
    Column("over_4h", Integer, nullable=False),  # all six over-4-hour columns
    Column("dta_4_12", Integer, nullable=False),
    Column("dta_12_plus", Integer, nullable=False),
    Column("emergency_admissions", Integer, nullable=False),
)
