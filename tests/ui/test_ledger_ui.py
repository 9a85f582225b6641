"""The 台账 export dialog and import wizard, driven as a clerk would (offscreen)."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts import TESTER
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard
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
    combos = wizard.mapping_page.combos
    assert combos["received_on"].currentText().endswith("信访日期")
    assert combos["id_number"].currentText().endswith("身份证号码")
    wizard.grab().save(str(shots / "wizard_2_mapping.png"))
    # The clerk decides the 备注 column should not be imported.
    combos["remark"].setCurrentIndex(0)

    _next(qtbot, wizard, runner)
    page = wizard.problems_page
    assert wizard.currentPage() is page
    assert page.grid.rowCount() == len(wizard.plan.problems)  # type: ignore[union-attr]
    assert "错误 3 处" in page.summary.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.grab().save(str(shots / "wizard_3_problems.png"))
    assert _count(db) == 0  # nothing written by the dry run

    page._copy()
    copied = QApplication.clipboard().text().splitlines()
    assert len(copied) == 1 + len(wizard.plan.problems)  # type: ignore[union-attr]
    assert copied[1].startswith("错误\t2025年\t6\t身份证号码(G)")
    page.skip_bad.setChecked(True)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    _next(qtbot, wizard, runner)
    assert wizard.currentPage() is wizard.summary_page
    assert "新增 5 件" in wizard.summary_page.text.text()
    assert "有错误跳过 3 行" in wizard.summary_page.text.text()
    wizard.grab().save(str(shots / "wizard_4_summary.png"))
    assert _count(db) == 5
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
