"""The 领导接访 and 排查调处 registers: validation, totals over a period, audit."""

import datetime as dt

import pytest
from accounts import TESTER
from sqlalchemy import select

from app.db import Database
from app.errors import DomainError
from app.models import AuditEntry, LeaderReception
from app.office import dictionaries
from app.office.registers import Reception, RegisterService, ScreeningRow

D = dt.date


@pytest.fixture
def registers(db: Database) -> RegisterService:
    with db.session() as s:
        dictionaries.add(s, "leader", "王建国")
        dictionaries.add(s, "leader", "李志强")
    return RegisterService(db, TESTER)


def test_receptions_add_edit_and_totals_over_a_period(registers: RegisterService) -> None:
    registers.save(Reception(D(2025, 3, 5), "王建国", 3, 5, "接待日"))
    registers.save(Reception(D(2025, 3, 5), "李志强", 2, 2))
    rid = registers.save(Reception(D(2025, 4, 20), "王建国", 1, 4))
    registers.save(Reception(D(2024, 12, 20), "王建国", 9, 9))  # outside the period

    totals = registers.reception_totals(D(2025, 1, 1), D(2025, 12, 31))
    # Two leaders on 3-05 make one reception day, not two.
    assert (totals.days, totals.batches, totals.persons) == (2, 6, 11)

    registers.save(Reception(D(2025, 4, 20), "王建国", 2, 6, id=rid))
    rows = registers.receptions(D(2025, 4, 1), D(2025, 4, 30))
    assert [(r.on, r.batches, r.persons) for r in rows] == [(D(2025, 4, 20), 2, 6)]
    assert registers.reception_totals(D(2025, 1, 1), D(2025, 12, 31)).persons == 13


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (Reception(D(2026, 1, 1), "王建国", 1, 1), "晚于今天"),
        (Reception(D(2025, 1, 6), "", 1, 1), "请选择接访领导"),
        (Reception(D(2025, 1, 6), "赵某", 1, 1), "不在领导名单"),
        (Reception(D(2025, 1, 6), "王建国", 3, 2), "不能少于批次"),
        (Reception(D(2025, 1, 6), "王建国", 0, 2), "人次应为 0"),
        (Reception(D(2025, 1, 6), "王建国", -1, 0), "不能为负数"),
        (Reception(D(2025, 1, 6), "王建国", 1.5, 2), "应为整数"),  # type: ignore[arg-type]
        (ScreeningRow(D(2025, 1, 6), 2, 3), "不能多于"),
        (ScreeningRow(D(1999, 1, 6), 2, 1), "太早"),
        (ScreeningRow(D(2025, 1, 6), 2, 1, "长" * 501), "备注最多"),
    ],
)
def test_bad_rows_are_refused_with_a_chinese_message_and_nothing_written(
    registers: RegisterService, row: Reception | ScreeningRow, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        registers.save(row)
    assert registers.receptions() == [] and registers.screenings() == []


def test_one_row_per_day_and_leader(registers: RegisterService) -> None:
    registers.save(Reception(D(2025, 5, 5), "王建国", 1, 1))
    with pytest.raises(DomainError, match="已有王建国的接访记录"):
        registers.save(Reception(D(2025, 5, 5), "王建国", 2, 2))


def test_a_leader_taken_off_the_list_stays_on_old_rows(
    registers: RegisterService, db: Database
) -> None:
    rid = registers.save(Reception(D(2025, 5, 5), "李志强", 1, 1))
    with db.session() as s:
        dictionaries.deactivate(s, "leader", "李志强")
    registers.save(Reception(D(2025, 5, 5), "李志强", 2, 3, "补记", id=rid))  # still editable
    with pytest.raises(DomainError, match="不在领导名单"):
        registers.save(Reception(D(2025, 5, 6), "李志强", 1, 1))


def test_screenings_totals_and_delete(registers: RegisterService) -> None:
    a = registers.save(ScreeningRow(D(2025, 1, 25), 4, 3, "月度排查"))
    registers.save(ScreeningRow(D(2025, 2, 25), 2, 2))
    totals = registers.screening_totals(D(2025, 1, 1), D(2025, 12, 31))
    assert (totals.times, totals.found, totals.resolved) == (2, 6, 5)
    registers.delete(ScreeningRow, a)
    totals = registers.screening_totals(D(2025, 1, 1), D(2025, 12, 31))
    assert (totals.times, totals.found, totals.resolved) == (1, 2, 2)
    with pytest.raises(DomainError, match="已被删除"):
        registers.delete(ScreeningRow, a)


def test_every_change_is_audited(registers: RegisterService, db: Database) -> None:
    rid = registers.save(Reception(D(2025, 6, 5), "王建国", 1, 1))
    registers.save(Reception(D(2025, 6, 5), "王建国", 1, 3, id=rid))
    registers.delete(Reception, rid)
    with db.read() as s:
        # In id order: PostgreSQL gives unordered rows in no particular order.
        query = select(AuditEntry).where(AuditEntry.entity == "leader_reception")
        log = list(s.scalars(query.order_by(AuditEntry.id)))
        assert s.scalar(select(LeaderReception.id)) is None
    assert [(a.action, a.field, a.old, a.new) for a in log][1] == ("修改", "persons", "1", "3")
    assert [a.action for a in log] == ["新增", "修改", "删除"]
    assert "persons=3" in (log[2].old or "")
