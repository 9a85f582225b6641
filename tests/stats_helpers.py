"""Helpers for the statistics tests: register and act on cases through the services."""

import datetime as dt
from typing import Any

from factories import case_input, register

from app.cases.service import CaseService
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
