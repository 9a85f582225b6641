"""A year's statistics on PostgreSQL read the indexes of migration 0010 (docs/rules.md, 多人使用):
the open span for 期末未结 / 上期结转, the kind-and-date index with the case id for the outgoing
counts, the voided ids. Each plan is asked for with every other index of the table dropped (in a
transaction rolled back), so it fails when the query's expression no longer matches the index's,
whatever the planner would pick on a small test database."""

import datetime as dt

import pytest
from accounts import TESTER
from factories import case_input
from sqlalchemy import Select, func, select, text, update

from app.cases.service import CaseService
from app.db import Database
from app.models import Case, Event
from app.stats import art41, queries
from app.stats.figures import populations
from app.stats.service import StatisticsService

D = dt.date
OTHER_CASE_INDEXES = [
    "ix_cases_final_received",
    "ix_cases_received_on",
    "ix_cases_voided_received",
    "ix_cases_status_received",
    "ix_cases_decision_due",
    "ix_cases_handling_due",
]


def _plan(db: Database, query: Select[tuple[int]], drop: list[str]) -> str:
    with db.engine.connect() as conn:
        trans = conn.begin()
        try:
            for name in drop:
                conn.execute(text(f"DROP INDEX {name}"))
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            return "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}")))
        finally:
            trans.rollback()


def _some_cases(cases: CaseService) -> None:
    for i in range(6):
        data = case_input(received_on=D(2025, 1, 1 + i), form="来信", name=f"甲{i}")
        number = cases.create(data).number  # type: ignore[arg-type]
        cases.act(number, "交办", D(2025, 1, 10), {"to": "县住建局", "deadline": "2025-02-01"})


@pytest.mark.postgres_only
def test_open_and_carried_counts_walk_the_open_span(db: Database, cases: CaseService) -> None:
    _some_cases(cases)
    with db.read() as s:
        scope = queries.scope(s, D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases"))  # all visible: an index-only scan can count
    for population in ("open", "carried"):
        query = select(func.count()).where(populations(scope)[population])
        plan = _plan(db, query, OTHER_CASE_INDEXES)
        # index only: the index holds every column the open test reads
        assert "Index Only Scan using ix_pg_cases_open_span" in plan, (population, plan)


@pytest.mark.postgres_only
def test_outgoing_counts_read_the_events_index_and_the_voided_ids(
    db: Database, cases: CaseService
) -> None:
    _some_cases(cases)
    with db.read() as s:
        scope = queries.scope(s, D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))
    query = select(func.count(Event.case_id)).where(art41._events(["交办", "转送"], scope))
    plan = _plan(db, query, ["ix_events_kind_on", "ix_cases_voided_received"])
    assert "ix_pg_events_kind_on_case" in plan, plan
    assert "ix_pg_cases_voided_ids" in plan, plan


def test_a_final_date_before_the_received_one_is_simply_not_open(
    db: Database, cases: CaseService
) -> None:
    """Imported history can have 办结 before 登记: the row is kept (on PostgreSQL the open-span
    index must not refuse it) and the case is not open at the end of the year."""
    number = cases.create(case_input(received_on=D(2025, 3, 10), form="来信", name="乙")).number  # type: ignore[arg-type]
    with db.session() as s:
        s.execute(
            update(Case)
            .where(Case.number == number)
            .values(final_on=D(2025, 3, 1), status="已办结")
        )
    j = StatisticsService(db, TESTER).compute(D(2025, 1, 1), D(2025, 12, 31)).to_json()
    assert j["total"] == 1 and j["open_at_end"] == 0
    later = StatisticsService(db, TESTER).compute(D(2025, 6, 1), D(2025, 12, 31)).to_json()
    assert later["carried_over"] == 0
