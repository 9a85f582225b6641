"""The SQL behind the figures joins what it names. A nested subquery that mentions an outer
table must correlate with it: SQLAlchemy correlates only with the query just outside, and
otherwise adds the table to the subquery's FROM — a cross join with every row of it, which
both answers for the wrong rows and grows with the whole database (it once made 反馈 naming
no unit miss their 交办 in 交办超期未反馈)."""

import datetime as dt
import re

from accounts import TESTER
from sqlalchemy import event

from app import clock
from app.cases import demo
from app.cases.supervision_service import SupervisionService
from app.db import Database
from app.office.units import UnitService
from app.stats.service import StatisticsService

COMMA_JOIN = re.compile(r"\bFROM \w+(?: AS \w+)?, \w+")


def test_no_figure_query_cross_joins_a_table(db: Database) -> None:
    clock.set_today(dt.date(2026, 11, 27))
    try:
        demo.generate(db, 300, seed=2)
        seen: list[str] = []

        def record(_c: object, _cur: object, statement: str, *_a: object) -> None:
            seen.append(" ".join(statement.split()))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            stats = StatisticsService(db, TESTER)
            stats.compute(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
            stats.dashboard(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
            supervision = SupervisionService(db, TESTER)
            supervision.supervision_list()
            supervision.alerts()
            UnitService(db, TESTER).register()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert len(seen) > 50
        assert [s[:200] for s in seen if COMMA_JOIN.search(s)] == []
    finally:
        clock.set_today(None)
