import datetime as dt

import pytest
from accounts import TESTER
from factories import case_input

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database
from app.office.service import OfficeService

D = dt.date


@pytest.fixture
def sample(cases: CaseService) -> dict[str, str]:
    def add(name: str, received: dt.date, **kw: object) -> str:
        return cases.create(case_input(received_on=received, name=name, **kw)).number  # type: ignore[arg-type]

    numbers = {
        "zhang": add(
            "张三",
            D(2025, 3, 5),
            form="来访",
            persons=6,
            id_number="11010519491231002X",
            phone="13800138000",
            summary="反映土地承包问题",
            category="农村农业",
            department="办公室",
        ),
        "zhao": add(
            "钱四",
            D(2025, 6, 1),
            form="来信",
            phone="13912345678",
            summary="反映饮用水浑浊",
            category="水利",
            leader="王局长",
        ),
        "li": add("李明", D(2025, 12, 20), form="网上", summary="建议修路", channel="12345热线"),
    }
    cases.act(numbers["zhao"], "受理", D(2025, 6, 2))  # handling due 2025-08-01: overdue by 12-31
    void = add("张三丰", D(2025, 2, 1), form="来信")
    cases.act(void, "作废", D(2025, 2, 2), {"reason": "重复登记"})
    numbers["void"] = void
    return numbers


def found(cases: CaseService, **kw: object) -> list[str]:
    return [r.number for r in cases.page(CaseFilter(**kw))]  # type: ignore[arg-type]


def test_search_by_pinyin_initials_name_id_phone_number_summary(
    cases: CaseService, sample: dict[str, str]
) -> None:
    assert found(cases, text="zs") == [sample["zhang"]]  # voided 张三丰 (zsf) left out
    assert found(cases, text="ZS") == [sample["zhang"]]
    assert found(cases, text="qiansi") == [sample["zhao"]]
    assert found(cases, text="张") == [sample["zhang"]]
    assert found(cases, text="11010519491231002x") == [sample["zhang"]]
    assert found(cases, text="1234") == [sample["zhao"]]  # part of a phone
    assert found(cases, text=sample["li"]) == [sample["li"]]
    assert found(cases, text="饮用水") == [sample["zhao"]]
    assert found(cases, text="没有这个") == []


def test_filters(cases: CaseService, sample: dict[str, str]) -> None:
    assert found(cases, forms=["来访"]) == [sample["zhang"]]
    assert found(cases, flags=["collective"]) == [sample["zhang"]]
    assert found(cases, flags=["leader"]) == [sample["zhao"]]
    assert found(cases, channels=["12345热线"]) == [sample["li"]]
    assert found(cases, categories=["水利"], statuses=["办理中"]) == [sample["zhao"]]
    assert found(cases, date_from=D(2025, 6, 1), date_to=D(2025, 6, 30)) == [sample["zhao"]]
    assert found(cases, warning="超期") == [sample["zhao"], sample["zhang"]]
    assert found(cases, statuses=["已作废"]) == [sample["void"]]
    assert cases.count(CaseFilter()) == 3
    assert cases.count(CaseFilter(include_voided=True)) == 4


def test_near_deadline_is_临期(cases: CaseService, sample: dict[str, str]) -> None:
    # 李明 registered 12-20: decision due 2026-01-04 (01-04 is a 调休 workday), 4 days away.
    assert found(cases, warning="临期") == [sample["li"]]
    row = cases.page(CaseFilter(text=sample["li"]))[0]
    assert row.warning == "临期"


def test_sort_and_page(cases: CaseService, sample: dict[str, str]) -> None:
    newest_first = found(cases)
    assert newest_first == [sample["li"], sample["zhao"], sample["zhang"]]
    assert [
        r.number
        for r in cases.page(CaseFilter(), sort="received_on", descending=False, offset=1, limit=1)
    ] == [sample["zhao"]]
    assert cases.ids(CaseFilter(), sort="name", descending=False) == [
        cases.detail(n).id
        for n in (sample["li"], sample["zhao"], sample["zhang"])  # li, qian, zhang
    ]


def test_drill_down_ids_are_exactly_those_rows(cases: CaseService, sample: dict[str, str]) -> None:
    ids = [cases.detail(sample["zhang"]).id, cases.detail(sample["void"]).id]
    assert sorted(found(cases, ids=ids)) == sorted([sample["zhang"], sample["void"]])
    assert found(cases, ids=[]) == []


def test_awaiting_visit_is_answered_or_closed_without_a_rating(
    cases: CaseService, sample: dict[str, str]
) -> None:
    n = sample["zhao"]
    cases.act(n, "答复", D(2025, 12, 20), {"result": "支持"})
    assert found(cases, awaiting_visit=True) == [n]
    cases.act(n, "办结", D(2025, 12, 21))
    assert found(cases, awaiting_visit=True) == [n]
    cases.act(n, "回访", D(2025, 12, 25), {"rating": "满意"})
    assert found(cases, awaiting_visit=True) == []


def test_awaiting_visit_only_within_the_settings_window(
    db: Database, cases: CaseService, sample: dict[str, str]
) -> None:
    """Today is 2025-12-31; the default window is 90 days (closed on or after 2025-10-02)."""
    old, recent = (
        sample["zhao"],
        cases.create(case_input(received_on=D(2025, 9, 1), name="孙五")).number,
    )
    cases.act(old, "答复", D(2025, 6, 20), {"result": "支持"})
    cases.act(old, "办结", D(2025, 10, 1))  # 91 days ago: out of the window
    cases.act(recent, "受理", D(2025, 9, 2))
    cases.act(recent, "答复", D(2025, 10, 2), {"result": "支持"})  # 90 days ago: in
    assert found(cases, awaiting_visit=True) == [recent]
    assert cases.count(CaseFilter(awaiting_visit=True)) == 1  # the tab's count is the list's
    OfficeService(db, TESTER).update_settings({"visit_window_days": 365})
    assert sorted(found(cases, awaiting_visit=True)) == sorted([old, recent])
    assert cases.count(CaseFilter(awaiting_visit=True)) == 2


@pytest.mark.sqlite_only("SQLite's query planner without ANALYZE statistics")
@pytest.mark.parametrize(
    "f",
    [
        CaseFilter(statuses=["待受理"]),
        CaseFilter(warning="临期"),
        CaseFilter(warning="超期"),
        CaseFilter(awaiting_visit=True),
    ],
    ids=["待受理", "临期", "超期", "待回访"],
)
def test_todo_lists_use_the_status_index_not_every_case(db: Database, f: CaseFilter) -> None:
    """The four 待办 lists load first at start-up. Left an indexable `voided` term, SQLite walked
    (voided, received_on) through every case (~50 ms each at 100,000 cases, before the
    dashboard could start); they must find their few rows through the status index."""
    from app.cases import search

    with db.read() as s:
        query = search._base(s, f, search.Case.id).order_by(
            *search._order("received_on", False, False)
        )
        compiled = query.compile(
            dialect=s.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        args = [search._sqlite_value(compiled.params[n]) for n in compiled.positiontup or []]
        raw = s.connection().connection.driver_connection
        assert raw is not None
        plan = " ".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + str(compiled), args))
    assert "ix_cases_status_received" in plan
    assert "ix_cases_voided_received" not in plan
