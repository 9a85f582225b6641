"""supervision: 督办 list dismissals and case links (issue 17 items 4 and 6)

Revision ID: 0008_supervision
Revises: 0007_crypto
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_supervision"
down_revision: str | None = "0008_outgoing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supervision_dismissals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=30), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_supervision_dismissals_case_rule",
        "supervision_dismissals",
        ["case_id", "rule"],
        unique=False,
    )
    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_a_id", sa.Integer(), nullable=False),
        sa.Column("case_b_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(["case_a_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["case_b_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_a_id", "case_b_id", name="uq_case_links_pair"),
    )
    op.create_index("ix_case_links_b", "case_links", ["case_b_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_links_b", table_name="case_links")
    op.drop_table("case_links")
    op.drop_index("ix_supervision_dismissals_case_rule", table_name="supervision_dismissals")
    op.drop_table("supervision_dismissals")
