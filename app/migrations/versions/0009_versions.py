"""clerks at the same time: cases.version (optimistic check), cases.updated_by, audit_log.computer

Revision ID: 0009_versions
Revises: 0009_scope
Create Date: 2026-12-02 07:00:00

Existing cases start at version 1 (the server default fills every row, no per-row rewrite);
updated_by stays empty for them, and the stale-save message then names the last audit entry's
user. Existing audit rows keep computer NULL, which app/audit.py leaves out of the hash, so
every chain sealed before the upgrade still verifies.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_versions"
down_revision: str | None = "0009_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("updated_by", sa.String(length=30), nullable=True))
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("computer", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("computer")
    # The hashes of rows that had a computer covered it: the chain is sealed anew as the rows
    # are now (as 0005 sealed the rows it found), so the older program finds it whole.
    from app import audit

    op.execute("UPDATE audit_log SET chain = NULL")
    audit.seal(op.get_bind())
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("updated_by")
        batch_op.drop_column("version")
