"""Helpers for the statistics tests: register and act on cases through the services."""

import datetime as dt
from typing import Any

from factories import case_input, register
from sqlalchemy import select

from app.cases.projection import reproject
from app.cases.service import CaseService
from app.db import Database
from app.models import Case, Event
from app.stats.service import Statistics, StatisticsService

D = dt.date


def add(cases: CaseService, received: dt.date, form: str = "来信", **kw: Any) -> str:
    """A case; 问题类别 stays as given (none = 未填写, as an imported ledger row may be)."""
    kw.setdefault("category", "")
    data = case_input(received_on=received, form=form, name=kw.pop("name", "张三"), **kw)
    return register(cases, data)


def act(cases: CaseService, number: str, *steps: tuple[Any, ...]) -> None:
    """steps: (action, date) or (action, date, data)."""
    defaults = {
        "答复": {"result": "支持"},
        "不予受理": {"reason": "属诉讼事项", "route": "向法院起诉"},
        "转送": {"to": "县人社局"},
        "交办": {"to": "镇政府"},
        "作废": {"reason": "重复登记"},
        "复查意见": {"opinion": "维持"},
        "复核意见": {"opinion": "维持"},
    }
    for step in steps:
        action, on = step[0], step[1]
        data = step[2] if len(step) > 2 else defaults.get(action, {})
        cases.act(number, action, on, dict(data))


def close(
    cases: CaseService, number: str, accepted: dt.date, replied: dt.date, closed: dt.date
) -> None:
    act(cases, number, ("受理", accepted), ("答复", replied), ("办结", closed))


def ids_of(service: StatisticsService, stats: Statistics, key: str) -> list[int]:
    return service.case_ids(key, stats.date_from, stats.date_to, stats.as_of)


def imported(db: Database, number: str, *steps: tuple[Any, ...]) -> None:
    """Write steps the way the ledger import does: straight onto the case, marks kept
    (`{"inferred": True}`, `{"date_unknown": True}`), no workflow check, then reproject.
    steps: (kind, date) or (kind, date, data). The clerk's path (CaseService.act) drops the marks,
    so cases with imported gaps are built here until the importer writes them."""
    with db.session() as s:
        case = s.scalar(select(Case).where(Case.number == number))
        assert case is not None, number
        for step in steps:
            kind, on = step[0], step[1]
            data = dict(step[2]) if len(step) > 2 else dict(_IMPORT_DEFAULTS.get(kind, {}))
            seq = case.events[-1].seq + 1 if case.events else 1
            case.events.append(
                Event(kind=kind, on=on, data=data, seq=seq, recorded_by="导入", recorded_at=NOW)
            )
            reproject(s, case)


_IMPORT_DEFAULTS: dict[str, dict[str, Any]] = {
    "情况不详": {"status_unknown": True},
    "答复": {"result": "支持"},
    "退回": {"reason": "不属本单位职责"},
    "交办": {"to": "镇政府"},
}
NOW = dt.datetime(2025, 12, 31, 9, 0)


def unknown(db: Database, number: str, on: dt.date | None = None) -> None:
    """A row with no status information (§9): 登记 then 情况不详 (dated `on`, default 登记日期)."""
    with db.read() as s:
        received = s.scalar(select(Case.received_on).where(Case.number == number))
    imported(db, number, ("情况不详", on or received))


def closed_date_unknown(
    db: Database, number: str, replied: dt.date | None = None, inferred: bool = True
) -> None:
    """已办结 with no 办结日期 (§9): 受理 (inferred at the 登记日期), 答复, and a 办结 dated the
    答复日期, else the 登记日期, marked date_unknown."""
    with db.read() as s:
        received = s.scalar(select(Case.received_on).where(Case.number == number))
    assert received is not None
    on = replied or received
    imported(
        db,
        number,
        ("受理", received, {"inferred": True} if inferred else {}),
        ("答复", on, {"result": "支持"}),
        ("办结", on, {"date_unknown": True}),
    )
