"""audit hash chain: audit_log.chain and the audit_anchor row; existing rows sealed

Revision ID: 0005_safety
Revises: 0004
Create Date: 2026-12-02 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_safety"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Rows written before the chain are sealed as they are at the upgrade (audited history
    # before this point is taken as found; every change after it is covered).
    from app import audit

    audit.seal(op.get_bind())


def downgrade() -> None:
    op.drop_table("audit_anchor")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("chain")
