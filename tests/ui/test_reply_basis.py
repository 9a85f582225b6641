"""The 答复's 法律法规依据 (条例 Art.32, docs/rules.md, 文书): the office's common ones offered
from a dictionary the clerk edits, any other typed freely, kept as given."""

import datetime as dt

import pytest
from accounts import TESTER
from pytestqt.qtbot import QtBot
from stats_helpers import add

from app.cases.service import CaseService
from app.db import Database
from app.documents.service import DocumentService
from app.office.dictionaries import DEFAULT_BASES
from app.office.service import OfficeService
from ui.cases.case_page import CasePage
from ui.widgets import DictCombo


@pytest.fixture
def page(qtbot: QtBot, db: Database, cases: CaseService) -> CasePage:
    w = CasePage(cases, None, DocumentService(db, TESTER))
    qtbot.addWidget(w)
    w.show()
    return w


def test_reply_offers_the_office_bases_and_keeps_a_typed_one(
    page: CasePage, db: Database, cases: CaseService
) -> None:
    office = OfficeService(db, TESTER)
    office.add_value("basis", "《某省信访条例》第二十条")
    number = add(cases, dt.date(2025, 3, 3))
    page.set_detail(cases.act(number, "受理", dt.date(2025, 3, 4)))
    dialog = page.start_action("答复")
    assert dialog is not None
    combo = dialog.widgets["basis"]
    assert isinstance(combo, DictCombo) and combo.isEditable()
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert offered[1 : len(DEFAULT_BASES) + 1] == DEFAULT_BASES
    assert "《某省信访条例》第二十条" in offered
    combo.setEditText("《中华人民共和国劳动法》第五十条")  # not in the dictionary: typed
    assert dialog.data()["basis"] == "《中华人民共和国劳动法》第五十条"
    dialog.reject()
    # A rename in the dictionary never rewrites a 依据 already given (it is what was printed).
    detail = cases.act(
        number, "答复", dt.date(2025, 3, 20), {"result": "解释说明", "basis": DEFAULT_BASES[3]}
    )
    assert office.rename_value("basis", DEFAULT_BASES[3], "《劳动合同法》") == 0
    assert cases.detail(detail.number).events[-1].data["basis"] == DEFAULT_BASES[3]


def test_units_and_their_aliases_are_edited_in_settings(
    qtbot: QtBot, db: Database, tmp_path: object
) -> None:
    """设置 → 字典 lists 单位及别名 and 法律法规依据; a unit's aliases show beside it."""
    from accounts import account

    from app.office import dictionaries
    from ui.settings.dictionary_editor import LISTS, DictionaryEditor
    from ui.tasks import TaskRunner

    office = OfficeService(db, account("管理员"))
    office.add_value("unit", "县住房和城乡建设局")
    office.add_value("unit_alias", "县住建局", parent="县住房和城乡建设局")
    runner = TaskRunner()
    editor = DictionaryEditor(office, runner)
    qtbot.addWidget(editor)
    editor.resize(1000, 600)
    editor.show()
    kinds = [k for k, _, _ in LISTS]
    assert {"unit", "basis"} <= set(kinds)
    editor.choice.setCurrentRow(kinds.index("unit"))
    editor.values.table.selectRow(0)
    assert editor.subvalues.isVisible() and editor.subvalues.kind == "unit_alias"
    assert [i.value for i in editor.subvalues.items] == ["县住建局"]
    editor.choice.setCurrentRow(kinds.index("basis"))
    assert not editor.subvalues.isVisible()
    assert [i.value for i in editor.values.items] == dictionaries.DEFAULT_BASES
