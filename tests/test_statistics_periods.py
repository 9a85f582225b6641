"""同比 and periods: 29 February, the JSON shape, a year the holiday package does not know,
retired dictionary values, and the dashboard's workload matching the case list's warnings."""

import datetime as dt

import pytest
from accounts import TESTER
from stats_helpers import D, act, add, close

from app import clock
from app.cases import demo
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database
from app.models import OfficeHoliday
from app.office import dictionaries
from app.stats import period
from app.stats.service import StatisticsService


@pytest.fixture
def stats(db: Database) -> StatisticsService:
    return StatisticsService(db, TESTER)


def test_shift_year_maps_29_february_to_28_february() -> None:
    assert period.shift_year(D(2024, 2, 29)) == D(2023, 2, 28)
    assert period.shift_year(D(2025, 3, 1)) == D(2024, 3, 1)
    assert period.shift_year(D(2025, 2, 28)) == D(2024, 2, 28)
    assert period.months(D(2024, 11, 15), D(2025, 2, 1)) == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    assert period.preset("quarter", D(2025, 8, 15)) == (D(2025, 7, 1), D(2025, 9, 30))
    assert period.preset("month", D(2024, 2, 10)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert period.preset("last_year", D(2025, 8, 15)) == (D(2024, 1, 1), D(2024, 12, 31))


def test_yoy_over_29_february(cases: CaseService, stats: StatisticsService) -> None:
    add(cases, D(2024, 2, 29), "来访", persons=3)
    add(cases, D(2024, 2, 10))
    close(cases, add(cases, D(2023, 2, 28), "来访"), D(2023, 2, 28), D(2023, 3, 1), D(2023, 3, 2))
    add(cases, D(2023, 3, 1))  # outside last year's period
    s = stats.compute(D(2024, 2, 1), D(2024, 2, 29))
    assert s.last is not None
    assert (s.last.date_from, s.last.date_to, s.last.as_of) == (
        D(2023, 2, 1),
        D(2023, 2, 28),
        D(2023, 2, 28),
    )
    y = s.to_json()["yoy"]
    assert y["total"] == {"this": 2, "last": 1, "change": 1.0}
    assert y["visits"]["persons"] == {"this": 3, "last": 1, "change": 2.0}
    assert y["visits"]["batches"] == {"this": 1, "last": 1, "change": 0.0}
    assert y["by_form"]["来信"] == {"this": 1, "last": 0, "change": None}
    # Last year's visit was accepted by A' = 2-28 but not closed: a rate changes by the difference.
    assert y["closure_rate"] == {"this": None, "last": 0.0, "change": None}
    assert s.ratio("yoy.closure_rate") == (0, 1)
    later = stats.compute(D(2024, 2, 1), D(2024, 2, 29), as_of=D(2024, 3, 31))
    assert later.to_json()["yoy"]["closure_rate"]["last"] == 1.0
    assert later.to_json()["yoy"]["handled_rate"] == {"this": 0.0, "last": 1.0, "change": -1.0}


EXPECTED_KEYS = [
    "total",
    "persons_total",
    "by_form",
    "by_channel",
    "by_category",
    "by_department",
    "by_month",
    "visits",
    "collective",
    "visit_levels",
    "skip_level",
    "abnormal",
    "repeat",
    "repeat_rate",
    "timely_acceptance_rate",
    "closure_rate",
    "on_time_closure_rate",
    "overdue_open",
    "avg_days_to_close",
    "handled_rate",
    "evaluation_rate",
    "satisfaction_rate",
    "carried_over",
    "open_at_end",
    "leader_cases",
    "leader_closure_rate",
    "leader_receptions",
    "screenings",
    "by_target",
    "outgoing",
    "by_assigning_org",
    "assigned_on_time_rate",
    "incoming_supervisions",
    "data_gaps",
    "carried_over_correction",
    "yoy",
]


def test_json_has_exactly_the_contract_keys(cases: CaseService, stats: StatisticsService) -> None:
    add(cases, D(2025, 3, 3), "来访", visit_level="进京")
    j = stats.compute(D(2025, 1, 1), D(2025, 12, 31)).to_json()
    assert list(j) == EXPECTED_KEYS
    assert set(j["visits"]) == {"batches", "persons"} == set(j["collective"])
    assert list(j["visit_levels"]) == ["进京", "赴省", "到市", "到县"]
    assert set(j["leader_receptions"]) == {"days", "batches", "persons"}
    assert set(j["screenings"]) == {"times", "found", "resolved"}
    assert j["data_gaps"] == {"status_unknown": 0, "closed_date_unknown": 0, "decision_inferred": 0}
    assert len(j["by_month"]) == 12
    yoy = j["yoy"]
    assert set(yoy) == set(EXPECTED_KEYS) - {"yoy", "by_month", "carried_over_correction"}
    assert set(yoy["visits"]) == {"batches", "persons"}
    assert set(yoy["data_gaps"]) == set(j["data_gaps"])
    for entry in (
        yoy["total"],
        yoy["closure_rate"],
        yoy["visits"]["batches"],
        yoy["by_form"]["来访"],
    ):
        assert set(entry) == {"this", "last", "change"}
    import json

    json.dumps(j, ensure_ascii=False)  # plain JSON types only


def test_a_year_the_holiday_package_does_not_know(
    cases: CaseService, db: Database, stats: StatisticsService
) -> None:
    clock.set_today(D(2027, 6, 30))
    with db.session() as s:  # the office marks 3-22 as a rest day
        s.add(OfficeHoliday(day=D(2027, 3, 22), rest=True, name="地方假日"))
    # 3-05 + 15 = 3-20 (Sat) → Mon 3-22 is the office's rest day → 3-23.
    a, b = add(cases, D(2027, 3, 5)), add(cases, D(2027, 3, 5))
    detail = cases.detail(a)
    assert detail.decision_due == D(2027, 3, 23) and detail.due_estimated
    act(cases, a, ("受理", D(2027, 3, 23)))
    act(cases, b, ("受理", D(2027, 3, 24)))
    s = stats.compute(D(2027, 3, 1), D(2027, 3, 31))
    assert s.as_of == D(2027, 3, 31)
    assert s.ratio("timely_acceptance_rate") == (1, 2)
    assert s.to_json()["yoy"]["total"] == {"this": 2, "last": 0, "change": None}


def test_retired_and_unknown_dictionary_values_still_count(
    cases: CaseService, db: Database, stats: StatisticsService
) -> None:
    add(cases, D(2025, 3, 3), channel="市长信箱")
    with db.session() as s:
        dictionaries.deactivate(s, "channel", "市长信箱")
        dictionaries.deactivate(s, "channel", "书记信箱")  # retired and unused: not shown
        dictionaries.deactivate(s, "department", "综合科")
    j = stats.compute(D(2025, 3, 1), D(2025, 3, 31)).to_json()
    assert j["by_channel"]["市长信箱"] == 1 and "书记信箱" not in j["by_channel"]
    assert "综合科" not in j["by_department"]
    assert list(j["by_channel"])[-1] == "市长信箱"  # after the active values
    assert sum(j["by_channel"].values()) == j["total"] == 1


def test_workload_at_today_matches_the_case_list_warnings(
    db: Database, cases: CaseService, stats: StatisticsService
) -> None:
    demo.generate(db, 400, seed=3)
    add(cases, D(2025, 12, 20))  # undecided, due 2026-01-04: 临期
    act(cases, add(cases, D(2025, 10, 20)), ("受理", D(2025, 10, 31)))  # due 12-30: 超期
    today = clock.today()
    s = stats.compute(D(today.year, 1, 1), today, workload=True)
    service = CaseService(db, TESTER)
    for key, warning in (("workload.overdue", "超期"), ("workload.due_soon", "临期")):
        listed = service.ids(CaseFilter(warning=warning))
        assert s.counts[key] == len(listed) > 0
        assert sorted(stats.case_ids(key, D(today.year, 1, 1), today)) == sorted(listed)
    open_now = service.count(CaseFilter(statuses=["待受理", "办理中", "已答复"]))
    assert s.to_json()["open_at_end"] == open_now
    assert isinstance(today, dt.date)


def test_both_years_list_the_same_values_blank_last(
    cases: CaseService, stats: StatisticsService
) -> None:
    add(cases, D(2025, 3, 3))  # no category: 未填写
    add(cases, D(2024, 3, 3), category="水利")
    add(cases, D(2024, 3, 4), channel="市长信箱")
    with stats.db.session() as s:
        dictionaries.deactivate(s, "channel", "市长信箱")
        dictionaries.deactivate(s, "category", "水利")
    s = stats.compute(D(2025, 3, 1), D(2025, 3, 31))
    assert s.last is not None
    assert list(s.breakdowns["by_category"])[-2:] == ["水利", "未填写"]
    assert list(s.breakdowns["by_category"]) == list(s.last.breakdowns["by_category"])
    assert (
        s.breakdowns["by_channel"]["市长信箱"] == 0
        and s.last.breakdowns["by_channel"]["市长信箱"] == 1
    )
    assert s.to_json()["yoy"]["by_category"]["水利"] == {"this": 0, "last": 1, "change": -1.0}


@pytest.mark.parametrize(
    "date_from, date_to, as_of",
    [
        (D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31)),  # a whole year: months from the stats
        (D(2025, 4, 1), D(2025, 6, 30), D(2025, 7, 15)),  # a quarter: months read apart
    ],
)
def test_dashboard_reads_last_year_alongside_and_equals_compute(
    db: Database,
    cases: CaseService,
    stats: StatisticsService,
    date_from: dt.date,
    date_to: dt.date,
    as_of: dt.date,
) -> None:
    """The dashboard reads last year's figures on a second connection at the same time; what it
    shows must be exactly what the one-transaction `compute` gives, 同比 and months included."""
    from app.periods.guard import correcting
    from app.periods.service import PeriodService

    demo.generate(db, 400, seed=3, years=(2024, 2025))
    last = (period.shift_year(date_from), period.shift_year(date_to), period.shift_year(as_of))
    for closed in (False, True):
        if closed:
            # 同比 against last year's frozen figures (§9), then a correction moves the live ones.
            PeriodService(db, TESTER).close(*last)
            with correcting("补录漏登的来信"):
                add(cases, last[0])
        shown, this_months, last_months = stats.dashboard(date_from, date_to, as_of)
        one = stats.compute(date_from, date_to, as_of, workload=True)
        assert shown.to_json() == one.to_json()
        assert shown.last is not None and one.last is not None
        assert shown.last.counts == one.last.counts
        assert shown.last.breakdowns == one.last.breakdowns
        live_last = stats.compute(*last, workload=True).counts["total"]
        assert shown.last.counts["total"] == live_last - (1 if closed else 0)
        assert this_months == stats.compute(*period.year_period(2025)).breakdowns["by_month"]
        # The trend's last year: the 同比 figures' own months for a whole year (frozen once
        # 2024 is closed), else the live months of 2024.
        whole_year = (date_from, date_to) == period.year_period(2025)
        live_months = stats.compute(*period.year_period(2024)).breakdowns["by_month"]
        assert last_months == (one.last.breakdowns["by_month"] if whole_year else live_months)
