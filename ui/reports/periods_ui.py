"""Closed periods (封账) in the window: the 已封账 mark beside a period picker, the dashboard's
notice when a closed period's live figures have moved, and the 更正说明 dialog the task runner
shows when a write would change a closed period (then retries the write with the reason)."""

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QLabel, QWidget

from app.periods.guard import CorrectionRequired
from app.periods.service import PeriodService, Snapshot
from app.stats.labels import key_name
from ui.tasks import Progress, TaskRunner

MARK_STYLE = "color: #ffffff; background: #9a3412; border-radius: 3px; padding: 1px 6px;"
NOTICE_STYLE = "background: #fde8e8; color: #1f2328; border: 1px solid #e0a0a0; padding: 6px;"


def ask_correction_reason(parent: QWidget | None, exc: CorrectionRequired) -> str | None:
    """The 更正说明 for a write into a closed period; None when the clerk cancels."""
    names = "、".join(p.name for p in exc.periods)
    what = "；".join(exc.what[:3])
    while True:
        text, ok = QInputDialog.getMultiLineText(
            parent,
            "更正已封账期间",
            f"{names}已封账，统计数字已经上报。\n这项修改（{what}）会改变该期的数字。\n"
            "如确需更正，请填写更正说明（记入审计日志，封账数字保持不变）：",
        )
        if not ok:
            return None
        if text.strip():
            return text.strip()


class PeriodMark(QLabel):
    """“已封账” beside a period picker, for exactly (from, to, as-of); hidden otherwise."""

    def __init__(
        self, periods: PeriodService | None, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__("已封账", parent)
        self.periods, self.runner = periods, runner
        self.setStyleSheet(MARK_STYLE)
        self.setToolTip("这一期间已封账：报告默认按封账时的数字生成；修改其中的数字须填写更正说明")
        self.closed = False
        self._token = 0
        self.hide()
        self.changed: list[Callable[[bool], None]] = []

    def show_for(self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None) -> None:
        if self.periods is None or date_from > date_to:
            self._set(False)
            return
        self._token += 1
        token, periods = self._token, self.periods

        def work(_p: Progress) -> bool:
            return periods.is_closed(date_from, date_to, as_of)

        def done(closed: bool) -> None:
            if token == self._token:
                self._set(closed)

        self.runner.run(work, done, lambda _e, _d: self._set(False), self)

    def _set(self, closed: bool) -> None:
        self.closed = closed
        self.setVisible(closed)
        for callback in self.changed:
            callback(closed)


class ClosedPeriodsNotice(QLabel):
    """The dashboard's notice: closed periods whose live figures now differ from the frozen
    ones (a correction or a setting change since), with the keys that moved."""

    def __init__(
        self, periods: PeriodService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.periods, self.runner = periods, runner
        self.setWordWrap(True)
        self.setStyleSheet(NOTICE_STYLE)
        self.selected_closed = False
        self.hide()

    def refresh(self, selection: tuple[dt.date, dt.date, dt.date] | None = None) -> None:
        """Re-read (on the worker); `selection`: the dashboard's period, marked 已封账 when it
        is exactly a closed one."""
        periods = self.periods

        def work(_p: Progress) -> tuple[bool, list[tuple[Snapshot, list[str]]]]:
            closed = selection is not None and periods.is_closed(*selection)
            return closed, periods.moved()

        self.runner.run(work, lambda r: self._show(*r), lambda _e, _d: self.hide(), self)

    def _show(self, selected_closed: bool, moved: list[tuple[Snapshot, list[str]]]) -> None:
        self.selected_closed = selected_closed
        if not moved and not selected_closed:
            self.hide()
            return
        lines = (
            ["【已封账】本统计期已封账，这里显示最新数据；报告默认按封账数字。"]
            if selected_closed
            else []
        )
        for snap, keys in moved[:3]:
            shown = "、".join(key_name(k) for k in keys[:4]) + ("等" if len(keys) > 4 else "")
            lines.append(f"{snap.name}（已封账）的最新数字与封账时不同：{shown}")
        if len(moved) > 3:
            lines.append(f"（另有 {len(moved) - 3} 个已封账期间的数字有变化）")
        if moved:
            lines.append(
                "报告仍按封账数字生成；差异和更正记录见“xinfang period diff”，"
                "或生成报告时选“按最新数据”。"
            )
        self.setText("\n".join(lines))
        self.show()
