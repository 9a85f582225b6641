"""Imported history with gaps (docs/rules.md, 统计; domain §5/§9): 情况不详 cases, 办结日期不详 and
inferred decisions in the figures, the lists and the 补录 path.

The cases are written the way the ledger import writes them (stats_helpers.imported): straight
events with the import's marks, as the importer does not write them yet.
"""

import datetime as dt

import pytest
from accounts import TESTER
from sqlalchemy import select
from stats_helpers import act, add, close, closed_date_unknown, ids_of, imported, unknown

from app.cases import search
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.errors import DomainError
from app.models import Case
from app.stats.service import StatisticsService

D = dt.date
YEAR = (D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture
def stats(db: Database) -> StatisticsService:
    return StatisticsService(db, TESTER)


def _id(db: Database, number: str) -> int:
    with db.read() as s:
        found = s.scalar(select(Case.id).where(Case.number == number))
    assert found is not None
    return found


# ---- 情况不详 --------------------------------------------------------------------------------


def test_status_unknown_counts_in_total_breakdowns_and_repeat_only(
    db: Database, cases: CaseService, stats: StatisticsService
) -> None:
    a = add(cases, D(2025, 1, 6), "来信", category="民政", name="张三")
    close(cases, a, D(2025, 1, 8), D(2025, 1, 20), D(2025, 1, 28))
    # The unknown case: a 来访 repeat of a, in 水利; imported long after, dated the import day.
    b = add(cases, D(2025, 2, 10), "来访", category="水利", name="张三", repeat_of=a, persons=3)
    unknown(db, b, D(2025, 11, 20))
    c = add(cases, D(2025, 6, 2), "来信", category="民政", name="王五")  # 待受理, long overdue

    assert cases.detail(b).status == "情况不详" and cases.detail(b).decision_due is None
    s = stats.compute(*YEAR, workload=True)
    j = s.to_json()
    # Counted where every case counts: the total, persons, breakdowns, visits, repeat_rate.
    assert j["total"] == 3 and j["persons_total"] == 5
    assert j["by_form"]["来访"] == 1 and j["by_category"]["水利"] == 1
    assert j["visits"] == {"batches": 1, "persons": 3}
    assert j["repeat"] == 1 and s.ratio("repeat_rate") == (1, 3)
    # Left out of every rate: 处理率 is a over a and c (b would make it 1/3).
    assert s.ratio("handled_rate") == (1, 2)
    assert s.ratio("timely_acceptance_rate") == (1, 2)  # a in time, c late; b not counted
    assert s.ratio("closure_rate") == (1, 1)
    # And of the open counts: only c is open, only c is 超期.
    assert j["open_at_end"] == 1 and s.counts["workload.overdue"] == 1
    assert s.counts["workload.due_soon"] == 0 and j["overdue_open"] == 0
    assert j["data_gaps"] == {"status_unknown": 1, "closed_date_unknown": 0, "decision_inferred": 0}
    assert j["yoy"]["data_gaps"]["status_unknown"] == {"this": 1, "last": 0, "change": None}
    bid, cid = _id(db, b), _id(db, c)
    assert ids_of(stats, s, "data_gaps.status_unknown") == [bid]
    assert ids_of(stats, s, "open_at_end") == [cid]
    assert ids_of(stats, s, "workload.overdue") == [cid]
    assert bid not in ids_of(stats, s, "handled_rate.denominator")
    assert bid in ids_of(stats, s, "repeat_rate.denominator")
    assert ids_of(stats, s, "by_category.水利") == [bid]

    # 上期结转: the second half-year carries c (still 待受理), not the unknown b.
    h2 = stats.compute(D(2025, 7, 1), D(2025, 12, 31))
    assert h2.counts["carried_over"] == 1
    assert ids_of(stats, h2, "carried_over") == [cid]


def test_status_unknown_alone_leaves_every_rate_empty(
    db: Database, cases: CaseService, stats: StatisticsService
) -> None:
    for day in (D(2025, 3, 1), D(2025, 3, 2)):
        unknown(db, add(cases, day))
    s = stats.compute(*YEAR)
    j = s.to_json()
    assert j["total"] == 2
    for key in ("timely_acceptance_rate", "closure_rate", "on_time_closure_rate", "handled_rate"):
        assert j[key] is None, key
    assert j["repeat_rate"] == 0.0  # a share of all cases: 0 of 2
    assert j["open_at_end"] == 0 and j["overdue_open"] == 0
    assert j["data_gaps"]["status_unknown"] == 2


# ---- 办结日期不详 and inferred decisions -------------------------------------------------------


def test_closed_date_unknown_counts_closed_but_not_on_time_or_in_the_average(
    db: Database, cases: CaseService, stats: StatisticsService
) -> None:
    # d: 已办结 with a 答复日期 of 6-30 only; its 受理 (inferred) 1-10 → handling due in March, so
    # counting its stand-in date would make it late and 171 days.
    d = add(cases, D(2025, 1, 10))
    closed_date_unknown(db, d, replied=D(2025, 6, 30))
    e = add(cases, D(2025, 2, 3))
    close(cases, e, D(2025, 2, 5), D(2025, 2, 20), D(2025, 2, 25))  # 22 days, on time
    f = add(cases, D(2025, 4, 1))
    closed_date_unknown(db, f)  # no date at all: dated the 登记日期

    detail = cases.detail(d)
    assert detail.status == "已办结" and detail.closed_date_unknown and detail.decision_inferred
    assert detail.closed_on == D(2025, 6, 30)
    s = stats.compute(*YEAR)
    j = s.to_json()
    assert s.ratio("closure_rate") == (3, 3)
    assert s.ratio("handled_rate") == (3, 3)
    assert s.ratio("on_time_closure_rate") == (1, 1)  # e only
    assert j["avg_days_to_close"] == 22.0  # e only: not (171 + 22 + 0) / 3
    assert s.ratio("evaluation_rate") == (0, 3)  # closed is closed
    assert s.ratio("timely_acceptance_rate") == (1, 1)  # d and f were inferred
    assert j["data_gaps"] == {"status_unknown": 0, "closed_date_unknown": 2, "decision_inferred": 2}
    did, eid, fid = _id(db, d), _id(db, e), _id(db, f)
    assert ids_of(stats, s, "data_gaps.closed_date_unknown") == [did, fid]
    assert ids_of(stats, s, "data_gaps.decision_inferred") == [did, fid]
    assert ids_of(stats, s, "on_time_closure_rate.denominator") == [eid]
    assert ids_of(stats, s, "timely_acceptance_rate.denominator") == [eid]
    assert ids_of(stats, s, "closure_rate.numerator") == [did, eid, fid]
    rows = {r.number: r for r in cases.page(CaseFilter(), limit=-1)}
    assert rows[d].closed_date_unknown and not rows[e].closed_date_unknown

    # At 5-01, d is still open (closed at its stored date, 6-30), past its handling due, yet not
    # 超期未办结: nobody knows when it was really closed.
    may = stats.compute(*YEAR, as_of=D(2025, 5, 1), workload=True)
    assert may.counts["open_at_end"] == 1 and ids_of(stats, may, "open_at_end") == [did]
    assert may.counts["overdue_open"] == 0
    assert may.ratio("on_time_closure_rate") == (1, 1)
    # 上期结转 by the same stored date: open on 5-31, closed by 6-30.
    assert stats.compute(D(2025, 6, 1), D(2025, 12, 31)).counts["carried_over"] == 1
    assert stats.compute(D(2025, 7, 1), D(2025, 12, 31)).counts["carried_over"] == 0


def test_an_inferred_decision_is_left_out_of_timely_acceptance_only(
    db: Database, cases: CaseService, stats: StatisticsService
) -> None:
    g = add(cases, D(2025, 3, 1))
    # A 受理 the import inferred from the 答复日期: two months "late" if it were real.
    imported(db, g, ("受理", D(2025, 5, 2), {"inferred": True}))
    h = add(cases, D(2025, 3, 3))
    act(cases, h, ("受理", D(2025, 4, 30)))  # really late
    s = stats.compute(*YEAR)
    assert s.ratio("timely_acceptance_rate") == (0, 1)
    assert s.ratio("closure_rate") == (0, 2)  # g is accepted like any case
    assert s.counts["data_gaps.decision_inferred"] == 1


def test_the_clerk_cannot_mark_a_step_as_imported(db: Database, cases: CaseService) -> None:
    g = add(cases, D(2025, 3, 1))
    cases.act(g, "受理", D(2025, 3, 2), {"inferred": True})
    cases.act(g, "答复", D(2025, 3, 3), {"result": "支持"})
    d = cases.act(g, "办结", D(2025, 3, 4), {"date_unknown": True})
    assert not d.decision_inferred and not d.closed_date_unknown
    assert all("inferred" not in e.data and "date_unknown" not in e.data for e in d.events)


# ---- lists and filters ---------------------------------------------------------------------


def test_lists_never_show_status_unknown_but_the_status_filter_finds_it(
    db: Database, cases: CaseService
) -> None:
    b = add(cases, D(2025, 2, 10), name="赵六")
    unknown(db, b)
    c = add(cases, D(2025, 12, 20), name="钱七")  # 待受理, 临期 (decision due 2026-01-04)
    old = add(cases, D(2025, 6, 2), name="孙八")  # 待受理, 超期
    rows = {r.number: r for r in cases.page(CaseFilter(), limit=-1)}
    assert rows[b].warning == "" and rows[b].status == "情况不详"
    assert rows[c].warning == "临期" and rows[old].warning == "超期"
    assert cases.detail(b).warning == ""

    def numbers(f: CaseFilter) -> set[str]:
        return {r.number for r in cases.page(f, limit=-1)}

    assert numbers(CaseFilter(statuses=["情况不详"])) == {b}
    assert cases.count(CaseFilter(statuses=["情况不详"])) == 1
    # The 待办 lists (ui/cases/todo.py) never list it.
    todo = _todo_filters()
    assert b not in numbers(todo["待受理"]) and {c, old} <= numbers(todo["待受理"])
    assert numbers(todo["临期"]) == {c} and numbers(todo["超期"]) == {old}
    assert b not in numbers(todo["待回访"])
    for kind in search.WARNINGS:
        assert b not in numbers(CaseFilter(warning=kind, statuses=["情况不详"]))


def _todo_filters() -> dict[str, CaseFilter]:
    from ui.cases.todo import TODO_FILTERS  # the to-do tabs' own filters

    return TODO_FILTERS


def test_an_imported_ledger_of_unknown_rows_does_not_flood_the_dashboard(
    db: Database, cases: CaseService, stats: StatisticsService
) -> None:
    """Forty old 来访 rows with no status column: the dashboard's 超期 and 待受理 show none."""
    numbers = [add(cases, D(2025, 1, 2) + dt.timedelta(days=i)) for i in range(40)]
    for n in numbers:
        unknown(db, n)
    live = add(cases, D(2025, 3, 3))
    act(cases, live, ("受理", D(2025, 3, 4)))
    s = stats.compute(*YEAR, workload=True)
    assert s.counts["workload.overdue"] == 1 and s.counts["open_at_end"] == 1  # live only
    assert s.ratio("timely_acceptance_rate") == (1, 1)  # not 0 %: only the dated case counts
    assert cases.count(CaseFilter(statuses=["待受理"])) == 0
    assert cases.count(CaseFilter(warning="超期")) == 1
    assert cases.count(CaseFilter(statuses=["情况不详"])) == 40


# ---- 补录 -----------------------------------------------------------------------------------


def test_bulu_records_the_real_history_of_an_unknown_case(
    db: Database, cases: CaseService, stats: StatisticsService
) -> None:
    b = add(cases, D(2025, 3, 3))
    unknown(db, b, D(2025, 11, 20))  # the import's day, after the real steps
    d = cases.detail(b)
    assert d.allowed_actions == ["受理", "不予受理", "转送", "交办", "作废"]
    with pytest.raises(DomainError, match="不能撤销"):
        cases.undo_last(b)
    with pytest.raises(DomainError, match="早于登记日期"):
        cases.act(b, "受理", D(2025, 3, 1))
    with pytest.raises(DomainError, match="不能进行"):
        cases.act(b, "答复", D(2025, 3, 5), {"result": "支持"})
    # The real 受理 of 3-05, though the 情况不详 step is dated 11-20.
    d = cases.act(b, "受理", D(2025, 3, 5))
    assert d.status == "办理中" and d.decision_due is not None and d.decision_on == D(2025, 3, 5)
    cases.act(b, "答复", D(2025, 4, 1), {"result": "支持"})
    d = cases.act(b, "办结", D(2025, 4, 2))
    assert d.status == "已办结" and not d.closed_date_unknown
    # Now it counts by its real dates, even as of a day before the import.
    s = stats.compute(*YEAR, as_of=D(2025, 6, 30))
    assert s.ratio("timely_acceptance_rate") == (1, 1)
    assert s.ratio("on_time_closure_rate") == (1, 1)
    assert s.counts["data_gaps.status_unknown"] == 0
    # Taking back the 补录 steps one by one ends at 情况不详 again, never 待受理.
    for _ in range(3):
        d = cases.undo_last(b)
    assert d.status == "情况不详" and d.decision_due is None


def test_bulu_a_void_or_a_refusal(db: Database, cases: CaseService) -> None:
    b, c = add(cases, D(2025, 3, 3)), add(cases, D(2025, 3, 4))
    unknown(db, b, D(2025, 11, 20))
    unknown(db, c, D(2025, 11, 20))
    assert cases.act(b, "作废", D(2025, 3, 5), {"reason": "重复登记"}).status == "已作废"
    refused = cases.act(c, "不予受理", D(2025, 3, 6), {"reason": "属诉讼", "route": "法院"})
    assert refused.status == "不予受理"


def test_cli_lists_and_completes_unknown_cases(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = db.path.parent
    cases = CaseService(db, TESTER)
    b = add(cases, D(2025, 3, 3), summary="反映土地问题")
    unknown(db, b, D(2025, 11, 20))
    add(cases, D(2025, 3, 4))
    db.close()

    def run(*args: str) -> tuple[int, str]:
        code = main(["--data-dir", str(folder), *args])
        out, err = capsys.readouterr()
        return code, out + err

    code, out = run("case", "list", "--status", "情况不详")
    assert code == 0 and b in out and "共 1 件" in out and "[" not in out
    code, out = run("case", "list", "--status", "情况未知")
    assert code != 0
    code, out = run("case", "act", b, "受理", "--date", "2025-03-05")
    assert code == 0 and "办理中" in out
    code, out = run("case", "list", "--status", "情况不详")
    assert code == 0 and "共 0 件" in out
