"""The row of filter chips above the case list: each chip is a drop-down of choices."""

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)

from app import clock
from app.cases.search import FLAG_NAMES, WARNINGS, CaseFilter
from ui.widgets import date_edit, from_qdate

CHIP_STYLE = (
    "QToolButton { border: 1px solid #c5c9d0; border-radius: 11px; padding: 2px 10px; }"
    "QToolButton::menu-indicator { image: none; width: 0; }"
    'QToolButton[active="true"] { background: #dbe8ff; color: #1f2328; border-color: #4c7bd9; }'
)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def period_choices(today: dt.date) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """Named periods: name → (from, to)."""
    return {
        "全部": (None, None),
        "本月": (today.replace(day=1), today),
        "本季度": (_quarter_start(today), today),
        "今年": (dt.date(today.year, 1, 1), today),
        "上年": (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        "近30天": (today - dt.timedelta(days=29), today),
    }


class Chip(QToolButton):
    """A drop-down of checkable choices; `exclusive` = pick one (or none)."""

    changed = Signal()

    def __init__(self, title: str, choices: list[str], exclusive: bool = False) -> None:
        super().__init__()
        self.title = title
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.setMenu(self.menu_)
        self.exclusive = exclusive
        self.group = QActionGroup(self)
        self.group.setExclusionPolicy(
            QActionGroup.ExclusionPolicy.ExclusiveOptional
            if exclusive
            else QActionGroup.ExclusionPolicy.None_
        )
        self.set_choices(choices)

    def set_choices(self, choices: list[str]) -> None:
        chosen = set(self.selected())
        self.menu_.clear()
        for action in self.group.actions():
            self.group.removeAction(action)
        for text in choices:
            action = QAction(text, self.menu_)
            action.setCheckable(True)
            action.setChecked(text in chosen)
            action.toggled.connect(self._toggled)
            self.group.addAction(action)
            self.menu_.addAction(action)
        self._relabel()

    def add_action(self, text: str, slot: Callable[[], None]) -> None:
        self.menu_.addSeparator()
        self.menu_.addAction(text).triggered.connect(slot)

    def selected(self) -> list[str]:
        return [a.text() for a in self.group.actions() if a.isChecked()]

    def set_selected(self, values: list[str]) -> None:
        for action in self.group.actions():
            action.blockSignals(True)
            action.setChecked(action.text() in values)
            action.blockSignals(False)
        self._relabel()

    def _toggled(self) -> None:
        self._relabel()
        self.changed.emit()

    def _relabel(self, override: str = "") -> None:
        picked = [override] if override else self.selected()
        if not picked:
            self.setText(f"{self.title} ▾")
        elif len(picked) == 1:
            self.setText(f"{self.title}：{picked[0]} ▾")
        else:
            self.setText(f"{self.title}：{picked[0]}等{len(picked)}项 ▾")
        if self.property("active") != bool(picked):
            self.setProperty("active", bool(picked))
            self.style().unpolish(self)  # the style sheet reads the property
            self.style().polish(self)


class FilterBar(QWidget):
    """期间, 形式, 渠道, 类别, 承办单位, 状态, 标记, 期限 — and 清除."""

    changed = Signal()

    def __init__(self, dictionaries: dict[str, list[str]]) -> None:
        super().__init__()
        self.setStyleSheet(CHIP_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.custom_period: tuple[dt.date, dt.date] | None = None
        self.period = Chip("期间", list(period_choices(clock.today())), exclusive=True)
        self.period.add_action("自定义…", self._ask_period)
        flag_names = {v: k for k, v in FLAG_NAMES.items()}
        self._flag_keys = flag_names
        self.chips: dict[str, Chip] = {
            "period": self.period,
            "forms": Chip("形式", dictionaries["form"]),
            "channels": Chip("渠道", dictionaries["channel"]),
            "categories": Chip("类别", dictionaries["category"]),
            "departments": Chip("承办单位", dictionaries["department"]),
            "statuses": Chip("状态", dictionaries["status"]),
            "flags": Chip("标记", list(flag_names)),
            "warning": Chip("期限", list(WARNINGS), exclusive=True),
        }
        for chip in self.chips.values():
            chip.changed.connect(self._chip_changed)
            layout.addWidget(chip)
        self.clear_button = QPushButton("清除筛选")
        self.clear_button.clicked.connect(self.clear)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)

    def set_dictionaries(self, dictionaries: dict[str, list[str]]) -> None:
        for key, name in (
            ("channels", "channel"),
            ("categories", "category"),
            ("departments", "department"),
        ):
            self.chips[key].set_choices(dictionaries[name])

    def _chip_changed(self) -> None:
        if self.sender() is self.period:
            self.custom_period = None
        self.changed.emit()

    def _ask_period(self) -> None:
        today = clock.today()
        dialog = QDialog(self)
        dialog.setWindowTitle("自定义期间")
        form = QFormLayout(dialog)
        start, end = date_edit(today.replace(month=1, day=1)), date_edit(today)
        form.addRow("从（登记日期）", start)
        form.addRow("到", end)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        a, b = sorted((from_qdate(start.date()), from_qdate(end.date())))
        self.set_custom_period(a, b)
        self.changed.emit()

    def set_custom_period(self, start: dt.date, end: dt.date) -> None:
        self.period.set_selected([])
        self.custom_period = (start, end)
        self.period._relabel(f"{start:%Y-%m-%d}至{end:%Y-%m-%d}")

    def clear(self) -> None:
        self.custom_period = None
        for chip in self.chips.values():
            chip.set_selected([])
        self.changed.emit()

    def is_empty(self) -> bool:
        return self.custom_period is None and not any(c.selected() for c in self.chips.values())

    def apply(self, f: CaseFilter) -> CaseFilter:
        """Fill `f` with the chips' choices."""
        if self.custom_period:
            f.date_from, f.date_to = self.custom_period
        elif self.period.selected():
            f.date_from, f.date_to = period_choices(clock.today())[self.period.selected()[0]]
        f.forms = self.chips["forms"].selected()
        f.channels = self.chips["channels"].selected()
        f.categories = self.chips["categories"].selected()
        f.departments = self.chips["departments"].selected()
        f.statuses = self.chips["statuses"].selected()
        f.flags = [self._flag_keys[v] for v in self.chips["flags"].selected()]
        warning = self.chips["warning"].selected()
        f.warning = warning[0] if warning else ""
        return f
