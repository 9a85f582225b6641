"""documents: 情况说明 per report period, 文号 counters and numbers; blank 性质 set at upgrade

Revision ID: 0006_docs
Revises: 0005_safety
Create Date: 2026-12-02 01:30:00

A case with a blank 性质 gets the suggestion from its summary (检举, 举报, 控告, 揭发 →
检举控告类, else 申诉求决类), audited as a system change (domain.md §9, Art.30 in documents).
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_docs"
down_revision: str | None = "0005_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYSTEM = "系统升级"


def upgrade() -> None:
    op.create_table(
        "report_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("item", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("date_from", "date_to", "item", name="uq_report_notes_period_item"),
    )
    op.create_table(
        "doc_counters",
        sa.Column("template", sa.String(length=50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("template", "year"),
    )
    op.create_table(
        "doc_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=50), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("template", "case_id", "event_seq", name="uq_doc_numbers_document"),
    )
    _backfill_nature()


def _backfill_nature() -> None:
    # The rule itself, imported: the upgrade must classify exactly as intake suggests.
    from app.cases.rules import suggest_nature

    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, number, summary FROM cases WHERE nature IS NULL OR trim(nature) = ''")
    ).all()
    now = dt.datetime.now().replace(microsecond=0)
    for case_id, number, summary in rows:
        nature = suggest_nature(summary or "")
        conn.execute(
            sa.text("UPDATE cases SET nature = :n WHERE id = :id"), {"n": nature, "id": case_id}
        )
        conn.execute(
            sa.text(
                'INSERT INTO audit_log (at, "user", action, entity, entity_id, field, old, new) '
                "VALUES (:at, :user, '系统更正', 'case', :number, 'nature', NULL, :new)"
            ),
            {"at": now, "user": SYSTEM, "number": number, "new": nature},
        )


def downgrade() -> None:
    op.drop_table("doc_numbers")
    op.drop_table("doc_counters")
    op.drop_table("report_notes")
