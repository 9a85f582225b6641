"""postgres: three indexes a year's statistics reads on a server

On SQLite this revision does nothing. On PostgreSQL (app/stats, docs/rules.md 多人使用):
- ix_pg_cases_open_span: the days a case is open, [received_on, final_on), as a GiST range,
  with the other columns of the open test, so the count reads the index alone.
  期末未结 and 上期结转 count the cases whose span holds one day; through (final_on,
  received_on) the planner could not tell that "finalised after D, received before D" is a few
  thousand cases and read every case received before D (at 1,000,000 cases 690,000 rows for
  last year's 上期结转). A final_on before received_on (imported history) gives an empty span,
  like the figures' own test, instead of an error.
- ix_pg_events_kind_on_case: the kind and date index with the case id in it, so the counts of
  转送/交办/督办 in a period read the index alone.
- ix_pg_cases_voided_ids: the few voided cases' ids, which those counts leave out.
The expression of the first must stay the one `app.dialect.open_span_holds` writes, or the
planner no longer uses it (tests/test_stats_plans.py checks the plan).
Every name starts with ix_pg_ so the schema comparison with the models leaves them out.

Revision ID: 0010_pg_stats
Revises: 0009_files
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_pg_stats"
down_revision: str | None = "0009_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_SPAN = (
    "daterange(received_on, CASE WHEN final_on IS NULL THEN NULL "
    "ELSE greatest(final_on, received_on) END, '[)')"
)
# Every column the open test of the figures reads (app/stats/figures.py populations), so the
# counts read the index alone: 30 → 12 ms for a year's 上期结转 at 1,000,000 cases.
OPEN_TEST = "received_on, final_on, voided, status, undone_final_on, undone_on"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    op.execute(
        f"CREATE INDEX ix_pg_cases_open_span ON cases "
        f"USING gist ({OPEN_SPAN}) INCLUDE ({OPEN_TEST})"
    )
    op.execute('CREATE INDEX ix_pg_events_kind_on_case ON events (kind, "on") INCLUDE (case_id)')
    op.execute("CREATE INDEX ix_pg_cases_voided_ids ON cases (id) WHERE voided IS TRUE")


def downgrade() -> None:
    if not _postgres():
        return
    for name in ("ix_pg_cases_voided_ids", "ix_pg_events_kind_on_case", "ix_pg_cases_open_span"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
