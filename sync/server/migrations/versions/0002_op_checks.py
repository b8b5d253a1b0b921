"""Per-team clocks, tablet origins, op ids unique per team, and (device, seq) looked up.

- `team_clocks`: each team's clock moves on its own.
- `origins`: which office device (and so team) a tablet's own device id belongs to,
  registered by the tablet itself; ops are accepted only from origins of the pusher's team.
- op ids are unique within a team, not across teams: another team re-using an op id it
  saw in a bundle can no longer make the real op a "duplicate" that never reaches its team.

Frozen once released: a new change is a new revision.

Revision ID: 0002_op_checks
Revises: 0001_office_initial
"""

import sqlalchemy as sa
from alembic import op

DeviceId = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")

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
    op.create_table(
        "origins",
        sa.Column("device_id", DeviceId, primary_key=True),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("office_device", sa.String(64), nullable=False),
        sa.Column("bound_at", sa.String(32), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ops DROP CONSTRAINT ops_op_id_key")
    else:
        _rebuild_sqlite_ops()
    op.create_index("ux_ops_team_op", "ops", ["team", "op_id"], unique=True)
    op.create_index("ix_ops_op", "ops", ["op_id"])
    # Not unique: an office that ran 0001 may already hold a restored tablet's clashes.
    op.create_index("ix_ops_device_seq", "ops", ["device_id", "seq"])


OPS_COLUMNS = ("server_seq, op_id, visit_id, team, device_id, pushed_by, seq, hlc, entity, "
               "entity_id, field, value, prev_op_id, author, confirmed, received_at")


def _rebuild_sqlite_ops() -> None:
    """SQLite cannot drop a column's UNIQUE: copy the table without it (same rows, same
    server_seq, so every tablet's cursor stays valid)."""
    op.execute("""
        CREATE TABLE ops_new (
            server_seq INTEGER NOT NULL PRIMARY KEY,
            op_id VARCHAR(64) NOT NULL,
            visit_id VARCHAR(64) NOT NULL,
            team VARCHAR(200) NOT NULL,
            device_id VARCHAR(64) NOT NULL,
            pushed_by VARCHAR(64) NOT NULL,
            seq BIGINT NOT NULL,
            hlc BIGINT NOT NULL,
            entity VARCHAR(64) NOT NULL,
            entity_id VARCHAR(256) NOT NULL,
            field VARCHAR(64) NOT NULL,
            value TEXT NOT NULL,
            prev_op_id VARCHAR(64),
            author VARCHAR(200),
            confirmed BOOLEAN NOT NULL,
            received_at VARCHAR(32) NOT NULL)""")
    op.execute(f"INSERT INTO ops_new ({OPS_COLUMNS}) SELECT {OPS_COLUMNS} FROM ops")
    op.execute("DROP TABLE ops")
    op.execute("ALTER TABLE ops_new RENAME TO ops")
    op.create_index("ix_ops_team_seq", "ops", ["team", "server_seq"])
    op.create_index("ix_ops_visit", "ops", ["visit_id"])


def downgrade() -> None:
    op.drop_index("ix_ops_device_seq", "ops")
    op.drop_index("ix_ops_op", "ops")
    op.drop_index("ux_ops_team_op", "ops")
    op.drop_table("origins")
    op.drop_table("team_clocks")
