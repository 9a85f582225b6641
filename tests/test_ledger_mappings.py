"""The clerk's column choices remembered per header (app/ledger/mappings.py): only what the
clerk changed is kept, laid over the header detection of the next sheet with that header."""

from accounts import TESTER

from app.db import Database
from app.ledger import mappings
from app.ledger.mappings import Remembered
from app.ledger.read import Table
from app.ledger.service import LedgerService

HEADERS = ["序号", "受访时点", "姓名", "备注", ""]
AUTO = {"seq": 0, "name": 2, "remark": 3}


def test_only_the_clerks_changes_are_kept() -> None:
    chosen = {"seq": 0, "name": 2, "received_on": 1}
    kept = mappings.difference(AUTO, chosen, {"form": "来访", "channel": ""})
    assert kept == Remembered({"received_on": 1}, ["remark"], {"form": "来访"})
    assert not mappings.difference(AUTO, dict(AUTO), {})


def test_apply_lays_the_changes_over_a_new_detection() -> None:
    kept = Remembered({"received_on": 1, "summary": 3, "gone_field": 2, "name": 9}, ["seq"])
    # A later header detection that also maps 备注 to 备注: the clerk's 反映问题 wins there.
    applied = kept.apply({"seq": 0, "name": 2, "remark": 3}, width=4)
    assert applied == {"name": 2, "received_on": 1, "summary": 3}
    assert kept.describe(HEADERS) == "受访时点→登记日期；备注→反映问题；第10列→信访人；序号→不导入"


def test_the_signature_ignores_trailing_blank_headers() -> None:
    assert mappings.signature(HEADERS) == mappings.signature(HEADERS[:-1])
    assert mappings.setting_key(HEADERS) != mappings.setting_key(["序号", "受访时点"])


def test_saved_loaded_and_forgotten(db: Database) -> None:
    ledger = LedgerService(db, TESTER)
    table = Table("来访", [HEADERS], 0, HEADERS, dict(AUTO))
    assert ledger.remembered_mapping(table) is None
    assert ledger.remember_mapping(table, {**AUTO, "received_on": 1}, {"form": "来访"})
    found = ledger.remembered_mapping(table)
    assert found is not None and found.mapped == {"received_on": 1}
    assert found.fixed == {"form": "来访"} and found.saved_on is not None
    # The next successful import without hand settings leaves nothing to remember.
    assert not ledger.remember_mapping(table, dict(AUTO), {})
    assert ledger.remembered_mapping(table) is None
