"""Cell values of hand-kept ledgers: every §6 date style, damaged ID numbers, header names."""

import datetime as dt

import pytest

from app.errors import DomainError
from app.ledger.read import find_header
from app.ledger.status_text import read_status
from app.ledger.values import COLUMNS, header_key, id_text, parse_date

MARCH_5 = dt.date(2025, 3, 5)


@pytest.mark.parametrize(
    "value",
    [
        MARCH_5,
        dt.datetime(2025, 3, 5),
        45721,  # Excel's serial for 2025-03-05, when the cell lost its date format
        45721.0,
        "2025-03-05",
        "2025/3/5",
        "2025.3.5",
        "2025年3月5日",
        "2025 年 3 月 5 日",
        "20250305",
        20250305,
        "2025-03-05 00:00:00",
    ],
)
def test_every_date_style(value: object) -> None:
    assert parse_date(value) == MARCH_5


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_dates(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [("2025-02-30", "不存在"), ("3月5日", "无法识别"), ("去年", "无法识别"), (12, "无法识别")],
)
def test_bad_dates_say_why(value: object, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        parse_date(value)


def test_id_numbers_excel_damaged() -> None:
    assert id_text("11010519850304121x ") == "11010519850304121X"
    assert id_text(110105850304121.0) == "110105850304121"  # an old 15-digit number survives
    with pytest.raises(DomainError, match="末几位已丢失（读到 110105198503041000）"):
        id_text(110105198503041218.0)
    with pytest.raises(DomainError, match="科学计数法"):
        id_text("1.10105E+17")


def test_headers_by_every_name() -> None:
    for column in COLUMNS:
        assert header_key(column.title) == column.key
        for name in column.synonyms:
            assert header_key(name) == column.key, name
    assert header_key(" 登记\n日期 ") == "received_on"
    assert header_key("登记日期（年月日）") == "received_on"
    assert header_key("不相干") is None


def test_header_found_under_titles_and_blank_rows() -> None:
    rows = [
        ["2025年信访台账"],
        [],
        ["单位：水务局"],
        ["序号", "姓名", "日期", "诉求", "状态"],
        [1, "张三"],
    ]
    index, mapping = find_header(rows)
    assert index == 3
    assert mapping == {"seq": 0, "name": 1, "received_on": 2, "summary": 3, "status": 4}


def test_status_words() -> None:
    assert read_status("是").kind == "已办结"  # type: ignore[union-attr]
    assert read_status("在办").kind == "办理中"  # type: ignore[union-attr]
    with pytest.raises(DomainError, match="办理状态“搁置”无法识别"):
        read_status("搁置")
