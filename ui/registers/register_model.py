"""The table model and cell editors behind the register pages (领导接访, 排查调处).

The model holds the period's rows (a few dozen a year) plus a bold 合计 row; an edited cell is
shown at once and handed to `save`, and the page reads the row back once the worker has written
it (or refused it).
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.office.registers import MAX_COUNT, Reception, ScreeningRow
from ui.widgets import DateEdit, from_qdate, to_qdate

Kind = Literal["reception", "screening"]
Row = Reception | ScreeningRow
_Index = QModelIndex | QPersistentModelIndex

# (field, header, editor) per register, in the order of the paper register.
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "reception": [
        ("on", "接访日期", "date"),
        ("leader", "接访领导", "leader"),
        ("batches", "接待批次", "int"),
        ("persons", "接待人次", "int"),
        ("note", "备注", "text"),
    ],
    "screening": [
        ("on", "排查日期", "date"),
        ("found", "排查出矛盾纠纷（起）", "int"),
        ("resolved", "其中化解（起）", "int"),
        ("note", "备注", "text"),
    ],
}


class RegisterModel(QAbstractTableModel):
    """The register's rows plus a 合计 row at the bottom (not editable)."""

    def __init__(self, kind: Kind, save: Callable[[Row], None]) -> None:
        super().__init__()
        self.kind = kind
        self.columns = COLUMNS[kind]
        self.rows: list[Row] = []
        self.totals: list[str] = []
        self._save = save

    def set_rows(self, rows: list[Row], totals: list[str]) -> None:
        self.beginResetModel()
        self.rows, self.totals = rows, totals
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows) + 1

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section][1]
        return str(section + 1) if section < len(self.rows) else ""

    def is_total(self, index: _Index) -> bool:
        return index.row() == len(self.rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if self.is_total(index) else base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name, _header, editor = self.columns[index.column()]
        if self.is_total(index):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.totals[index.column()] if self.totals else ""
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.TextAlignmentRole and editor == "int":
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        value = getattr(self.rows[index.row()], name)
        if role == Qt.ItemDataRole.DisplayRole:
            return value.isoformat() if isinstance(value, dt.date) else str(value)
        if role == Qt.ItemDataRole.EditRole:
            return to_qdate(value) if isinstance(value, dt.date) else value
        if role == Qt.ItemDataRole.TextAlignmentRole and editor == "int":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or self.is_total(index):
            return False
        name = self.columns[index.column()][0]
        if isinstance(value, QDate):
            value = from_qdate(value)
        elif isinstance(value, str):
            value = value.strip()
        row = self.rows[index.row()]
        if getattr(row, name) == value:
            return False
        changed = dataclasses.replace(row, **{name: value})
        self.rows[index.row()] = changed  # shown at once; read back after the save
        self.dataChanged.emit(index, index)
        self._save(changed)
        return True


class RegisterDelegate(QStyledItemDelegate):
    """Date cells get a calendar, leader cells the leader list, counts a spin box."""

    def __init__(
        self, columns: list[tuple[str, str, str]], leaders: Callable[[], list[str]]
    ) -> None:
        super().__init__()
        self.columns, self.leaders = columns, leaders

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        editor = self.columns[index.column()][2]
        if editor == "date":
            return DateEdit(parent=parent)
        if editor == "leader":
            combo = QComboBox(parent)
            combo.addItems(self.leaders())
            return combo
        if editor == "int":
            spin = QSpinBox(parent)
            spin.setRange(0, MAX_COUNT - 1)
            return spin
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            if editor.findText(value) < 0:
                editor.addItem(value)  # a leader since taken off the list, on an old row
            editor.setCurrentText(value)
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)
