"""工作台 dashboard: the period's key figures as cards with 同比, and four charts.

Every number comes from `StatisticsService`, computed on the task runner's worker; a card or a bar
clicked asks the service for exactly the cases behind it and emits `drill_down(title, filter)`, so
the case list then shows as many rows as the card said. 办理中/临期/超期 are the cases open at the
as-of date by the case list's own warning rule (at today they equal its 临期/超期 filters).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.cases.alerts import Alert
from app.cases.search import CaseFilter
from app.cases.supervision_service import SupervisionService
from app.documents.filters import change_text, pct
from app.errors import DomainError
from app.office.service import OfficeService
from app.stats import period
from app.stats.figures import RATES
from app.stats.labels import RATE_PARTS, gaps_note
from app.stats.service import Statistics, StatisticsService
from ui.dashboard.alerts_panel import AlertsPanel
from ui.dashboard.cards import CARDS, Card
from ui.dashboard.charts import BarChart
from ui.tasks import Progress, TaskRunner, show_error
from ui.widgets import ERROR_COLOR, DateEdit

PERIODS = [
    ("本月", "month"),
    ("本季度", "quarter"),
    ("本年", "year"),
    ("上年", "last_year"),
    ("自定义", ""),
]

CARD_MIN_WIDTH = 128  # wide enough for "9437/24476" at the card's figure size
COMPACT_HEIGHT = 600
NARROW_WIDTH = 1200  # below this (e.g. above the 待办 list) the four charts sit in one row
CHART_TITLES = {
    "by_category": "按问题类别",
    "by_channel": "按来源渠道",
    "by_department": "按承办单位",
}
TOP = {
    "by_category": 8,
    "by_channel": 6,
    "by_department": 8,
}  # bars that stay legible  # below this the four charts sit in one row


def _ranked(data: "DashboardData", key: str) -> list[str]:
    """A breakdown's names, largest first (ties: larger last year first), without the ones
    empty in both years; the dashboard shows the first few, 统计表 and the reports all."""
    cells = data.stats.breakdowns[key]
    last = data.stats.last
    before = last.breakdowns[key] if last is not None else {}
    ordered = sorted(cells, key=lambda v: (-cells[v], -before.get(v, 0)))
    return [v for v in ordered if cells[v] or before.get(v)]


@dataclass
class DashboardData:
    stats: Statistics
    trend_year: int
    trend_this: dict[str, int]
    trend_last: dict[str, int]
    alerts: list[Alert] | None = None
    supervision_count: int | None = None


def _date_edit() -> QDateEdit:
    return DateEdit()


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def _days(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}"


class Dashboard(QWidget):
    drill_down = Signal(str, object)  # title, app.cases.search.CaseFilter(ids=[...])
    refreshed = Signal()  # new figures are on screen
    alerts_refreshed = Signal()  # the 预警 strip and the 督办清单 count followed them
    open_supervision = Signal()  # the 督办清单 count was clicked

    def __init__(
        self,
        service: StatisticsService,
        runner: TaskRunner,
        parent: QWidget | None = None,
        office: OfficeService | None = None,
        supervision: SupervisionService | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.office = service, runner, office
        # 预警 and the 督办清单 count (issue 17): only on the 工作台's dashboard.
        self.supervision = supervision
        self.alerts = AlertsPanel()
        self.alerts.drill_down.connect(self.drill_down)
        self.alerts.open_supervision.connect(self.open_supervision)
        self.alerts.setVisible(supervision is not None)
        self.data: DashboardData | None = None
        self._generation = 0
        self._custom_as_of = False
        # Many writes in a row (an import, a batch of actions) refresh once.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.refresh)

        self.period = QComboBox()
        for text, key in PERIODS:
            self.period.addItem(text, key)
        self.period.setToolTip("统计期（Alt+P）")
        self.date_from, self.date_to, self.as_of = _date_edit(), _date_edit(), _date_edit()
        self.as_of.setToolTip(
            "统计时点：按这一天为止的办理情况计算受理、办结、超期等（默认为截止日期与今天中较早者）"
        )
        self.refresh_button = QPushButton("刷新(F5)")
        self.status = QLabel()
        self.status.setStyleSheet("color: #6b7280;")
        bar = QHBoxLayout()
        period_label = QLabel("统计期(&P)")
        period_label.setBuddy(self.period)
        bar.addWidget(period_label)
        bar.addWidget(self.period)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("至"))
        bar.addWidget(self.date_to)
        as_of_label = QLabel("截至(&J)")
        as_of_label.setBuddy(self.as_of)
        bar.addSpacing(12)
        bar.addWidget(as_of_label)
        bar.addWidget(self.as_of)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.status, 1)

        self.cards: dict[str, Card] = {}
        cards = QGridLayout()
        cards.setSpacing(6)
        self.card_grid = cards
        self._card_columns = 0
        for key, title, drill, tip, background in CARDS:
            card = Card(title, tip, background)
            card.activated.connect(lambda key=key, drill=drill: self._card_clicked(key, drill))
            self.cards[key] = card
        self._place_cards(len(CARDS))

        self.trend = BarChart("月度信访量")
        self.trend.setToolTip("1—12月各月登记的信访件，本年与上年")
        self.by_category = BarChart(CHART_TITLES["by_category"], horizontal=True)
        self.by_form = BarChart("按信访形式")
        self.by_channel = BarChart(CHART_TITLES["by_channel"], horizontal=True)
        self.by_department = BarChart(CHART_TITLES["by_department"], horizontal=True)
        self._refit = QTimer(self)  # after the resize, not inside it
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._refit_ranked)
        for chart, _key in self._ranked_charts():
            chart.resized.connect(self._refit.start)
        self.trend.bar_clicked.connect(self._trend_clicked)
        for chart, key in (
            (self.by_category, "by_category"),
            (self.by_form, "by_form"),
            (self.by_channel, "by_channel"),
            (self.by_department, "by_department"),
        ):
            chart.bar_clicked.connect(
                lambda series, value, key=key: self._bar_clicked(key, series, value)
            )
        forms = QWidget()
        row = QHBoxLayout(forms)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.by_form, 2)
        row.addWidget(self.by_channel, 3)
        self.chart_boxes = [self.trend, self.by_category, forms, self.by_department]
        self.charts = QGridLayout()
        self.charts.setSpacing(6)
        self._compact: bool | None = None
        self._place_charts(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        # Imported cases with gaps: how many the figures leave out, and a link to the 情况不详 ones.
        self.gaps = QLabel()
        self.gaps.setWordWrap(True)
        self.gaps.setStyleSheet("color: #6b7280;")
        self.gaps.linkActivated.connect(self._gaps_clicked)
        self.gaps.hide()
        # From 1 November: next year's holidays are not known yet, so its deadlines are estimated.
        self.holiday_note = QLabel()
        self.holiday_note.setWordWrap(True)
        self.holiday_note.setStyleSheet(
            "background: #fff2b3; color: #1f2328; border: 1px solid #e0c060; padding: 6px;"
        )
        self.holiday_note.hide()

        layout.addWidget(self.holiday_note)
        layout.addLayout(bar)
        layout.addLayout(cards)
        layout.addWidget(self.alerts)
        layout.addWidget(self.gaps)
        layout.addLayout(self.charts, 1)

        self.period.setCurrentIndex(2)  # 本年
        self._apply_preset()
        self.period.currentIndexChanged.connect(lambda _i: self._apply_preset())
        self.date_from.dateChanged.connect(lambda _d: self._dates_edited())
        self.date_to.dateChanged.connect(lambda _d: self._dates_edited())
        self.as_of.dateChanged.connect(lambda _d: self._as_of_edited())
        self.refresh_button.clicked.connect(self.refresh)
        # F5 is the window's 刷新 action (ui/main_window.py), which refreshes this page too.

    # --- period -----------------------------------------------------------------------------
    def _apply_preset(self) -> None:
        key = self.period.currentData()
        custom = not key
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(custom)
        if not custom:
            date_from, date_to = period.preset(key, clock.today())
            self._set_dates(date_from, date_to)
            self._custom_as_of = False
            self._set_as_of(min(date_to, clock.today()))
            self.refresh()

    def _set_dates(self, date_from: dt.date, date_to: dt.date) -> None:
        for edit, day in ((self.date_from, date_from), (self.date_to, date_to)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)

    def _set_as_of(self, day: dt.date) -> None:
        self.as_of.blockSignals(True)
        self.as_of.setDate(_qdate(day))
        self.as_of.blockSignals(False)

    def _dates_edited(self) -> None:
        if not self._custom_as_of:
            self._set_as_of(min(_pydate(self.date_to.date()), clock.today()))
        self.schedule_refresh()

    def _as_of_edited(self) -> None:
        self._custom_as_of = True
        self.schedule_refresh()

    def selection(self) -> tuple[dt.date, dt.date, dt.date]:
        return (
            _pydate(self.date_from.date()),
            _pydate(self.date_to.date()),
            _pydate(self.as_of.date()),
        )

    def set_period(
        self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None
    ) -> None:
        """Show a custom period (also for tests and other pages)."""
        self.period.blockSignals(True)
        self.period.setCurrentIndex(len(PERIODS) - 1)
        self.period.blockSignals(False)
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(True)
        self._set_dates(date_from, date_to)
        self._custom_as_of = as_of is not None
        self._set_as_of(as_of or min(date_to, clock.today()))
        self.refresh()

    # --- computing ----------------------------------------------------------------------------
    def _show_holiday_note(self) -> None:
        year = self.office.missing_holiday_year() if self.office is not None else None
        if year is None:
            self.holiday_note.hide()
            return
        self.holiday_note.setText(
            f"程序还没有 {year} 年的节假日安排，落在 {year} 年的期限目前按周末估算，"
            "在信访件列表中标为“（估算）”。国务院办公厅公布通知后，请在 设置 → 节假日 中"
            "“导入国务院通知”。"
        )
        self.holiday_note.show()

    def add_banner(self, banner: QWidget) -> None:
        """A notice another part feeds, shown above the period bar and refreshed with the figures
        (closed periods: ui/reports/periods_ui.ClosedPeriodsNotice, given `selection`)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, banner)
        refresh = getattr(banner, "refresh", None)
        if callable(refresh):
            self.refreshed.connect(lambda: refresh(self.selection()))

    def schedule_refresh(self) -> None:
        """Refresh soon; calls in quick succession refresh once."""
        self._debounce.start()

    def refresh(self) -> None:
        """Recompute every figure on the worker; the newest request wins."""
        self._debounce.stop()
        self._show_holiday_note()
        self._generation += 1
        generation = self._generation
        date_from, date_to, as_of = self.selection()
        self.status.setStyleSheet("color: #6b7280;")
        self.status.setText("正在统计…")
        service = self.service

        supervision = self.supervision

        def work(_progress: Progress) -> DashboardData:
            stats, this_months, last_months = service.dashboard(date_from, date_to, as_of)
            return DashboardData(stats, date_to.year, this_months, last_months)

        def alerts(_progress: Progress) -> tuple[list[Alert], int]:
            assert supervision is not None
            # As of the dashboard's as-of day, like its 临期/超期 cards.
            return supervision.alerts(as_of), supervision.supervision_count(as_of)

        def alerts_done(result: tuple[list[Alert], int]) -> None:
            if generation == self._generation and self.data is not None:
                self.data.alerts, self.data.supervision_count = result
                self.alerts.set_data(*result)
                self.alerts_refreshed.emit()

        def done(data: DashboardData) -> None:
            if generation == self._generation:
                self._show(data)
                # The figures first (what the clerk looks at), the 预警 in a task of their own.
                if supervision is not None:
                    self.runner.run(alerts, alerts_done, parent=self)

        def failed(exc: BaseException, details: str) -> None:
            if generation != self._generation:
                return
            if isinstance(exc, DomainError):
                self.status.setStyleSheet(f"color: {ERROR_COLOR};")
                self.status.setText(exc.message)
            else:
                self.status.setText("统计出错")
                show_error(self, exc, details)

        self.runner.run(work, done, failed, self)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self.data is None and self._generation == 0:
            self.refresh()

    # --- showing ----------------------------------------------------------------------------
    def _show_ranked(self, data: DashboardData) -> None:
        """The 问题类别 / 来源渠道 / 承办单位 bars: as many as keep their names at the chart's
        height now (called again when a resize changes that number)."""
        s, last = data.stats, data.stats.last
        for chart, key in self._ranked_charts():
            cells = s.breakdowns[key]
            before = last.breakdowns[key] if last is not None else {}
            ranked = _ranked(data, key)
            shown = ranked[: chart.rows_that_fit(TOP[key])]
            # "前8项" goes in the tooltip: in the title it pushed the narrow chart wider than
            # its place (the title was cut at 1024).
            chart.chart().setTitle(CHART_TITLES[key])
            chart.setToolTip(
                f"{CHART_TITLES[key]}：数量最多的前{len(shown)}项（共{len(ranked)}项）"
                if len(ranked) > len(shown)
                else CHART_TITLES[key]
            )
            chart.set_data(
                shown,
                [
                    ("本期", [cells[v] for v in shown]),
                    ("上年同期", [before.get(v, 0) for v in shown]),
                ],
            )

    def _ranked_charts(self) -> list[tuple[BarChart, str]]:
        return [
            (self.by_category, "by_category"),
            (self.by_channel, "by_channel"),
            (self.by_department, "by_department"),
        ]

    def _refit_ranked(self) -> None:
        """After a resize (the window laid out, maximised, the 待办 splitter moved): the bars
        again as many as fit, or Qt would drop the names that no longer do."""
        data = self.data
        if data is None:
            return
        for chart, key in self._ranked_charts():
            if len(chart.categories) != len(_ranked(data, key)[: chart.rows_that_fit(TOP[key])]):
                self._show_ranked(data)
                return

    def _show(self, data: DashboardData) -> None:
        self.data = data
        if self.supervision is not None and data.alerts is not None:
            self.alerts.set_data(data.alerts, data.supervision_count)
        s, last = data.stats, data.stats.last
        yoy = s.yoy()

        def count_yoy(entry: dict[str, Any]) -> str:
            return "同比" + change_text(entry["this"], entry["last"], entry["change"], False)

        def set_count(card: str, key: str, entry: dict[str, Any]) -> None:
            self.cards[card].set(f"{s.value(key)}", f"上年同期{entry['last']}件", count_yoy(entry))

        set_count("total", "total", yoy["total"])
        visits = s.counts["visits.persons"]
        batches = yoy["visits"]["batches"]
        self.cards["visits"].set(
            f"{batches['this']}/{visits}", f"上年同期{batches['last']}批", count_yoy(batches)
        )
        set_count("open", "open_at_end", yoy["open_at_end"])
        for card, key in (("due_soon", "workload.due_soon"), ("overdue", "workload.overdue")):
            before = last.counts[key] if last is not None else 0
            change = (s.counts[key] - before) / before if before else None
            entry = {"this": s.counts[key], "last": before, "change": change}
            set_count(card, key, entry)
        for key in RATES:
            if key not in self.cards:
                continue
            num, den = s.ratio(key)
            whole, part = RATE_PARTS[key]
            # "22件中21件" (docs/rules.md, 统计); the long form is in the tooltip.
            detail = f"{den}件中{num}件" if den else f"无{whole}件"
            entry = yoy[key]
            words = "同比" + change_text(entry["this"], entry["last"], entry["change"], True)
            self.cards[key].set(pct(s.rate(key)), detail, words)
            self.cards[key].detail.setToolTip(f"{whole}{den}件，其中{part}{num}件")

        year = data.trend_year
        months = [f"{year}-{m:02d}" for m in range(1, 13)]
        self.trend.set_data(
            months,
            [
                (f"{year}年", [data.trend_this.get(m, 0) for m in months]),
                (f"{year - 1}年", [data.trend_last.get(f"{year - 1}-{m[5:]}", 0) for m in months]),
            ],
            # Bare month numbers: twelve "N月" labels do not fit the narrow 工作台 chart.
            labels=[str(int(m[5:])) for m in months],
        )
        self._show_ranked(data)
        forms = list(s.breakdowns["by_form"])
        before_forms = last.breakdowns["by_form"] if last is not None else {}
        self.by_form.set_data(
            forms,
            [
                ("本期", [s.breakdowns["by_form"][f] for f in forms]),
                ("上年同期", [before_forms.get(f, 0) for f in forms]),
            ],
        )
        note = gaps_note(s.counts)
        if s.counts.get("data_gaps.status_unknown"):
            note += " <a href='status_unknown'>查看情况不详的信访件（请补录）</a>"
        self.gaps.setText(note)
        self.gaps.setVisible(bool(note))
        self.status.setStyleSheet("color: #6b7280;")
        # The period is in the date fields already: the line names what they do not show
        # (it was cut at 1024); the full sentence is the tooltip.
        self.status.setText(
            f"上年同期 {_days(last.date_from)} 至 {_days(last.date_to)}" if last else ""
        )
        self.status.setToolTip(
            f"{_days(s.date_from)} 至 {_days(s.date_to)}，截至 {_days(s.as_of)}；"
            f"上年同期 {_days(last.date_from)} 至 {_days(last.date_to)}"
            if last
            else ""
        )
        self.refreshed.emit()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place_charts(self.height() < COMPACT_HEIGHT)
        # Four chart boxes in one row under 1200 px leave each chart narrower than its axes,
        # title and legend, and Qt cuts the chart: 按承办单位 then stays on 统计分析 only.
        narrow = bool(self._compact) and self.width() < NARROW_WIDTH
        self.by_department.setVisible(not narrow)
        if self._compact:
            self.charts.setColumnStretch(3, 0 if narrow else 3)
        # Nine cards in one row need ~125 px each; narrower (1024×768, 150 %) they wrap into
        # two even rows rather than shrink their figures to nothing.
        fit = max(3, (self.width() - 12) // CARD_MIN_WIDTH)
        rows = -(-len(CARDS) // fit)
        self._place_cards(-(-len(CARDS) // rows))

    def _place_cards(self, columns: int) -> None:
        if columns == self._card_columns:
            return
        self._card_columns = columns
        for card in self.cards.values():
            self.card_grid.removeWidget(card)
        for i, card in enumerate(self.cards.values()):
            self.card_grid.addWidget(card, *divmod(i, columns))
        for i in range(len(CARDS)):
            self.card_grid.setColumnStretch(i, 1 if i < columns else 0)

    def _place_charts(self, compact: bool) -> None:
        """2×2 when there is room; one row when the dashboard shares the window (工作台)."""
        if compact == self._compact:
            return
        self._compact = compact
        for box in self.chart_boxes:
            self.charts.removeWidget(box)
        for i, box in enumerate(self.chart_boxes):
            row, col = (0, i) if compact else divmod(i, 2)
            self.charts.addWidget(box, row, col)
        for i in range(4):
            # In one row the 信访形式+来源渠道 box holds two charts: it gets the most room.
            self.charts.setColumnStretch(i, (3, 3, 4, 3)[i] if compact else 1 if i < 2 else 0)
            self.charts.setRowStretch(i, 1 if (i == 0 or (not compact and i == 1)) else 0)

    # --- drill-down -------------------------------------------------------------------------
    def _emit_cases(self, title: str, key: str, when: tuple[dt.date, dt.date, dt.date]) -> None:
        service = self.service

        def work(_progress: Progress) -> list[int]:
            return service.case_ids(key, *when)

        self.runner.run(
            work,
            lambda ids: self.drill_down.emit(f"{title}（{len(ids)}件）", CaseFilter(ids=ids)),
            parent=self,
        )

    def _period_text(self, when: tuple[dt.date, dt.date, dt.date]) -> str:
        return f"{_days(when[0])}至{_days(when[1])}"

    def _current(self) -> tuple[dt.date, dt.date, dt.date] | None:
        if self.data is None:
            return None
        s = self.data.stats
        return s.date_from, s.date_to, s.as_of

    def _card_clicked(self, card: str, key: str) -> None:
        when = self._current()
        if when is None:
            return
        title = next(t for k, t, *_ in CARDS if k == card)
        if key in RATES:
            whole, part = RATE_PARTS[key]
            title = f"{title}：{whole}的信访件"
            key = f"{key}.denominator"
        elif key.startswith("workload.") or key == "open_at_end":
            title = f"截至{_days(when[2])}{title}"
        self._emit_cases(f"{self._period_text(when)} {title}", key, when)

    def _gaps_clicked(self, part: str) -> None:
        when = self._current()
        if when is not None:
            self._emit_cases(f"{self._period_text(when)} 情况不详", f"data_gaps.{part}", when)

    def _bar_clicked(self, breakdown: str, series: int, value: str) -> None:
        when = self._current()
        if when is None:
            return
        if series == 1:  # the 上年同期 bar
            when = (
                period.shift_year(when[0]),
                period.shift_year(when[1]),
                period.shift_year(when[2]),
            )
        self._emit_cases(f"{self._period_text(when)} {value}", f"{breakdown}.{value}", when)

    def _trend_clicked(self, series: int, month: str) -> None:
        if self.data is None:
            return
        year = self.data.trend_year - series
        first, last = period.year_period(year)
        key = f"by_month.{year}-{month[5:]}"
        as_of = min(last, clock.today())
        self._emit_cases(
            f"{year}年{int(month[5:])}月登记的信访件", key, (first, last, max(as_of, first))
        )
