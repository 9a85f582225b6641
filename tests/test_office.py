"""The office service: settings with bounds, dictionaries, the holiday list, and their effects."""

import datetime as dt
from pathlib import Path

import pytest
from accounts import TESTER, account
from factories import case_input
from sqlalchemy import select

from app import clock
from app.cases import demo, projection
from app.cases.deadlines import known_years
from app.cases.projection import PROJECTED
from app.cases.service import CaseService
from app.db import Database
from app.errors import DomainError
from app.models import AuditEntry, Case, DictEntry, LeaderReception
from app.office import dictionaries, settings
from app.office.registers import Reception, RegisterService
from app.office.service import SPECS, OfficeService, parse

D = dt.date


@pytest.fixture
def office(db: Database) -> OfficeService:
    return OfficeService(db, account("管理员"))


def _accepted(cases: CaseService, received: dt.date, **kw: object) -> str:
    number = cases.create(case_input(received_on=received, form="来信", name="张三", **kw)).number  # type: ignore[arg-type]
    cases.act(number, "受理", received)
    return number


def test_every_setting_has_bounds_and_a_name() -> None:
    assert set(SPECS) == set(settings.DEFAULTS)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("max_extension_days", 31, "1 至 30 之间（条例第三十四条"),
        ("decision_days", 0, "受理告知期限应在 1 至 90"),
        ("handling_days", "60", "办理期限应为整数"),
        ("working_days", 1, "应为“是”或“否”"),
        ("office_name", "  ", "请填写单位名称"),
        ("number_prefix", "X F", "编号前缀只能用"),
        ("backup_dir", "backups", "完整路径"),
        ("no_such_key", 1, "没有名为"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_written(
    office: OfficeService, key: str, value: object, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        office.update_settings({"office_name": "某县水务局", key: value})
    assert office.settings()["office_name"] == ""  # the good value in the same call was not kept


def test_a_limit_change_moves_every_deadline_in_the_same_transaction(
    office: OfficeService, cases: CaseService, db: Database
) -> None:
    number = _accepted(cases, D(2025, 9, 1))
    assert cases.detail(number).handling_due == D(2025, 10, 31)  # 60 days
    saved = office.update_settings({"handling_days": 30, "warning_days": 7})
    assert saved.changed == ["handling_days"] and saved.reprojected == 1
    # 2025-10-01 falls in the 国庆 holiday: the period ends on the next working day.
    assert cases.detail(number).handling_due == D(2025, 10, 9)
    office.update_settings({"working_days": True})
    detail = cases.detail(number)
    assert detail.decision_due == D(2025, 9, 22)  # 15 working days
    with db.read() as s:
        query = select(AuditEntry).where(AuditEntry.entity == "setting")
        log = s.scalars(query.order_by(AuditEntry.id)).all()  # PostgreSQL: no order else
    assert [(a.entity_id, a.old, a.new) for a in log] == [
        ("handling_days", "60", "30"),
        ("working_days", "否", "是"),
    ]


def test_npc_months_setting_reaches_npc_cases(office: OfficeService, cases: CaseService) -> None:
    number = _accepted(cases, D(2025, 6, 10), channel="人大建议")
    assert cases.detail(number).handling_due == D(2025, 9, 10)
    office.update_settings({"npc_months": 2})
    assert cases.detail(number).handling_due == D(2025, 8, 11)  # 08-10 is a Sunday


def test_threshold_change_rederives_collective_but_keeps_overrides(
    office: OfficeService, cases: CaseService
) -> None:
    base = dict(received_on=D(2025, 5, 6), form="来访", anonymous=True)
    three = cases.create(case_input(**base, persons=3)).number  # type: ignore[arg-type]
    forced = cases.create(case_input(**base, persons=3, collective_override=False)).number  # type: ignore[arg-type]
    assert not cases.detail(three).collective
    saved = office.update_settings({"collective_threshold": 3})
    assert saved.collective_changed == 1
    assert cases.detail(three).collective and not cases.detail(forced).collective
    assert any(h.field == "collective" for h in cases.detail(three).history)


def _model_projection_columns() -> list[str]:
    """The Case columns app/models.py declares as the projection (status … due_estimated)."""
    names = [c.name for c in Case.__table__.columns]
    return names[names.index("status") : names.index("created_at")]


def test_projected_columns_are_the_models_projection_block() -> None:
    assert sorted(PROJECTED) == sorted(_model_projection_columns())


def test_bulk_reprojection_matches_project_case_by_case(
    db: Database, pinned_today: dt.date
) -> None:
    """The fast path must give exactly what `projection.project()` gives, setting by setting."""
    clock.set_today(D(2027, 6, 30))  # due dates in a year chinesecalendar may not know
    demo.generate(db, 400, seed=3, years=(2026, 2027))
    office = OfficeService(db, TESTER)
    if 2027 not in known_years():
        office.put_holidays(D(2027, 5, 1), D(2027, 5, 5), True, "劳动节")
    office.update_settings({"working_days": True, "handling_days": 45, "cppcc_months": 2})
    with db.read() as s:
        cfg, cal = settings.get_all(s), projection.work_calendar(s)
        cases = s.scalars(select(Case)).all()
        assert len(cases) == 400
        columns = _model_projection_columns()  # the model's, not the list under test
        for case in cases:
            stored = {name: getattr(case, name) for name in columns}
            projection.project(case, list(case.events), cfg, cal)
            assert {name: getattr(case, name) for name in columns} == stored, case.number
        s.rollback()


def test_office_holidays_count_in_unknown_years_only(
    office: OfficeService, cases: CaseService
) -> None:
    last_known = known_years().stop - 1
    with pytest.raises(DomainError, match="已由日历程序包"):
        office.put_holidays(D(last_known, 10, 1), D(last_known, 10, 3), True, "国庆节")
    year = last_known + 1
    clock.set_today(D(year, 12, 31))
    monday = next(D(year, 1, d) for d in range(1, 8) if D(year, 1, d).weekday() == 0)
    with pytest.raises(DomainError, match="本来就是工作日"):
        office.put_holidays(monday, monday, False, "调休")
    # A case whose 15-day limit ends on a day the office marks as a holiday moves past it.
    received = D(year, 9, 16)
    number = cases.create(case_input(received_on=received, form="来信", anonymous=True)).number
    due = cases.detail(number).decision_due
    assert due is not None and cases.detail(number).due_estimated
    office.put_holidays(due, due, True, "放假")
    assert cases.detail(number).decision_due > due  # type: ignore[operator]
    # One rest day of the office's own: the year's national schedule is still a guess …
    assert cases.detail(number).due_estimated
    # … until it is entered (its 春节, as the notice import names it): no （估算）.
    spring = next(D(year, 2, d) for d in range(1, 28) if D(year, 2, d).weekday() < 5)
    office.put_holidays(spring, spring, True, "春节")
    assert not cases.detail(number).due_estimated
    assert [h.day for h in office.holidays(year)] == sorted([spring, due])
    office.remove_holidays([due])
    assert cases.detail(number).decision_due == due


def test_coverage_says_whether_next_year_is_known(office: OfficeService) -> None:
    years = known_years()
    clock.set_today(D(years.stop - 1, 11, 1))
    cov = office.coverage()
    assert (cov.first, cov.last) == (years.start, years.stop - 1)
    assert cov.next_year == years.stop and not cov.next_year_known
    clock.set_today(D(years.stop - 2, 11, 1))
    assert office.coverage().next_year_known


def test_rename_relabels_the_cases_that_use_the_value(
    office: OfficeService, cases: CaseService, db: Database
) -> None:
    number = cases.create(
        case_input(
            received_on=D(2025, 3, 1),
            form="来信",
            anonymous=True,
            category="农村农业",
            subcategory="土地承包",
        )
    ).number
    relabelled = office.rename_value("category", "农村农业", "农业农村")
    assert relabelled == 1
    assert cases.detail(number).input.category == "农业农村"
    # The 二级 follow their 一级, and the case can still be saved (its values are in the
    # dictionary).
    assert [i.value for i in office.dictionary("subcategory", "农业农村")][0] == "土地承包"
    detail = cases.detail(number)
    cases.update(number, detail.input)
    assert any(h.action == "字典改名" and h.new == "农业农村" for h in cases.detail(number).history)
    with db.read() as s:
        assert "农村农业" not in dictionaries.values(s, "category")


def test_rename_refusals(office: OfficeService) -> None:
    with pytest.raises(DomainError, match="已有“水利”"):
        office.rename_value("category", "农村农业", "水利")
    with pytest.raises(DomainError, match="不能改名"):
        office.rename_value("channel", "人大建议", "人大代表建议")
    with pytest.raises(DomainError, match="没有“不存在”"):
        office.rename_value("department", "不存在", "新科室")


def test_leader_rename_follows_into_the_reception_register(
    office: OfficeService, db: Database
) -> None:
    office.add_value("leader", "王建国")
    RegisterService(db, TESTER).save(Reception(D(2025, 3, 5), "王建国", 1, 1))
    office.rename_value("leader", "王建国", "王建民")
    with db.read() as s:
        assert s.scalar(select(LeaderReception.leader)) == "王建民"
    assert office.dictionary("leader")[0].uses == 1


def test_add_move_deactivate_remove(
    office: OfficeService, cases: CaseService, db: Database
) -> None:
    office.add_value("department", "信访室")
    with pytest.raises(DomainError, match="已有“信访室”"):
        office.add_value("department", " 信访室 ")
    office.move_value("department", "信访室", -10)
    assert office.dictionary("department")[0].value == "信访室"
    cases.create(
        case_input(received_on=D(2025, 3, 1), form="来信", anonymous=True, department="信访室")
    )
    with pytest.raises(DomainError, match="已有 1 条记录使用"):
        office.remove_value("department", "信访室")
    office.set_active("department", "信访室", False)
    with db.read() as s:
        assert "信访室" not in dictionaries.values(s, "department")
    office.remove_value("department", "综合科")
    assert "综合科" not in [i.value for i in office.dictionary("department")]
    with pytest.raises(DomainError, match="请先删除或停用"):
        office.remove_value("category", "政法")
    with pytest.raises(DomainError, match="二级分类须指定"):
        office.add_value("subcategory", "涉农")


def test_first_run_sets_the_name_and_replaces_placeholder_departments(
    office: OfficeService, db: Database
) -> None:
    assert office.needs_first_run()
    with pytest.raises(DomainError, match="至少填写一个科室"):
        office.first_run("某县农经局", ["  "])
    office.first_run("某县农经局", ["农村经营管理站", "办公室", "农村经营管理站"])
    assert not office.needs_first_run()
    assert [i.value for i in office.dictionary("department")] == ["农村经营管理站", "办公室"]
    with db.read() as s:
        assert s.scalars(select(DictEntry.value).where(DictEntry.value == "业务科")).all() == []


def test_parse_command_line_values() -> None:
    assert parse("working_days", "是") is True and parse("working_days", "false") is False
    assert parse("handling_days", " 45 ") == 45
    with pytest.raises(DomainError, match="应为整数"):
        parse("handling_days", "六十")


def test_settings_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "settings", "set", "max_extension_days", "31"]) == 1
    assert "不得超过30日" in capsys.readouterr().err
    assert main([*data, "settings", "set", "working_days", "是"]) == 0
    assert main([*data, "settings", "dict", "add", "leader", "王建国"]) == 0
    capsys.readouterr()
    assert main([*data, "settings", "show", "--json"]) == 0
    assert '"working_days": true' in capsys.readouterr().out
    assert main([*data, "settings", "dict", "list", "leader"]) == 0
    assert capsys.readouterr().out.strip() == "王建国\t0"


def test_a_cancelled_recompute_leaves_nothing_half_written(
    office: OfficeService, cases: CaseService
) -> None:
    number = _accepted(cases, D(2025, 9, 1))

    def cancel(done: int, total: int) -> None:
        raise KeyboardInterrupt  # what 取消 does: an exception out of the progress callback

    with pytest.raises(KeyboardInterrupt):
        office.update_settings({"handling_days": 30}, cancel)
    assert office.settings()["handling_days"] == 60
    assert cases.detail(number).handling_due == D(2025, 10, 31)


@pytest.mark.sqlite_only("opens the database file again")
def test_an_emptied_dictionary_is_seeded_again_when_the_file_is_opened(
    db: Database, tmp_path: Path
) -> None:
    from sqlalchemy import delete

    from app.bootstrap import open_database

    assert db.path is not None
    with db.session() as s:
        s.execute(delete(DictEntry).where(DictEntry.kind == dictionaries.BASIS))
    with db.read() as s:
        assert dictionaries.missing_defaults(s)
    again = open_database(db.path)
    try:
        with again.read() as s:
            assert dictionaries.values(s, dictionaries.BASIS) == dictionaries.DEFAULT_BASES
            assert not dictionaries.missing_defaults(s)
    finally:
        again.close()
