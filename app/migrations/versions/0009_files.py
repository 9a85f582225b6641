"""files: attachments and office templates kept in the database (used on PostgreSQL)

Also on PostgreSQL: the "one snapshot in force per period" index becomes partial there too
(0008 gave only SQLite its WHERE, so a period reopened could not be closed again on a server).

Revision ID: 0009_files
Revises: 0009_versions
Create Date: 2026-12-02 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_files"
down_revision: str | None = "0009_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.drop_index("uq_period_snapshots_in_force", table_name="period_snapshots")
        op.create_index(
            "uq_period_snapshots_in_force",
            "period_snapshots",
            ["date_from", "date_to", "as_of"],
            unique=True,
            postgresql_where=sa.text("reopened_at IS NULL"),
        )
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "name", name="uq_stored_files_kind_name"),
    )


def downgrade() -> None:
    op.drop_table("stored_files")
    if op.get_context().dialect.name == "postgresql":
        op.drop_index("uq_period_snapshots_in_force", table_name="period_snapshots")
        op.create_index(
            "uq_period_snapshots_in_force",
            "period_snapshots",
            ["date_from", "date_to", "as_of"],
            unique=True,
        )
