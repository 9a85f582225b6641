"""scope: users.department (the 科室 data scope) and, on PostgreSQL, a bigram index for
two-character searches

- users.department: an account's optional 科室. With the office setting
  clerk_department_scope on, a 登记员 with a 科室 sees and handles only that 科室's cases and the
  cases with no 科室 yet (app/cases/scope.py); statistics stay office-wide.
- PostgreSQL only: pg_trgm finds no trigram inside a 2-character query, so LIKE '%土地%' read
  the whole table (~800 ms at 1,000,000 cases). xinfang_bigrams(text) gives the distinct
  lower-cased 2-character grams of a text; a GIN index on the grams of summary and 被反映对象
  serves `@> ARRAY['土地']`, rechecked with the LIKE (app/cases/search.py). An expression index:
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

# The text the bigram index covers; search.py builds the same expression (BIGRAM_TEXT there).
# A newline between the two: a gram across the join matches nothing a LIKE recheck keeps.
BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION xinfang_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(l, i, 2)), '{}')
  FROM (SELECT lower(t) AS l) AS s, generate_series(1, char_length(t) - 1) AS i
$$
"""
BIGRAMS_INDEX = (
    "CREATE INDEX ix_pg_cases_bigrams ON cases USING gin "
    "(xinfang_bigrams(coalesce(summary, '') || chr(10) || coalesce(target, '')))"
)


def upgrade() -> None:
    op.add_column("users", sa.Column("department", sa.String(50), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BIGRAMS_FUNCTION)
        op.execute(BIGRAMS_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_pg_cases_bigrams")
        op.execute("DROP FUNCTION IF EXISTS xinfang_bigrams(text)")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("department")
