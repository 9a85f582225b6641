"""设置 → 字典: the channel, category (一级 + 二级), department and leader lists.

Each list shows its values in the order the forms offer them, whether in use, and how many
records carry them. Keys: Insert 新增, F2 改名, Ctrl+↑/↓ move, Delete 删除 (asks first).
Writes go through the one write worker; refusals are shown under the list.
"""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.office.dictionary_edit import KIND_NAMES, DictItem
from app.office.service import OfficeService
from ui.tasks import TaskRunner, show_error
from ui.widgets import ERROR_COLOR

# The lists the clerk picks from, with what each is for.
LISTS = [
    (
        "channel",
        "来源渠道",
        "登记时选择的来源渠道。“上级交办”“上级转送”“人大建议”“政协提案”有专门的办理规则，不能改名或删除。",
    ),
    (
        "category",
        "问题类别",
        "一级分类用于统计“涉及领域”；选中一个一级分类，右边编辑它的二级分类。",
    ),
    ("department", "承办单位（科室）", "本单位的科室，登记时选择承办单位。"),
    ("leader", "领导名单", "包案领导和领导接访登记中选择的领导。"),
    (
        "unit",
        "单位及别名",
        "承办单位以外的外单位和被反映对象；选中一个单位，右边填写它的简称、别名"
        "（如县住建局），文书据此识别被反映单位（条例第三十条）。",
    ),
    (
        "basis",
        "法律法规依据",
        "答复时可选的常用依据，印在信访事项处理意见书中；也可在答复时直接填写。",
    ),
]


# Lists whose values have a child list beside them.
_CHILDREN = {
    "category": ("subcategory", "“{parent}”的二级分类"),
    "unit": ("unit_alias", "“{parent}”的别名"),
}


class ValueList(QWidget):
    """One dictionary (or the 二级 of one 一级) with its buttons."""

    changed = Signal()

    def __init__(self, office: OfficeService, runner: TaskRunner, title: str) -> None:
        super().__init__()
        self.office, self.runner = office, runner
        self.kind = "channel"
        self.parent_value: str | None = None
        self.items: list[DictItem] = []
        self.title = QLabel(f"<b>{title}</b>")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["名称", "状态", "使用记录"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.installEventFilter(self)
        self.buttons: dict[str, QPushButton] = {}
        # Two rows of three: two lists side by side must fit a 1024-pixel screen.
        row = QGridLayout()
        for i, (name, label, slot) in enumerate(
            [
                ("add", "新增 (Ins)", self.add),
                ("rename", "改名 (F2)", self.rename),
                ("up", "上移", lambda: self.move(-1)),
                ("down", "下移", lambda: self.move(1)),
                ("toggle", "停用/启用", self.toggle),
                ("remove", "删除 (Del)", self.remove),
            ]
        ):
            button = QPushButton(label)
            button.clicked.connect(slot)
            row.addWidget(button, i // 3, i % 3)
            self.buttons[name] = button
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)

    def show_list(self, kind: str, parent: str | None = None, title: str = "") -> None:
        self.kind, self.parent_value = kind, parent
        if title:
            self.title.setText(f"<b>{title}</b>")
        self.reload()

    def reload(self, select: str | None = None) -> None:
        keep = select or self.current()
        self.items = self.office.dictionary(self.kind, self.parent_value)
        self.table.setRowCount(len(self.items))
        for i, item in enumerate(self.items):
            cells = [
                item.value + ("（规则用）" if item.protected else ""),
                "启用" if item.active else "已停用",
                str(item.uses),
            ]
            for j, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if not item.active:
                    cell.setForeground(Qt.GlobalColor.gray)
                if j == 2:
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, j, cell)
        values = [i.value for i in self.items]
        self.table.selectRow(values.index(keep) if keep in values else 0)

    def current(self) -> str | None:
        row = self.table.currentRow()
        return self.items[row].value if 0 <= row < len(self.items) else None

    def current_item(self) -> DictItem | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _show(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: #1e7e34;")
        self.message.setText(text)

    def _run(self, fn: Callable[[], Any], done_text: str, select: str | None = None) -> None:
        def done(_result: Any) -> None:
            self.reload(select)
            self._show(done_text)
            self.changed.emit()

        def failed(exc: BaseException, details: str) -> None:
            if isinstance(exc, DomainError):
                self._show(exc.message, error=True)
            else:
                show_error(self, exc, details)

        self.runner.run(lambda _p: fn(), done, failed, self)

    def _ask_text(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getText(self, title, label, text=text)
        return value.strip() if ok and value.strip() else None

    def add(self) -> None:
        name = KIND_NAMES[self.kind]
        value = self._ask_text(f"新增{name}", f"{name}名称：")
        if value is None:
            return
        kind, parent = self.kind, self.parent_value
        self._run(lambda: self.office.add_value(kind, value, parent), f"已添加“{value}”。", value)

    def rename(self) -> None:
        item = self.current_item()
        if item is None:
            return
        new = self._ask_text("改名", f"把“{item.value}”改为：", item.value)
        if new is None or new == item.value:
            return
        if item.uses:
            answer = QMessageBox.question(
                self,
                "改名",
                f"“{item.value}”已用于 {item.uses} 条记录。改名后这些记录将一并改为“{new}”，"
                f"统计也按新名称汇总（每条改动记入操作日志）。继续吗？",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        kind, parent, old = self.kind, self.parent_value, item.value
        self._run(
            lambda: self.office.rename_value(kind, old, new, parent),
            f"已把“{old}”改为“{new}”" + (f"，{item.uses} 条记录随之更新。" if item.uses else "。"),
            new,
        )

    def move(self, offset: int) -> None:
        value = self.current()
        if value is None:
            return
        kind, parent = self.kind, self.parent_value
        self._run(
            lambda: self.office.move_value(kind, value, offset, parent), "已调整顺序。", value
        )

    def toggle(self) -> None:
        item = self.current_item()
        if item is None:
            return
        kind, parent, active = self.kind, self.parent_value, not item.active
        text = (
            f"已启用“{item.value}”。"
            if active
            else f"已停用“{item.value}”：登记时不再列出，原有记录和统计不变。"
        )
        self._run(
            lambda: self.office.set_active(kind, item.value, active, parent), text, item.value
        )

    def remove(self) -> None:
        item = self.current_item()
        if item is None:
            return
        if item.uses:
            self._show(f"“{item.value}”已用于 {item.uses} 条记录，不能删除；可以停用。", error=True)
            return
        answer = QMessageBox.question(self, "删除", f"确定删除“{item.value}”吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        kind, parent = self.kind, self.parent_value
        self._run(
            lambda: self.office.remove_value(kind, item.value, parent), f"已删除“{item.value}”。"
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            key, ctrl = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            actions = {
                Qt.Key.Key_Insert: self.add,
                Qt.Key.Key_F2: self.rename,
                Qt.Key.Key_Delete: self.remove,
            }
            if ctrl and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.move(-1 if key == Qt.Key.Key_Up else 1)
                return True
            if key in actions:
                actions[key]()  # type: ignore[index]
                return True
        return super().eventFilter(watched, event)


class DictionaryEditor(QWidget):
    def __init__(self, office: OfficeService, runner: TaskRunner) -> None:
        super().__init__()
        self.choice = QListWidget()
        self.choice.addItems([name for _k, name, _why in LISTS])
        # As wide as the longest list name, so none is cut ("承办单位（科室）").
        widest = max(self.choice.fontMetrics().horizontalAdvance(n) for _k, n, _w in LISTS)
        self.choice.setFixedWidth(widest + 32)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("color: #5f6368;")
        self.values = ValueList(office, runner, "")
        self.subvalues = ValueList(office, runner, "二级分类")
        self.values.table.itemSelectionChanged.connect(self._category_picked)
        lists = QHBoxLayout()
        lists.addWidget(self.values, 1)
        lists.addWidget(self.subvalues, 1)
        right = QVBoxLayout()
        right.addWidget(self.explain)
        right.addLayout(lists, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addLayout(right, 1)
        self.choice.currentRowChanged.connect(self._picked)
        self.choice.setCurrentRow(0)
        self.setTabOrder(self.choice, self.values.table)

    def _picked(self, row: int) -> None:
        kind, name, why = LISTS[row]
        self.explain.setText(why)
        self.values.show_list(kind, None, name + ("（一级）" if kind == "category" else ""))
        self.subvalues.setVisible(kind in _CHILDREN)
        self._category_picked()

    def _category_picked(self) -> None:
        """The child list of the chosen parent: a 一级分类's 二级分类, a unit's aliases."""
        child = _CHILDREN.get(self.values.kind or "")
        if child is None:
            return
        parent = self.values.current()
        if parent is not None:
            self.subvalues.show_list(child[0], parent, child[1].format(parent=parent))
