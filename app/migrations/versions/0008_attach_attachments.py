"""attach: attachments of a case (the bytes stay in the data folder's content-addressed store)

Revision ID: 0008_attach
Revises: 0007_crypto
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_attach"
down_revision: str | None = "0007_crypto"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("doc_no", sa.String(length=100), nullable=True),
        sa.Column("added_by", sa.String(length=30), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("detached_by", sa.String(length=30), nullable=True),
        sa.Column("detached_at", sa.DateTime(), nullable=True),
        sa.Column("detached_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_case_id", ["case_id"], unique=False)
        batch_op.create_index("ix_attachments_sha256", ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_sha256")
        batch_op.drop_index("ix_attachments_case_id")
    op.drop_table("attachments")
