"""Every §5 figure against small hand-computed fixtures, registered through the case services."""

import datetime as dt

import pytest
from accounts import TESTER
from stats_helpers import D, act, add, close, ids_of

from app.cases.service import CaseService
from app.db import Database
from app.models import LeaderReception, Screening
from app.office import settings
from app.stats.service import StatisticsService


@pytest.fixture
def stats(db: Database) -> StatisticsService:
    return StatisticsService(db, TESTER)


def test_counts_and_breakdowns_over_the_period(
    cases: CaseService, stats: StatisticsService
) -> None:
    before = add(cases, D(2025, 2, 28))  # the day before P
    add(
        cases,
        D(2025, 3, 1),
        "来访",
        persons=6,
        visit_level="到市",
        skip_level=True,
        category="水利",
        department="办公室",
    )
    add(
        cases,
        D(2025, 3, 31),
        "来访",
        persons=2,
        visit_level="进京",
        abnormal=True,
        category="农村农业",
        department="业务科",
        repeat_of=before,
        leader="王建国",
    )
    add(cases, D(2025, 3, 15), "来电", channel="12345热线")
    act(cases, add(cases, D(2025, 3, 20), "网上"), ("作废", D(2025, 3, 21)))  # leaves statistics
    add(cases, D(2025, 4, 1))  # the day after P

    s = stats.compute(D(2025, 3, 1), D(2025, 3, 31))
    j = s.to_json()
    assert s.as_of == D(2025, 3, 31)  # min(to, today)
    assert (j["total"], j["persons_total"]) == (3, 9)
    assert j["by_form"] == {"来信": 0, "来访": 2, "来电": 1, "网上": 0, "传真": 0}
    assert j["by_channel"]["直接受理"] == 2 and j["by_channel"]["12345热线"] == 1
    assert len(j["by_channel"]) == 12 and sum(j["by_channel"].values()) == 3  # zeros included
    assert j["by_category"]["水利"] == 1 and j["by_category"]["农村农业"] == 1
    assert j["by_category"]["未填写"] == 1 and sum(j["by_category"].values()) == 3
    assert j["by_department"] == {"办公室": 1, "业务科": 1, "法规科": 0, "综合科": 0, "未填写": 1}
    assert j["by_month"] == {"2025-03": 3}
    assert j["visits"] == {"batches": 2, "persons": 8}
    assert j["collective"] == {"batches": 1, "persons": 6}  # 6 ≥ threshold 5; 2 is not
    assert j["visit_levels"] == {"进京": 1, "赴省": 0, "到市": 1, "到县": 0}
    assert (j["skip_level"], j["abnormal"], j["repeat"]) == (1, 1, 1)
    assert j["repeat_rate"] == pytest.approx(1 / 3) and s.ratio("repeat_rate") == (1, 3)
    assert j["leader_cases"] == 1
    assert len(ids_of(stats, s, "total")) == 3
    assert len(ids_of(stats, s, "by_category.未填写")) == 1


def test_zero_denominators_are_null(stats: StatisticsService) -> None:
    j = stats.compute(D(2025, 3, 1), D(2025, 3, 31)).to_json()
    assert j["total"] == 0 and j["avg_days_to_close"] is None
    for key in (
        "repeat_rate",
        "timely_acceptance_rate",
        "closure_rate",
        "on_time_closure_rate",
        "handled_rate",
        "evaluation_rate",
        "satisfaction_rate",
        "leader_closure_rate",
    ):
        assert j[key] is None, key
        assert j["yoy"][key] == {"this": None, "last": None, "change": None}
    assert j["yoy"]["total"] == {"this": 0, "last": 0, "change": None}


def test_timely_acceptance_with_a_deadline_rolled_off_the_national_day_holiday(
    cases: CaseService, stats: StatisticsService
) -> None:
    # 9-16 + 15 days = 10-01, inside the 10-01…10-08 holiday → due 10-09.
    a, b, c, d = (add(cases, D(2025, 9, 16)) for _ in range(4))
    assert cases.detail(a).decision_due == D(2025, 10, 9)
    e = add(cases, D(2025, 9, 30))  # due 10-15
    act(cases, a, ("受理", D(2025, 10, 5)))  # late without the roll, in time with it
    act(cases, b, ("受理", D(2025, 10, 9)))  # on the due day
    act(cases, c, ("不予受理", D(2025, 10, 10)))  # a day late
    del d, e  # d: undecided past due; e: undecided, due 10-15
    p = (D(2025, 9, 1), D(2025, 9, 30))
    assert stats.compute(*p, as_of=D(2025, 10, 7)).ratio("timely_acceptance_rate") == (1, 1)
    assert stats.compute(*p, as_of=D(2025, 10, 12)).ratio("timely_acceptance_rate") == (2, 4)
    s = stats.compute(*p, as_of=D(2025, 10, 31))
    assert s.ratio("timely_acceptance_rate") == (2, 5)
    assert s.to_json()["timely_acceptance_rate"] == pytest.approx(0.4)
    assert len(ids_of(stats, s, "timely_acceptance_rate.missed")) == 3


@pytest.fixture
def handling(cases: CaseService) -> dict[str, str]:
    """Seven cases received in the first half of 2025 (hand-computed dues in the comments)."""
    n = {
        k: add(cases, r, leader=ld)
        for k, r, ld in [
            ("h1", D(2025, 3, 3), "王建国"),
            ("h2", D(2025, 3, 3), ""),
            ("h3", D(2025, 3, 10), ""),
            ("h4", D(2025, 3, 10), "王建国"),
            ("h5", D(2025, 6, 20), ""),
            ("h6", D(2025, 4, 1), "王建国"),
            ("h7", D(2025, 4, 1), ""),
        ]
    }
    # h1: due 3-03+60 = 5-02, in the May Day holiday → 5-06; closed 5-06: on time.
    close(cases, n["h1"], D(2025, 3, 3), D(2025, 4, 30), D(2025, 5, 6))
    # h2: due 5-06, 延期 30 days → 6-05; closed 6-04: on time thanks to the extension.
    act(
        cases,
        n["h2"],
        ("受理", D(2025, 3, 3)),
        ("延期", D(2025, 4, 20), {"reason": "复杂", "approver": "王建国", "days": 30}),
        ("答复", D(2025, 6, 1)),
        ("办结", D(2025, 6, 4)),
    )
    # h3: due 5-09; closed 5-25: late.
    close(cases, n["h3"], D(2025, 3, 10), D(2025, 5, 20), D(2025, 5, 25))
    # h4: accepted 3-11, due 5-10 (Sat) → 5-12; never closed.
    act(cases, n["h4"], ("受理", D(2025, 3, 11)))
    # h5: accepted 6-21, due 8-20.
    act(cases, n["h5"], ("受理", D(2025, 6, 21)))
    # h6: forwarded: a final disposition, never accepted.
    act(cases, n["h6"], ("转送", D(2025, 4, 2)))
    # h7: due 5-31, in the Dragon Boat holiday → 6-03; replied, not closed.
    act(cases, n["h7"], ("受理", D(2025, 4, 1)), ("答复", D(2025, 4, 10)))
    return n


def test_handling_figures(
    handling: dict[str, str], cases: CaseService, stats: StatisticsService
) -> None:
    assert cases.detail(handling["h2"]).handling_due == D(2025, 6, 5)
    s = stats.compute(D(2025, 1, 1), D(2025, 6, 30))
    j = s.to_json()
    assert j["total"] == 7
    assert s.ratio("closure_rate") == (3, 6)  # H = all but h6
    assert s.ratio("on_time_closure_rate") == (2, 5)  # h1, h2 of h1, h2, h3 + overdue h4, h7
    assert j["overdue_open"] == 2
    assert j["avg_days_to_close"] == 77.7  # (64 + 93 + 76) / 3 = 77.67
    assert s.ratio("handled_rate") == (4, 7)  # h1, h2, h3 closed; h6 forwarded
    assert j["leader_cases"] == 3 and s.ratio("leader_closure_rate") == (1, 2)
    number = {cid: n for n, cid in ((n, cases.detail(n).id) for n in handling.values())}
    overdue = {number[i] for i in ids_of(stats, s, "overdue_open")}
    assert overdue == {handling["h4"], handling["h7"]}


def test_as_of_before_the_closures(handling: dict[str, str], stats: StatisticsService) -> None:
    s = stats.compute(D(2025, 1, 1), D(2025, 6, 30), as_of=D(2025, 5, 15))
    j = s.to_json()
    assert j["total"] == 7  # R does not depend on A
    assert s.ratio("closure_rate") == (1, 5)  # h5 not yet accepted; only h1 closed
    assert s.ratio("on_time_closure_rate") == (1, 3)  # h1 + overdue h3 (5-09), h4 (5-12)
    assert j["overdue_open"] == 2
    assert j["avg_days_to_close"] == 64.0
    assert s.ratio("handled_rate") == (2, 7)  # h1 and h6


def test_an_extension_granted_on_the_due_day_moves_the_due(
    cases: CaseService, stats: StatisticsService
) -> None:
    # A 延期 after the handling due is refused (docs/rules.md, 时限); on the due day it is allowed.
    n = add(cases, D(2025, 1, 2))
    act(cases, n, ("受理", D(2025, 1, 2)))  # due 3-03
    act(cases, n, ("延期", D(2025, 3, 3), {"reason": "复杂", "approver": "王建国", "days": 30}))
    assert cases.detail(n).handling_due == D(2025, 4, 2)
    p = (D(2025, 1, 1), D(2025, 1, 31))
    assert stats.compute(*p, as_of=D(2025, 3, 5)).to_json()["overdue_open"] == 0
    assert stats.compute(*p, as_of=D(2025, 4, 2)).to_json()["overdue_open"] == 0  # the due day
    assert stats.compute(*p, as_of=D(2025, 4, 3)).to_json()["overdue_open"] == 1
    assert len(stats.case_ids("overdue_open", *p, as_of=D(2025, 4, 3))) == 1
    w = stats.compute(*p, as_of=D(2025, 4, 3), workload=True)
    assert w.counts["workload.overdue"] == 1 and w.counts["workload.due_soon"] == 0


@pytest.mark.parametrize("count_basic, satisfied", [(True, 3), (False, 2)])
def test_evaluation_and_satisfaction(
    cases: CaseService, db: Database, stats: StatisticsService, count_basic: bool, satisfied: int
) -> None:
    with db.session() as s:
        settings.put(s, "count_basic_satisfied", count_basic)
    numbers = [add(cases, D(2025, 3, 3)) for _ in range(6)]
    for n in numbers[:4] + numbers[5:]:
        close(cases, n, D(2025, 3, 3), D(2025, 3, 10), D(2025, 3, 12))
    for n, rating in zip(numbers[:3], ["满意", "基本满意", "不满意"], strict=True):
        act(cases, n, ("回访", D(2025, 3, 15), {"rating": rating}))
    # numbers[3]: closed, never rated. numbers[4]: replied and rated but not closed.
    act(
        cases,
        numbers[4],
        ("受理", D(2025, 3, 3)),
        ("答复", D(2025, 3, 10)),
        ("回访", D(2025, 3, 11), {"rating": "满意"}),
    )
    # numbers[5]: 不满意 first, 满意 at a second 回访 on 4-20.
    act(
        cases,
        numbers[5],
        ("回访", D(2025, 3, 20), {"rating": "不满意"}),
        ("回访", D(2025, 4, 20), {"rating": "满意"}),
    )
    p = (D(2025, 3, 1), D(2025, 3, 31))
    s = stats.compute(*p, as_of=D(2025, 6, 30))
    assert s.ratio("evaluation_rate") == (4, 5)
    assert s.ratio("satisfaction_rate") == (satisfied, 4)
    # At 4-01 the second 回访 had not happened: the case was rated 不满意.
    early = stats.compute(*p, as_of=D(2025, 4, 1))
    assert early.ratio("satisfaction_rate") == (satisfied - 1, 4)
    assert (
        len(stats.case_ids("satisfaction_rate.numerator", *p, as_of=D(2025, 4, 1))) == satisfied - 1
    )
    # At 3-13 the cases were closed but nobody had been asked yet.
    assert stats.compute(*p, as_of=D(2025, 3, 13)).ratio("evaluation_rate") == (0, 5)


def test_carried_over_and_open_at_end(cases: CaseService, stats: StatisticsService) -> None:
    close(cases, add(cases, D(2025, 3, 10)), D(2025, 3, 11), D(2025, 3, 20), D(2025, 3, 25))
    close(
        cases, add(cases, D(2025, 3, 15)), D(2025, 3, 16), D(2025, 4, 5), D(2025, 4, 10)
    )  # carried
    add(cases, D(2025, 3, 20))  # carried, open at end
    act(cases, add(cases, D(2025, 3, 31)), ("不予受理", D(2025, 4, 1)))  # carried
    act(cases, add(cases, D(2025, 4, 10)), ("受理", D(2025, 4, 10)))  # open at end
    act(cases, add(cases, D(2025, 3, 1)), ("作废", D(2025, 3, 2)))  # voided: nowhere
    close(
        cases, add(cases, D(2025, 4, 15)), D(2025, 4, 15), D(2025, 4, 20), D(2025, 5, 10)
    )  # open at 4-30
    add(cases, D(2025, 5, 5))  # received after A
    # Closed 3-06, then a 复查 request: still at a final disposition, not open.
    act(
        cases,
        add(cases, D(2025, 3, 1)),
        ("受理", D(2025, 3, 1)),
        ("答复", D(2025, 3, 5)),
        ("办结", D(2025, 3, 6)),
        ("复查申请", D(2025, 3, 10)),
    )
    s = stats.compute(D(2025, 4, 1), D(2025, 4, 30))
    j = s.to_json()
    assert (j["carried_over"], j["open_at_end"]) == (3, 3)
    assert len(ids_of(stats, s, "carried_over")) == 3
    assert len(ids_of(stats, s, "open_at_end")) == 3


def test_a_case_voided_after_as_of_is_left_out_too(
    cases: CaseService, stats: StatisticsService
) -> None:
    # 作废 corrects a registration that should not have existed (e.g. 重复登记), so re-running an
    # old period gives the corrected figures rather than counting the mistake.
    n = add(cases, D(2025, 3, 3), "来访")
    act(cases, n, ("受理", D(2025, 3, 4)), ("作废", D(2025, 5, 1)))
    s = stats.compute(D(2025, 3, 1), D(2025, 3, 31), as_of=D(2025, 4, 1))
    assert s.to_json()["total"] == 0 and s.to_json()["open_at_end"] == 0
    assert ids_of(stats, s, "total") == []


def test_registers(db: Database, stats: StatisticsService) -> None:
    with db.session() as s:
        s.add_all(
            [
                LeaderReception(on=D(2025, 3, 5), leader="王建国", batches=2, persons=3),
                LeaderReception(on=D(2025, 3, 5), leader="李志强", batches=1, persons=1),
                LeaderReception(on=D(2025, 3, 20), leader="王建国", batches=0, persons=0),
                LeaderReception(on=D(2025, 2, 28), leader="王建国", batches=5, persons=5),
                Screening(on=D(2025, 3, 25), found=3, resolved=2),
                Screening(on=D(2025, 3, 26), found=1, resolved=1),
                Screening(on=D(2025, 4, 1), found=9, resolved=9),
            ]
        )
    j = stats.compute(D(2025, 3, 1), D(2025, 3, 31)).to_json()
    assert j["leader_receptions"] == {"days": 2, "batches": 3, "persons": 4}
    assert j["screenings"] == {"times": 2, "found": 4, "resolved": 3}
    assert j["yoy"]["screenings"]["found"] == {"this": 4, "last": 0, "change": None}


def test_bad_periods_get_a_chinese_message(stats: StatisticsService) -> None:
    from app.errors import DomainError

    with pytest.raises(DomainError, match="晚于截止日期"):
        stats.compute(D(2025, 3, 31), D(2025, 3, 1))
    with pytest.raises(DomainError, match="早于统计起始日期"):
        stats.compute(D(2025, 3, 1), D(2025, 3, 31), as_of=D(2025, 2, 1))
    assert isinstance(D(2025, 1, 1), dt.date)


def test_a_回访_dated_on_the_as_of_day_counts(cases: CaseService, stats: StatisticsService) -> None:
    """ "By A" means dated ≤ A: a 回访 on A itself is the rating; the day before A it is not yet."""
    n = add(cases, D(2025, 3, 3))
    close(cases, n, D(2025, 3, 3), D(2025, 3, 10), D(2025, 3, 12))
    act(cases, n, ("回访", D(2025, 3, 20), {"rating": "满意"}))
    p = (D(2025, 3, 1), D(2025, 3, 31))
    assert stats.compute(*p, as_of=D(2025, 3, 20)).ratio("evaluation_rate") == (1, 1)
    assert stats.compute(*p, as_of=D(2025, 3, 20)).ratio("satisfaction_rate") == (1, 1)
    assert stats.compute(*p, as_of=D(2025, 3, 19)).ratio("evaluation_rate") == (0, 1)
