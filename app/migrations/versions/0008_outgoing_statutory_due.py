"""outgoing: a 交办 期限 no longer replaces the handling due; a 退回 can undo a 转送

Revision ID: 0008_outgoing
Revises: 0007_crypto
Create Date: 2026-12-02 03:30:00

Events are left exactly as recorded. Two columns hold the interval a 退回 took back from a 转送's
final disposition (cases.undone_final_on, cases.undone_on), and every case is re-projected, so a
case whose 交办 carried a 期限 gets the statutory handling due (accepted + 60 days, + 延期) again
(domain.md §3, settled readings) and an imported 已退单 of a 转送 is 待受理 again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_outgoing"
down_revision: str | None = "0008_attach"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default): SQLite does not copy the table.
    op.add_column("cases", sa.Column("undone_final_on", sa.Date(), nullable=True))
    op.add_column("cases", sa.Column("undone_on", sa.Date(), nullable=True))
    _reproject()


def _reproject() -> None:
    # The rules themselves, imported: the upgrade must project exactly as the program does.
    # (A later revision that adds a projected column must run after this one re-projects.)
    from sqlalchemy.orm import Session

    from app.cases.reprojection import reproject_all

    session = Session(bind=op.get_bind())
    reproject_all(session)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("undone_on")
        batch_op.drop_column("undone_final_on")
