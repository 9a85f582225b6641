"""scope: users.department (the 科室 data scope) and, on PostgreSQL, an index of 1- and
2-character grams for short searches

- users.department: an account's optional 科室. With the office setting
  clerk_department_scope on, a 登记员 with a 科室 sees and handles only that 科室's cases and the
  cases with no 科室 yet (app/cases/scope.py); statistics stay office-wide.
- PostgreSQL only: pg_trgm finds no trigram inside a 1- or 2-character query, so LIKE '%土地%'
  read the whole table (~800 ms at 1,000,000 cases) and ILIKE '%张%' walked the whole trigram
  index (3.7 s). xinfang_grams(text) gives the distinct lower-cased 1- and 2-character grams of
  a text; a GIN index on the grams of summary and 被反映对象 answers `@> ARRAY['土地']` exactly
  (app/cases/search.py). An expression index:
  every write (intake, edit, import, demo) keeps it without a column or a trigger, and the
  schema comparison leaves ix_pg_* out.

Revision ID: 0009_scope
Revises: 0008_postgres
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_scope"
down_revision: str | None = "0008_postgres"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The text the gram index covers; search.py builds the same expression (GRAM_TEXT there).
# A newline between the two: a gram across the join matches nothing a LIKE recheck keeps.
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION xinfang_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(s.l, i, n)), '{}')
  FROM (SELECT lower(t) AS l) AS s, generate_series(1, 2) AS n,
       generate_series(1, char_length(s.l) - n + 1) AS i
$$
"""
GRAMS_INDEX = (
    "CREATE INDEX ix_pg_cases_grams ON cases USING gin "
    "(xinfang_grams(coalesce(summary, '') || chr(10) || coalesce(target, '')))"
)


def upgrade() -> None:
    op.add_column("users", sa.Column("department", sa.String(50), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRAMS_FUNCTION)
        op.execute(GRAMS_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_pg_cases_grams")
        op.execute("DROP FUNCTION IF EXISTS xinfang_grams(text)")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("department")
