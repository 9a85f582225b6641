"""Small widgets and helpers shared by the workbench pages."""

import datetime as dt
import re
from pathlib import Path

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QLocale,
    QSettings,
    QStandardPaths,
    Qt,
    QTime,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QDesktopServices,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QResizeEvent,
    QValidator,
)
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from app import clock

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


def output_folder() -> Path:
    """The one folder every output (台账, 报告, 文书) is proposed in: the last one used."""
    value = ui_settings().value("output/folder")
    documents = Path(
        QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        or Path.home()
    )
    fallback = documents if documents.is_dir() else Path.home()
    folder = Path(str(value)) if value else fallback
    return folder if folder.is_dir() else fallback


def remember_output(path: Path) -> None:
    ui_settings().setValue("output/folder", str(path.parent))


def show_saved(parent: QWidget | None, title: str, text: str, path: Path) -> None:
    """After a file is written: say where, and offer 打开文件 / 打开所在文件夹."""
    remember_output(path)
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    open_file = box.addButton("打开文件", QMessageBox.ButtonRole.AcceptRole)
    open_folder = box.addButton("打开所在文件夹", QMessageBox.ButtonRole.ActionRole)
    box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
    box.setObjectName("saved_box")
    box.setModal(True)

    def clicked(button: object) -> None:
        if button is open_file:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        elif button is open_folder:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))

    box.buttonClicked.connect(clicked)
    # Without a parent nothing else holds the box while it is open.
    _OPEN_BOXES.add(box)
    box.finished.connect(lambda _r: _OPEN_BOXES.discard(box))
    box.open()


_OPEN_BOXES: set[QMessageBox] = set()


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


CHINESE = QLocale(QLocale.Language.Chinese, QLocale.Country.China)

_FULL = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_SHORT = re.compile(r"(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")  # this year
_TYPING = re.compile(r"[\d\s\-./年月日]*")


def parse_typed_date(
    text: str, today: dt.date | None = None, base: dt.date | None = None
) -> dt.date | None:
    """A date as a clerk types it: 20261009, 2026-10-09, 2026.10.9, 2026/10/9, 2026年10月9日,
    or 10月9日 / 10-9 / 1009 for this year; with `base` (the field's date), 1 or 2 digits are a
    day of its month (the day is what a date field opens with selected). None when it is no
    (real) date."""
    text = text.strip()
    today = today or clock.today()
    if base is not None and re.fullmatch(r"\d{1,2}", text):
        parts = (base.year, base.month, int(text))
    elif re.fullmatch(r"\d{4}", text):
        parts = (today.year, int(text[:2]), int(text[2:]))
    elif re.fullmatch(r"\d{8}", text):
        parts = (int(text[:4]), int(text[4:6]), int(text[6:]))
    elif m := _FULL.fullmatch(text):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := _SHORT.fullmatch(text):
        parts = (today.year, int(m.group(1)), int(m.group(2)))
    else:
        return None
    try:
        return dt.date(*parts)
    except ValueError:
        return None


class DateEdit(QDateEdit):
    """A date field that takes a date typed in any of the clerk's styles (parse_typed_date),
    opens with the day selected (not the year), and shows a Chinese calendar whatever the
    system's locale."""

    def __init__(self, day: dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fresh = False
        self._base: dt.date | None = None
        self.setLocale(CHINESE)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setToolTip("可直接键入：20261009、2026-10-09、2026.10.9 或 10月9日（今年）")
        # The popup calendar, built when first opened, takes this locale: Chinese month and
        # day names, the week from Monday, whatever the system's language.
        if day is not None:
            self.setDate(to_qdate(day))
        self.setCurrentSection(QDateTimeEdit.Section.DaySection)

    def _in_range(self, day: dt.date) -> bool:
        return from_qdate(self.minimumDate()) <= day <= from_qdate(self.maximumDate())

    def _parse(self, text: str) -> dt.date | None:
        return parse_typed_date(text, base=self._base)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        # The first character typed after the field is entered starts a new date: typing
        # 20261009 over the selected day made 2026-12-20261009, read as 2026-12-20.
        if self._fresh and event.text() and (event.text().isdigit() or event.text() in "年月日"):
            self._base = from_qdate(self.date())
            self.lineEdit().selectAll()
        if event.text() or event.key() not in (Qt.Key.Key_Shift, Qt.Key.Key_Control):
            self._fresh = False
        super().keyPressEvent(event)

    def validate(self, text: str, pos: int) -> object:  # noqa: D102 (Qt's)
        day = self._parse(text)
        if day is not None and self._in_range(day):
            return (QValidator.State.Acceptable, text, pos)
        if _TYPING.fullmatch(text):
            return (QValidator.State.Intermediate, text, pos)
        return (QValidator.State.Invalid, text, pos)

    def dateTimeFromText(self, text: str) -> QDateTime:  # noqa: N802 (Qt's name)
        day = self._parse(text)
        if day is None or not self._in_range(day):
            return self.dateTime()
        return QDateTime(to_qdate(day), QTime(0, 0))

    def fixup(self, text: str) -> str:
        day = self._parse(text)
        if day is not None and self._in_range(day):
            return day.isoformat()
        return self.date().toString("yyyy-MM-dd")

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt's name)
        super().focusInEvent(event)
        self._fresh = True
        # After Qt has placed its own selection (the year): the day is what a clerk changes.
        QTimer.singleShot(0, self._select_day)

    def _select_day(self) -> None:
        if self.hasFocus():
            self.setSelectedSection(QDateTimeEdit.Section.DaySection)


def date_edit(day: dt.date) -> DateEdit:
    return DateEdit(day)


class NumberSpin(QSpinBox):
    """A whole number within a range that says so when the typed value is outside it, instead
    of QSpinBox's silent cut (45 in a 1–30 field became 4)."""

    refused = Signal(str)  # the message for the field, empty when the value is fine again

    def __init__(self, low: int, high: int, what: str, unit: str = "") -> None:
        super().__init__()
        self.what, self.unit = what, unit
        self._typed_out = ""
        self.setRange(low, high)

    def range_text(self) -> str:
        return f"{self.what}应为{self.minimum()}至{self.maximum()}{self.unit}"

    def validate(self, text: str, pos: int) -> object:  # noqa: D102 (Qt's)
        digits = text.removesuffix(self.suffix()).removeprefix(self.prefix()).strip()
        if digits.isdigit() and not (self.minimum() <= int(digits) <= self.maximum()):
            self._typed_out = digits  # kept on screen, flagged; never cut to a shorter number
            self.refused.emit(f"{self.range_text()}，不能为{digits}。")
            return (QValidator.State.Intermediate, text, pos)
        if digits.isdigit() and self._typed_out:
            self._typed_out = ""
            self.refused.emit("")
        return super().validate(text, pos)

    def problem(self) -> str:
        """The message when what is on screen is not the value (out of range), else ''."""
        digits = self.cleanText().strip()
        if digits.isdigit() and not (self.minimum() <= int(digits) <= self.maximum()):
            return f"{self.range_text()}，不能为{digits}。"
        return ""


class FitLabel(QLabel):
    """A one-line figure that is never elided: when the text is wider than the label, the font
    shrinks (down to `min_pt`) and the label asks for the width it needs."""

    def __init__(self, text: str = "", base_pt: float = 0, min_pt: float = 7) -> None:
        super().__init__(text)
        self.base_pt = base_pt or self.font().pointSizeF()
        self.min_pt = min_pt
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._fitted: tuple[str, int] | None = None  # the text and width last fitted
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def fits(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) <= self.contentsRect().width()

    def _fit(self) -> None:
        width = self.contentsRect().width()
        # The layout resizes a label several times while a page is first shown, often to the
        # same width, and a new font means a new layout pass: fit once per text and width.
        if (self.text(), width) == self._fitted:
            return
        self._fitted = (self.text(), width)
        font = QFont(self.font())
        size = self.base_pt
        font.setPointSizeF(size)
        while size > self.min_pt and QFontMetrics(font).horizontalAdvance(self.text()) > width:
            size -= 0.5
            font.setPointSizeF(size)
        if font.pointSizeF() != self.font().pointSizeF():
            self.setFont(font)
        # At the smallest size the layout must give the label its width (the card grows).
        self.setMinimumWidth(
            min(QFontMetrics(self.minimum_font()).horizontalAdvance(self.text()), 400)
        )

    def minimum_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(self.min_pt)
        return font


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
