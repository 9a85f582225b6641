"""Search by 反映问题/被反映对象 gives the same rows on SQLite and PostgreSQL (issue 20): each
query's cases are checked against the same Python rule on whichever dialect runs the suite; on
PostgreSQL a 1- or 2-character query is served by the gram index (revision 0009_scope)."""

import datetime as dt

import pytest
from factories import case_input
from sqlalchemy import text

from app.cases.search import GRAM_TEXT, CaseFilter
from app.cases.service import CaseService
from app.db import Database

TEXTS = [
    ("反映土地承包问题", None),
    ("土地征收补偿不到位", "县自然资源局"),
    ("小区A栋漏水", None),
    ("a栋楼道堵塞", "物业公司"),
    ("饮用水浑浊", "县水务局"),
    ("拖欠工资", "某建筑公司土地"),
    ("噪音扰民100%严重", None),
    ("反映问题", "县住建局"),
]
QUERIES = [
    "土地",
    "A栋",
    "a栋",
    "饮用水",
    "县水",
    "住建",
    "工资",
    "0%",
    "局",
    "映土",
    "建局",
    "%",
    "栋",
]


def expected(q: str) -> set[int]:
    """SQLite's LIKE: a substring, ASCII letters in either case."""
    low = q.lower()
    return {
        i
        for i, (summary, target) in enumerate(TEXTS)
        if low in summary.lower() or low in (target or "").lower()
    }


@pytest.fixture
def numbered(cases: CaseService) -> list[str]:
    return [
        cases.create(
            case_input(
                received_on=dt.date(2025, 3, 1 + i), name="王五", summary=summary, target=target
            )
        ).number
        for i, (summary, target) in enumerate(TEXTS)
    ]


def test_summary_and_target_search_match_the_same_rule_on_both_dialects(
    cases: CaseService, numbered: list[str]
) -> None:
    for q in QUERIES:
        got = {r.number for r in cases.page(CaseFilter(text=q), limit=100)}
        assert got == {numbered[i] for i in expected(q)}, q
        assert cases.count(CaseFilter(text=q)) == len(got)


@pytest.mark.postgres_only
def test_short_queries_use_the_gram_index(db: Database, numbered: list[str]) -> None:
    with db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text(f"EXPLAIN SELECT id FROM cases WHERE {GRAM_TEXT} @> ARRAY['土地']")
            )
        )
        grams = conn.scalar(text("SELECT xinfang_grams('A栋漏水')"))
    assert "ix_pg_cases_grams" in plan
    assert sorted(grams) == sorted(["a", "栋", "漏", "水", "a栋", "栋漏", "漏水"])


def test_a_case_matched_twice_does_not_cut_the_list_short(
    cases: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first probe (up to the id-list limit) counts UNION ALL rows: 甲 matches by phone and
    by 编号, and 乙 by 编号 only; with a limit of one, 乙 used to be lost."""
    from app.cases import search

    monkeypatch.setattr(search, "_ID_LIST_LIMIT", 1)
    first = cases.create(
        case_input(received_on=dt.date(2025, 3, 1), name="甲", phone="13820250000")
    ).number
    second = cases.create(
        case_input(received_on=dt.date(2025, 3, 2), name="乙", phone="13900000000")
    ).number
    found = {r.number for r in cases.page(CaseFilter(text="2025"))}
    assert found == {first, second}


@pytest.mark.parametrize("sort", ["received_on", "name", "closed_on", "number", "persons"])
def test_a_search_with_many_matches_lists_the_same_ids_in_the_same_order(
    cases: CaseService, numbered: list[str], monkeypatch: pytest.MonkeyPatch, sort: str
) -> None:
    """Past the id-list limit PostgreSQL filters and sorts within each branch of the search
    (search._each_text_branch): the same ids, in the same order, as the short-list way."""
    from app.cases import search

    cases.create(case_input(received_on=dt.date(2025, 3, 20), anonymous=True, summary="土地"))
    cases.create(  # matched twice: by phone and by 编号
        case_input(received_on=dt.date(2025, 3, 21), name="丁", phone="13820250001")
    )
    filters = [
        CaseFilter(text="土地"),
        CaseFilter(text="王"),
        CaseFilter(text="栋", forms=["来信"], date_to=dt.date(2025, 3, 5)),
        CaseFilter(text="2025"),
        CaseFilter(text="wang"),
    ]
    for descending in (True, False):
        short = [cases.ids(f, sort, descending) for f in filters]
        monkeypatch.setattr(search, "_ID_LIST_LIMIT", 0)
        many = [cases.ids(f, sort, descending) for f in filters]
        monkeypatch.setattr(search, "_ID_LIST_LIMIT", 2000)
        assert many == short, (sort, descending)
        assert all(len(set(ids)) == len(ids) for ids in many)
    assert any(len(ids) > 1 for ids in short)
