"""A 查阅 account reads but cannot change anything; a 登记员 cannot change settings."""

import datetime as dt
from pathlib import Path

import pytest
from accounts import CLERK_USER, READER_USER, account
from sqlalchemy import func, select

from app.db import Database
from app.errors import DomainError
from app.ledger.service import LedgerService
from app.models import Case, DictEntry, LeaderReception, Setting
from app.office.registers import Reception, RegisterService
from app.office.service import OfficeService
from app.safety import auth


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_reader_cannot_change_registers(db: Database) -> None:
    reader = RegisterService(db, READER_USER)
    with pytest.raises(DomainError, match="当前账号（查阅）无权修改领导接访和排查登记"):
        reader.save(Reception(dt.date(2025, 3, 5), "王局长", 1, 1, ""))
    assert count(db, LeaderReception) == 0
    assert reader.receptions() == []  # reading is allowed


@pytest.mark.parametrize("role", [auth.READER, auth.CLERK])
def test_only_the_administrator_changes_settings_and_dictionaries(db: Database, role: str) -> None:
    office = OfficeService(db, account("某人", role))
    before = (count(db, Setting), count(db, DictEntry))
    with pytest.raises(DomainError, match="无权修改设置和字典"):
        office.update_settings({"handling_days": 30})
    with pytest.raises(DomainError, match="无权修改设置和字典"):
        office.add_value("department", "新科室")
    assert (count(db, Setting), count(db, DictEntry)) == before
    assert office.settings()["handling_days"] == 60
    assert OfficeService(db, account("管理员")).add_value("department", "新科室")


def test_reader_cannot_import_a_ledger(db: Database, tmp_path: Path) -> None:
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "编号,登记日期,信访形式,信访人,反映问题\nXF2025-0001,2025-03-05,来信,张三,反映问题\n",
        encoding="utf-8",
    )
    clerk = LedgerService(db, CLERK_USER)
    _table, plan = clerk.dry_run(ledger)
    assert not plan.errors
    reader = LedgerService(db, READER_USER)
    with pytest.raises(DomainError, match="无权导入台账"):
        reader.dry_run(ledger)
    with pytest.raises(DomainError, match="无权导入台账"):
        reader.import_(plan)
    assert count(db, Case) == 0
    clerk.import_(plan)
    assert count(db, Case) == 1
