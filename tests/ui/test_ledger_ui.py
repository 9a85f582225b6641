"""The 台账 export dialog and import wizard, driven as a clerk would (offscreen)."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts import TESTER
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWizard
from pytestqt.qtbot import QtBot
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from app.cases.search import CaseFilter
from app.db import Database
from app.ledger.service import LedgerService
from app.models import Case
from ui.ledger.export_dialog import LedgerExportDialog
from ui.ledger.import_wizard import ImportWizard
from ui.tasks import TaskRunner
from ui.widgets import output_folder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ledger_builders import write_xlsx  # noqa: E402
from test_ledger_export import seed  # noqa: E402
from test_ledger_import import messy_rows  # noqa: E402


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Screenshots of the dialogs, for a person to look at (XINFANG_SHOTS keeps them)."""
    folder = Path(os.environ.get("XINFANG_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait()


def _settle(qtbot: QtBot, runner: TaskRunner) -> None:
    runner.wait()
    qtbot.wait(30)  # let the queued "done" signal reach the GUI thread


def _count(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Case.id))) or 0


def test_export_dialog_writes_the_filtered_ledger(
    qtbot: QtBot,
    db: Database,
    runner: TaskRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shots: Path,
) -> None:
    seed(db)
    shown: list[str] = []
    opened: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    dialog = LedgerExportDialog(None, runner, LedgerService(db, TESTER), CaseFilter(forms=["来访"]))
    qtbot.addWidget(dialog)
    out = tmp_path / "来访台账.xlsx"
    dialog.path.setText(str(out))
    assert dialog.mask.isChecked()  # masked unless the clerk unticks it
    dialog.show()
    dialog.grab().save(str(shots / "export_dialog.png"))
    with qtbot.waitSignal(dialog.exported, timeout=20000) as signal:
        dialog.start()
        _settle(qtbot, runner)
    assert signal.args[0].rows == 3
    # The message says where, and offers 打开文件 / 打开所在文件夹; the next export starts there.
    box = next(b for b in QApplication.topLevelWidgets() if b.objectName() == "saved_box")
    assert isinstance(box, QMessageBox) and "已导出 3 件" in box.text()
    buttons = {b.text(): b for b in box.buttons()}
    assert {"打开文件", "打开所在文件夹", "关闭"} <= set(buttons)
    buttons["打开所在文件夹"].click()
    assert opened == [str(out.parent)]
    assert output_folder() == out.parent
    shown.append(box.text())
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("台账").to_python()
    assert len(rows) == 4
    assert all("*" in r[6] for r in rows[1:] if r[6])  # ID column masked


def _next(qtbot: QtBot, wizard: ImportWizard, runner: TaskRunner) -> None:
    wizard.next()
    _settle(qtbot, runner)


def test_import_wizard_from_file_to_summary(
    qtbot: QtBot, db: Database, runner: TaskRunner, tmp_path: Path, shots: Path
) -> None:
    path = write_xlsx(tmp_path / "旧台账.xlsx", messy_rows())
    wizard = ImportWizard(None, runner, LedgerService(db, TESTER))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.set_file(path)
    wizard.grab().save(str(shots / "wizard_1_file.png"))
    assert wizard.file_page.sheet.count() == 2  # 自动 + the one sheet

    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is wizard.mapping_page
    page2 = wizard.mapping_page
    headers = wizard.table.headers  # type: ignore[union-attr]
    assert page2.combos[headers.index("信访日期")].currentText() == "登记日期"
    assert page2.combos[headers.index("身份证号码")].currentText() == "身份证号"
    wizard.grab().save(str(shots / "wizard_2_mapping.png"))
    # The clerk decides the 备注 column should not be imported.
    page2.set_field(headers.index("备注"), None)

    _next(qtbot, wizard, runner)
    page = wizard.problems_page
    assert wizard.currentPage() is page
    assert page.grid.rowCount() == len(wizard.plan.problems)  # type: ignore[union-attr]
    assert "错误 2 处" in page.summary.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.grab().save(str(shots / "wizard_3_problems.png"))
    assert _count(db) == 0  # nothing written by the dry run

    page._copy()
    copied = QApplication.clipboard().text().splitlines()
    assert len(copied) == 1 + len(wizard.plan.problems)  # type: ignore[union-attr]
    assert any(line.startswith("错误\t2025年\t6\t身份证号码(G)") for line in copied[1:])
    page.skip_bad.setChecked(True)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is wizard.summary_page
    assert "新增 6 件" in wizard.summary_page.text.text()
    assert "有错误跳过 2 行" in wizard.summary_page.text.text()
    wizard.grab().save(str(shots / "wizard_4_summary.png"))
    assert _count(db) == 6
    with db.read() as s:
        remark = s.scalar(select(Case.remark).where(Case.number == "SW2025-005"))
    assert remark is None  # unmapped by hand


def test_wizard_reports_an_unreadable_file(
    qtbot: QtBot, db: Database, runner: TaskRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, msg, *a: warnings.append(msg))
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a workbook")
    wizard = ImportWizard(None, runner, LedgerService(db, TESTER))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.set_file(bad)
    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is wizard.file_page
    assert warnings and "无法读取" in warnings[0]


def _wizard(qtbot: QtBot, db: Database, runner: TaskRunner, path: Path) -> ImportWizard:
    wizard = ImportWizard(None, runner, LedgerService(db, TESTER))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.set_file(path)
    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is wizard.mapping_page
    return wizard


def test_mapping_step_shows_first_values_and_takes_whole_sheet_values(
    qtbot: QtBot, db: Database, runner: TaskRunner, tmp_path: Path, shots: Path
) -> None:
    from test_ledger_hand_mapping import HEADER, visit_rows

    path = write_xlsx(tmp_path / "来访登记.xlsx", visit_rows(3))
    wizard = _wizard(qtbot, db, runner, path)
    wizard.resize(1024, 768)
    page = wizard.mapping_page
    date_col = HEADER.index("受访时点")
    # Each column: its header, its first values (the 合计 row left out), the field it fills.
    labels = [w.text() for w in page.columns_area.widget().findChildren(QLabel)]
    assert "受访时点" in labels
    assert "2025-03-03  |  2025/3/10  |  2025年3月17日" in labels
    assert "1  |  6  |  2" in labels  # 来访人数, without the 合计 row's 9
    assert page.combos[date_col].currentText() == "（不导入）"  # no vocabulary has 受访时点
    assert page.combos[HEADER.index("来访人数")].currentText() == "人数"
    # A sheet without 信访形式: the 整表统一填写 box already asks for it.
    assert [(f.currentData(), v.currentText()) for f, v, _ in page.fixed_rows] == [("form", "")]
    page.set_field(date_col, "received_on")
    page.set_fixed("form", "来访")
    wizard.grab().save(str(shots / "wizard_2_mapping_register.png"))
    assert page.fixed() == {"form": "来访"} and page.mapping()["received_on"] == date_col

    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is wizard.problems_page
    assert wizard.plan is not None and not wizard.plan.errors and len(wizard.plan.rows) == 3
    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is wizard.summary_page
    assert "新增 3 件" in wizard.summary_page.text.text()
    assert "已记住本表的列对应和统一填写" in wizard.summary_page.text.text()
    wizard.grab().save(str(shots / "wizard_4_summary_register.png"))
    with db.read() as s:
        assert set(s.scalars(select(Case.form))) == {"来访"}

    # The next month's sheet, same header: the clerk's settings come preselected.
    april = write_xlsx(tmp_path / "四月.xlsx", visit_rows(4))
    wizard = _wizard(qtbot, db, runner, april)
    page = wizard.mapping_page
    assert page.remembered_note.isVisibleTo(wizard)
    assert "受访时点→登记日期" in page.remembered_note.text()
    assert page.combos[date_col].currentText() == "登记日期"
    assert page.fixed() == {"form": "来访"}
    _next(qtbot, wizard, runner)
    assert wizard.plan is not None and not wizard.plan.errors and len(wizard.plan.rows) == 3


def test_a_field_comes_from_one_column(
    qtbot: QtBot, db: Database, runner: TaskRunner, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "旧台账.xlsx", messy_rows())
    wizard = _wizard(qtbot, db, runner, path)
    page = wizard.mapping_page
    headers = wizard.table.headers  # type: ignore[union-attr]
    summary, remark = headers.index("内容摘要"), headers.index("备注")
    page.set_field(remark, "summary")  # the clerk takes 备注 for the summary instead
    assert page.combos[summary].currentText() == "（不导入）"
    assert page.mapping()["summary"] == remark and "remark" not in page.mapping()
    # Back to the file and forward again: the clerk's choice is still there.
    wizard.back()
    assert wizard.currentPage() is wizard.file_page
    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is page and page.mapping()["summary"] == remark


def test_mapping_step_is_keyboard_usable(
    qtbot: QtBot, db: Database, runner: TaskRunner, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "旧台账.xlsx", messy_rows())
    wizard = _wizard(qtbot, db, runner, path)
    page = wizard.mapping_page
    combos = list(page.combos.values())
    combos[0].setFocus()
    qtbot.wait(10)
    # Tab walks from one column's field to the next, in the sheet's order.
    for expected in combos[1:4]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected
    page.add_fixed.click()
    qtbot.wait(20)
    assert QApplication.focusWidget() is page.fixed_rows[-1][0]


def test_the_dry_runs_assumptions_show_before_and_after_the_import(
    qtbot: QtBot, db: Database, runner: TaskRunner, tmp_path: Path
) -> None:
    from test_ledger_hand_mapping import HEADER, visit_rows

    wizard = _wizard(qtbot, db, runner, write_xlsx(tmp_path / "来访登记.xlsx", visit_rows()))
    wizard.mapping_page.set_field(HEADER.index("受访时点"), "received_on")
    wizard.mapping_page.set_fixed("form", "来访")
    _next(qtbot, wizard, runner)
    said = "整表统一填写：信访形式＝“来访”，共 3 行按此填写。"
    assert f"· {said}" in wizard.problems_page.summary.text()
    assert "3 行没有任何办理情况" in wizard.problems_page.summary.text()
    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is wizard.summary_page
    assert said in wizard.summary_page.text.text()
