"""Small widgets and helpers shared by the workbench pages."""

import datetime as dt

from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QLabel,
    QWidget,
)

ORGANIZATION = "XinfangDesk"
APPLICATION = "信访工作台"

# Wherever a light background is set, the text colour is set too: in Windows' dark mode the
# palette's text is white and would vanish on it.
TEXT_ON_LIGHT = "#1f2328"
ERROR_STYLE = f"border: 1px solid #d93025; background: #fff4f4; color: {TEXT_ON_LIGHT};"
WARN_COLOR = "#b26a00"
ERROR_COLOR = "#d93025"
# Row colours of the §3 warnings: 临期 yellow, 超期 red (light, so text stays readable).
SOON_BACKGROUND = "#fff2b3"
OVERDUE_BACKGROUND = "#ffd5d5"


def ui_settings() -> QSettings:
    """Window state and column choices (UI state only; office settings live in the database)."""
    return QSettings(ORGANIZATION, APPLICATION)


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def date_edit(day: dt.date) -> QDateEdit:
    edit = QDateEdit(to_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def fmt_date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def days_left(due: dt.date | None, today: dt.date) -> str:
    """剩余 5 天 / 今天到期 / 超期 3 天."""
    if due is None:
        return ""
    left = (due - today).days
    if left > 0:
        return f"剩余 {left} 天"
    if left == 0:
        return "今天到期"
    return f"超期 {-left} 天"


class DictCombo(QComboBox):
    """A dictionary as a combo box with type-ahead: typing filters the list (contains-match)."""

    def __init__(self, values: list[str], allow_empty: bool = True, editable: bool = True) -> None:
        super().__init__()
        self._allow_empty = allow_empty
        self.setEditable(editable)
        if editable:
            self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(self.model(), self)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            self.setCompleter(completer)
        self.set_values(values)

    def set_values(self, values: list[str]) -> None:
        current = self.value()
        self.blockSignals(True)
        self.clear()
        if self._allow_empty:
            self.addItem("")
        self.addItems(values)
        self.blockSignals(False)
        self.set_value(current)

    def value(self) -> str:
        return self.currentText().strip()

    def set_value(self, value: str) -> None:
        index = self.findText(value or "", Qt.MatchFlag.MatchExactly)
        if index >= 0:
            self.setCurrentIndex(index)
        elif self.isEditable():
            # A value no longer in the dictionary (deactivated) still shows for an old case.
            self.setEditText(value or "")
        elif self.count():
            self.setCurrentIndex(0)


class FieldMessage(QLabel):
    """The line under a field: an error in red, a hint in grey."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.hide()

    def error(self, text: str) -> None:
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.setText(text)
        self.setVisible(bool(text))

    def hint(self, text: str) -> None:
        self.setStyleSheet("color: #5f6368;")
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()


def mark_error(widget: QWidget, on: bool) -> None:
    widget.setStyleSheet(ERROR_STYLE if on else "")
