"""The State Council notice parser (app/office/holiday_notice.py) on notices worded as the real
ones, the import service and `xinfang settings holiday import`."""

import datetime as dt

import pytest

from app.errors import DomainError
from app.office import holiday_notice

D = dt.date

# Worded as the real 2025 notice (国办发明电〔2024〕12号), with its 周X and 农历 remarks.
NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
国办发明电〔2024〕12号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2024年11月12日
"""

# Worded as the older notices (2012): 星期X, an explicit year on the day before 元旦, 与周末连休.
NOTICE_2012 = """国务院办公厅关于2012年部分节假日安排的通知
国办发明电〔2011〕39号
一、元旦：2012年1月1日至3日放假调休，共3天。2011年12月31日（星期六）上班。
二、春节：1月22日至28日放假调休，共7天。1月21日（星期六）、1月29日（星期日）上班。
三、清明节：4月2日至4日放假调休，共3天。3月31日（星期六）、4月1日（星期日）上班。
四、劳动节：4月29日至5月1日放假调休，共3天。4月28日（星期六）上班。
五、端午节：6月22日至24日放假公休，共3天。
六、中秋节、国庆节：9月30日至10月7日放假调休，共8天。9月29日（星期六）上班。
"""


def test_2025_notice() -> None:
    n = holiday_notice.parse(NOTICE_2025)
    assert n.year == 2025
    names = [h.name for h in n.holidays]
    assert names == ["元旦", "春节", "清明节", "劳动节", "端午节", "国庆节、中秋节"]
    spring = n.holidays[1]
    assert spring.rest[0] == D(2025, 1, 28) and spring.rest[-1] == D(2025, 2, 4)
    assert len(spring.rest) == 8
    assert spring.workdays == [D(2025, 1, 26), D(2025, 2, 8)]
    assert n.holidays[0].rest == [D(2025, 1, 1)] and n.holidays[0].workdays == []
    assert n.holidays[4].rest == [D(2025, 5, 31), D(2025, 6, 1), D(2025, 6, 2)]
    rest = [d for d in n.days if d.rest]
    work = [d for d in n.days if not d.rest]
    assert len(rest) == 1 + 8 + 3 + 5 + 3 + 8 and len(work) == 5
    # the package knows 2025: the parse must agree with it day for day
    import chinese_calendar

    for d in rest:
        assert chinese_calendar.is_holiday(d.day), d
    for d in work:
        assert chinese_calendar.is_workday(d.day), d


def test_2012_notice_with_explicit_years() -> None:
    n = holiday_notice.parse(NOTICE_2012)
    new_year = n.holidays[0]
    assert new_year.rest == [D(2012, 1, 1), D(2012, 1, 2), D(2012, 1, 3)]
    assert new_year.workdays == [D(2011, 12, 31)]
    assert n.holidays[3].rest == [D(2012, 4, 29), D(2012, 4, 30), D(2012, 5, 1)]
    assert n.holidays[5].rest[0] == D(2012, 9, 30) and len(n.holidays[5].rest) == 8


def test_year_crossing_without_year_and_year_argument() -> None:
    text = "一、元旦：12月31日至1月2日放假调休，共3天。12月27日（星期日）上班。"
    n = holiday_notice.parse(text, year=2027)
    assert n.holidays[0].rest == [D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 2)]
    assert n.holidays[0].workdays == [D(2026, 12, 27)]


def test_weekend_and_single_day() -> None:
    n = holiday_notice.parse("一、端午节：6月7日放假，与周末连休。", year=2027)
    assert n.holidays[0].rest == [D(2027, 6, 7)]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        (
            "国务院办公厅关于2027年部分节假日安排的通知 一、元旦：1月1日至3日放假调休，共4天。",
            "共4天",
        ),
        ("关于2027年部分节假日安排的通知 一、春节：2月1日（星期一）上班。", "星期一"),
        ("关于2027年部分节假日安排的通知 一、春节：2月6日起休息七天。", "2月6日起休息七天"),
        ("关于2027年部分节假日安排的通知 一、春节：2月6日（星期五）放假。", "星期五"),
    ],
)
def test_unreadable_sentence_is_quoted(text: str, quoted: str) -> None:
    with pytest.raises(DomainError) as e:
        holiday_notice.parse(text)
    assert "无法识别" in str(e.value) and quoted in str(e.value)


def test_no_title_no_year() -> None:
    with pytest.raises(DomainError, match="标题"):
        holiday_notice.parse("一、元旦：1月1日放假。")
    with pytest.raises(DomainError, match="条目"):
        holiday_notice.parse("国务院办公厅关于2027年部分节假日安排的通知")


# A notice for a year the package does not know, worded as the 2025 one (weekdays checked).
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至2月13日（农历正月初八、周六）放假调休，共9天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
"""


def test_import_stores_replaces_and_recomputes(db, cases) -> None:  # type: ignore[no-untyped-def]
    from accounts import account
    from factories import case_input

    from app import clock
    from app.cases.deadlines import known_years
    from app.models import AuditEntry
    from app.office.service import OfficeService

    if 2027 in known_years():
        pytest.skip("the calendar package now knows 2027")
    office = OfficeService(db, account("管理员"))
    clock.set_today(D(2027, 9, 24))
    office.put_holidays(D(2027, 3, 1), D(2027, 3, 1), True, "草稿")  # typed in before the notice
    number = cases.create(
        case_input(received_on=D(2027, 9, 24), form="来信", anonymous=True)
    ).number
    before = cases.detail(number).decision_due
    notice = holiday_notice.parse(NOTICE_2027)
    saved = office.import_holidays(notice)
    assert saved.written == len(notice.days) == 3 + 9 + 3 + 5 + 1 + 1 + 7 + 5
    assert saved.removed == 1 and saved.skipped == 0 and saved.reprojected >= 1
    stored = {h.day: (h.rest, h.name) for h in office.holidays(2027)}
    assert D(2027, 3, 1) not in stored
    assert stored[D(2027, 10, 4)] == (True, "国庆节")
    assert stored[D(2027, 9, 26)] == (False, "国庆节")
    after = cases.detail(number).decision_due
    # 15 days from 9-24 end on Saturday 10-09: without the notice the next working day 10-11,
    # with it 10-09 itself, a 调休上班 day.
    assert (before, after) == (D(2027, 10, 11), D(2027, 10, 9))
    assert not cases.detail(number).due_estimated  # the notice's year is known, no （估算）
    with db.read() as s:
        assert s.query(AuditEntry).filter(AuditEntry.entity == "holiday").count() >= saved.written
    # importing the same notice again changes nothing
    assert office.import_holidays(notice).reprojected == 0


def test_import_skips_years_the_package_knows(db) -> None:  # type: ignore[no-untyped-def]
    from accounts import account

    from app.cases.deadlines import known_years
    from app.office.service import OfficeService

    last = known_years().stop - 1
    text = "一、元旦：12月31日至1月2日放假调休，共3天。"
    office = OfficeService(db, account("管理员"))
    saved = office.import_holidays(holiday_notice.parse(text, year=last + 1))
    assert (saved.written, saved.skipped) == (2, 1)
    assert [h.day for h in office.holidays()] == [D(last + 1, 1, 1), D(last + 1, 1, 2)]


def test_import_command(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    data = ["--data-dir", str(tmp_path)]
    path = tmp_path / "通知.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    assert main([*data, "settings", "holiday", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "读到 2027 年" in out and "春节：放假 2027-02-05 至 2027-02-13（9 天）" in out
    assert "2027-02-20（星期六）" in out and "未保存" in out
    assert main([*data, "settings", "holiday", "list", "--year", "2027"]) == 0
    assert "春节" not in capsys.readouterr().out
    assert main([*data, "settings", "holiday", "import", str(path)]) == 0
    assert "已保存 34 天" in capsys.readouterr().out
    assert main([*data, "settings", "holiday", "list", "--year", "2027"]) == 0
    assert "2027-02-20\t调休上班\t春节" in capsys.readouterr().out
    bad = tmp_path / "bad.txt"
    bad.write_text("关于2027年部分节假日安排的通知 一、春节：2月6日起休息。", encoding="gb18030")
    assert main([*data, "settings", "holiday", "import", str(bad)]) == 1
    assert "2月6日起休息" in capsys.readouterr().err


def test_items_on_one_line_after_the_preamble() -> None:
    text = (
        "国务院办公厅关于2027年部分节假日安排的通知 经国务院批准，现将放假调休日期的具体安排"
        "通知如下：一、元旦：1月1日（周五）至3日（周日）放假，共3天。二、中秋节：9月15日（周三）"
        "放假，共1天。"
    )
    n = holiday_notice.parse(text)
    assert [h.name for h in n.holidays] == ["元旦", "中秋节"]
