"""periods: closed periods (封账) — snapshots, corrections, and the files issued per period

Revision ID: 0008_periods
Revises: 0007_crypto
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_periods"
down_revision: str | None = "0008_supervision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "period_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("closed_by", sa.String(30), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("reopened_by", sa.String(30), nullable=True),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
    )
    # One snapshot in force per exact period; reopened ones stay beside it.
    op.create_index(
        "uq_period_snapshots_in_force",
        "period_snapshots",
        ["date_from", "date_to", "as_of"],
        unique=True,
        sqlite_where=sa.text("reopened_at IS NULL"),
    )
    op.create_table(
        "period_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "snapshot_id", sa.Integer(), sa.ForeignKey("period_snapshots.id"), nullable=False
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("cases", sa.JSON(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
    )
    op.create_index("ix_period_corrections_snapshot_id", "period_corrections", ["snapshot_id"])
    op.create_table(
        "period_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(30), nullable=False),
    )
    op.create_index("ix_period_files_period", "period_files", ["date_from", "date_to"])


def downgrade() -> None:
    op.drop_table("period_files")
    op.drop_table("period_corrections")
    op.drop_table("period_snapshots")
