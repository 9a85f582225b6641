"""postgres: search indexes only a PostgreSQL server has (pg_trgm, "C"-collation prefixes)

On SQLite this revision does nothing. On PostgreSQL the search box (app/cases/search.py) needs:
- substring tests (LIKE '%…%') on summaries, 被反映对象, phones, ID numbers and 编号: GIN trigram
  indexes (pg_trgm; a trusted extension since PostgreSQL 13, so the database's owner may create
  it). pg_trgm makes trigrams of 3 characters: a query of 1–2 characters gives no trigram and
  PostgreSQL reads the table (docs/rules.md, 多人使用, has the measurement).
- prefix ranges in the "C" collation (names, pinyin, 编号), whatever the server's locale.
- ix_cases_text (summary, target) dropped: a B-tree entry cannot exceed ~2.7 kB and a long
  Chinese summary does; the trigram indexes serve its purpose there.
Every name starts with ix_pg_ so the schema comparison with the models leaves them out
(app/migrate.py `_only_in_models`).

Revision ID: 0008_postgres
Revises: 0007_crypto
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_postgres"
down_revision: str | None = "0008_periods"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM: dict[str, tuple[str, ...]] = {
    "cases": ("summary", "target", "number"),
    "petitioners": ("phone", "id_number", "name"),
}
PREFIX_C: dict[str, tuple[str, ...]] = {
    "cases": ("number",),
    "petitioners": ("name", "name_initials", "name_pinyin"),
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.drop_index("ix_cases_text", table_name="cases")
    for table, columns in TRIGRAM.items():
        for column in columns:
            op.execute(
                f"CREATE INDEX ix_pg_{table}_{column}_trgm ON {table} "
                f"USING gin ({column} gin_trgm_ops)"
            )
    for table, columns in PREFIX_C.items():
        for column in columns:
            op.execute(f'CREATE INDEX ix_pg_{table}_{column}_c ON {table} ({column} COLLATE "C")')


def downgrade() -> None:
    if not _postgres():
        return
    for table, columns in PREFIX_C.items():
        for column in columns:
            op.execute(f"DROP INDEX IF EXISTS ix_pg_{table}_{column}_c")
    for table, columns in TRIGRAM.items():
        for column in columns:
            op.execute(f"DROP INDEX IF EXISTS ix_pg_{table}_{column}_trgm")
    op.create_index("ix_cases_text", "cases", ["summary", "target"])
