"""The dashboard's cards: one figure each, with its detail line and 同比; click or Enter to drill
down. Which figures, and what each counts (the tooltip), is listed here."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QSizePolicy, QVBoxLayout

from ui.widgets import OVERDUE_BACKGROUND, SOON_BACKGROUND, FitLabel

# card key → (title, drill-down key, what the card counts, background)
CARDS: list[tuple[str, str, str, str, str]] = [
    ("total", "信访总量", "total", "统计期内登记的信访件（不含作废）", ""),
    ("visits", "来访批次/人次", "visits.batches", "统计期内的来访件数（批次）和人数（人次）", ""),
    (
        # 未办结, not 办理中: it counts 待受理 and 已答复 too (the statistics' open_at_end).
        "open",
        "未办结",
        "open_at_end",
        "截至统计时点尚未办结的信访件（含待受理、办理中、已答复未办结），不限登记日期",
        "",
    ),
    (
        "due_soon",
        "临期",
        "workload.due_soon",
        "截至统计时点，告知或办理期限在临期提醒天数以内的未结件",
        SOON_BACKGROUND,
    ),
    (
        # 超期预警 = the case list's 超期 warning; not the reports' 超期未结 (overdue_open),
        # which counts accepted cases past their handling limit only.
        "overdue",
        "超期预警",
        "workload.overdue",
        "截至统计时点，已过告知期限未受理或已过办理期限未办结的件（即台账“预警”列的超期）；"
        "报告中的“超期未结”只计已受理、已过办理期限仍未办结的件",
        OVERDUE_BACKGROUND,
    ),
    (
        "timely_acceptance_rate",
        "及时受理率",
        "timely_acceptance_rate",
        "在15日内作出受理、不予受理、转送或交办的比例；分母含已过期限仍未处理的件",
        "",
    ),
    (
        "on_time_closure_rate",
        "按期办结率",
        "on_time_closure_rate",
        "已受理件中在办理期限（含延期）内办结的比例；分母含已超期未办结的件",
        "",
    ),
    ("closure_rate", "办结率", "closure_rate", "已受理件中已办结（含终结）的比例", ""),
    (
        "satisfaction_rate",
        "满意率",
        "satisfaction_rate",
        "已办结并回访评价的件中满意（按设置含基本满意）的比例",
        "",
    ),
]


class Card(QFrame):
    """One figure: title, big value, a detail line and its 同比. Click or Enter to drill down."""

    activated = Signal()

    def __init__(self, title: str, tip: str, background: str) -> None:
        super().__init__()
        self.setObjectName("card")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(tip + "\n单击或按回车键查看这些信访件。")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        bg = background or "#ffffff"
        self.setStyleSheet(
            f"#card {{ background: {bg}; border: 1px solid #d5dae1; border-radius: 6px; }}"
            "#card:focus { border: 2px solid #2f6fba; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        # Sizes are set as fonts, not in the style sheet (which would override the font that
        # FitLabel shrinks): a figure that does not fit gets a smaller font, never "…".
        base = self.font().pointSizeF()
        self.title = FitLabel(title, base, 7)
        self.title.setStyleSheet("color: #4a5563;")
        big = QFont(self.font())
        big.setBold(True)
        big.setPointSizeF(20)
        self.value = FitLabel("", 20, 9)
        self.value.setFont(big)
        self.value.setText("…")
        self.value.setStyleSheet("color: #1f2937;")
        self.detail = FitLabel(" ", 9, 6.5)
        self.yoy = FitLabel(" ", 9, 6.5)
        for label in (self.detail, self.yoy):
            small = QFont(self.font())
            small.setPointSizeF(9)
            label.setFont(small)
            label.setStyleSheet("color: #4a5563;")
        for label in (self.title, self.value, self.detail, self.yoy):
            layout.addWidget(label)

    def set(self, value: str, detail: str, yoy: str) -> None:
        self.value.setText(value)
        self.detail.setText(detail or " ")
        self.yoy.setText(yoy)
        self.setAccessibleName(f"{self.title.text()} {value} {detail} {yoy}")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus()
            self.activated.emit()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit()
            return
        super().keyPressEvent(event)
