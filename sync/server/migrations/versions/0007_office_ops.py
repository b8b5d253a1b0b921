"""Ops the office makes itself (issue 14): its change counter, and the programme-wide
pseudo-visit claimed for no team.

Programme-wide ops (the exemplar library, published checklists) are filed under visit
`programme` with team `*`, which every team's pull returns; claiming that visit for team
`*` here means a tablet's push naming it is refused as another team's (`foreign_visit`).

Frozen once released: a new change is a new revision.

Revision ID: 0007_office_ops
Revises: 0006_signed_ops
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_office_ops"
down_revision = "0005_office_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counter = op.create_table(
        "office_op_counter",
        sa.Column("id", sa.Integer, primary_key=True),  # always 1
        sa.Column("next_seq", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counter, [{"id": 1, "next_seq": 1}])
    visits = sa.table("visits", sa.column("visit_id"), sa.column("team"),
                      sa.column("first_pushed_by"), sa.column("created_at"),
                      sa.column("updated_at"))
    op.execute(visits.delete().where(visits.c.visit_id == "programme"))
    op.bulk_insert(visits, [{"visit_id": "programme", "team": "*", "first_pushed_by": "office",
                             "created_at": "2026-01-01T00:00:00Z",
                             "updated_at": "2026-01-01T00:00:00Z"}])


def downgrade() -> None:
    op.execute("DELETE FROM visits WHERE visit_id = 'programme' AND team = '*'")
    op.drop_table("office_op_counter")
