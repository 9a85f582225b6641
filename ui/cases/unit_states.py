"""The case page's 承办单位 box: each 交办/转送 of the case and how far the unit has got
(已交办 → 已签收 → 已反馈 / 已退回), the days taken, the unit's 期限 with its 临期/超期, and
待重新交办 after a 交办 came back (docs/rules.md, 交办与转送). Layout only: the states come with
the case detail (app/cases/outgoing.py)."""

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from app import clock
from app.cases.outgoing import AWAITING, UnitState
from app.cases.service import CaseDetail
from ui.widgets import OVERDUE_BACKGROUND, SOON_BACKGROUND, TEXT_ON_LIGHT, fmt_date

_BACKGROUND = {"临期": SOON_BACKGROUND, "超期": OVERDUE_BACKGROUND}


def unit_row(u: UnitState, today_warning: str, days: int) -> list[str]:
    """One row as the box shows it (also what the tests read)."""
    due = fmt_date(u.due) + (f"（{today_warning}）" if today_warning else "") if u.due else "—"
    step = {
        "已签收": u.signed_on,
        "已反馈": u.answered_on,
        "已退回": u.returned_on,
    }.get(u.state)
    state = u.state + (f" {fmt_date(step)}" if step else "")
    if u.urged:
        state += f"，催办 {u.urged} 次"
    if u.supervised:
        state += f"，督办 {u.supervised} 次"
    return [u.unit, u.kind, fmt_date(u.sent_on), due, state, f"{days} 天"]


class UnitStatesBox(QGroupBox):
    """One line per 交办/转送, wrapped to the column's width (a table scrolled sideways in the
    left column at 1024 wide); the unit's name links to its page. Hidden while nothing was sent."""

    open_unit = Signal(str)  # the clerk clicked a unit: its page

    def __init__(self) -> None:
        super().__init__("承办单位")
        self.notice = QLabel(f"<b>{AWAITING}</b>：承办单位已退回交办，请重新交办或自行办理答复。")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(
            f"background:{SOON_BACKGROUND}; color:{TEXT_ON_LIGHT}; padding:3px;"
        )
        self.lines = QLabel()
        self.lines.setWordWrap(True)
        self.lines.setTextFormat(Qt.TextFormat.RichText)
        self.lines.linkActivated.connect(self._link)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.lines)
        self.rows: list[list[str]] = []
        self.hide()

    def set_detail(self, d: CaseDetail) -> None:
        today = clock.today()
        warnings = [u.warning(today, d.warning_days) for u in d.units]
        self.rows = [
            unit_row(u, w, u.days_taken(today)) for u, w in zip(d.units, warnings, strict=True)
        ]
        html = []
        for row, warn in zip(self.rows, warnings, strict=True):
            unit, kind, sent, due, state, days = (escape(x) for x in row)
            due_html = (
                f"<span style='background:{_BACKGROUND[warn]}; color:{TEXT_ON_LIGHT}'>{due}</span>"
                if warn
                else due
            )
            html.append(
                f"<a href='unit:{unit}'>{unit}</a>　{kind} {sent}　期限 {due_html}"
                f"<br>　<b>{state}</b>，用时 {days}"
            )
        self.lines.setText("<br>".join(html))
        self.notice.setVisible(d.awaiting_reassignment)
        self.setVisible(bool(d.units))

    def _link(self, href: str) -> None:
        kind, _sep, name = href.partition(":")
        if kind == "unit":
            self.open_unit.emit(name)
