"""Small QtCharts views for the dashboard: bars for this period against last year.

Each view only draws what it is given and reports clicks as (series index, category); what a
click means (which cases) is the dashboard's business.
"""

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QResizeEvent
from PySide6.QtWidgets import QWidget

THIS_COLOR = QColor("#2f6fba")
LAST_COLOR = QColor("#b4bcc8")


def integer_axis(top: int, most: int = 5) -> tuple[int, int]:
    """(axis maximum, tick count) so that every tick is a whole number of cases and there are at
    most `most` steps: 0,1,2 for small counts (never 0, 0, 1, 1, 2), 0,5000,…,25000 for large."""
    if top <= 0:
        return 1, 2
    if top <= most:
        return top, top + 1
    step, scale = 1, 1
    while True:
        for m in (1, 2, 5):
            step = m * scale
            if -(-top // step) <= most:
                steps = -(-top // step)
                return steps * step, steps + 1
        scale *= 10


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont()
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(4)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def name_row_height() -> int:
    """The height a category name needs on the names axis: Chinese glyphs come from the CJK
    fallback font, taller than the UI font's own line (16 px against 13 at 8 pt), and Qt
    drops every name whose box would touch its neighbour's — at 1024×768 four of the eight
    问题类别 vanished with 17 px a row."""
    font = QFont()
    font.setPointSizeF(8)
    return QFontMetrics(font).boundingRect("国").height() + 3


class BarChart(QChartView):
    """Bars per category for one or more series (本期, 上年同期)."""

    bar_clicked = Signal(int, str)  # series index, category
    resized = Signal()

    def __init__(self, title: str, horizontal: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(_chart(title), parent)
        self.horizontal = horizontal
        self.categories: list[str] = []
        self.top = 0
        self.counts_axis: QValueAxis | None = None
        self.names_axis: QBarCategoryAxis | None = None
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(200, 150)

    def set_data(
        self,
        categories: list[str],
        series: list[tuple[str, list[int]]],
        labels: list[str] | None = None,
    ) -> None:
        """`labels` are what the axis shows (default: the categories themselves)."""
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        if self.horizontal:  # Qt draws the first category at the bottom: put it on top
            categories = categories[::-1]
            series = [(name, values[::-1]) for name, values in series]
            labels = labels[::-1] if labels else None
        self.categories = list(categories)
        bars = QHorizontalBarSeries() if self.horizontal else QBarSeries()
        top = 0
        for i, (name, values) in enumerate(series):
            bar_set = QBarSet(name)
            bar_set.setColor(THIS_COLOR if i == 0 else LAST_COLOR)
            bar_set.setBorderColor(bar_set.color())
            bar_set.append([float(v) for v in values])
            bar_set.clicked.connect(lambda index, i=i: self._clicked(i, index))
            bars.append(bar_set)
            top = max([top, *values])
        chart.addSeries(bars)
        names = QBarCategoryAxis()
        names.append(labels or self.categories)
        counts = QValueAxis()
        # Whole-number ticks chosen here: applyNiceNumbers() gave 0, 0.5, 1 … printed "%d" as
        # 0, 0, 1, 1, 2 for small counts.
        high, ticks = integer_axis(top)
        counts.setRange(0, high)
        counts.setTickCount(ticks)
        counts.setLabelFormat("%d")
        counts.setTruncateLabels(False)  # "24476", not "2…"
        self.top, self.counts_axis, self.names_axis = top, counts, names
        self._fit_axes()
        small = QFont()
        small.setPointSizeF(8)
        names.setLabelsFont(small)
        names.setTruncateLabels(False)  # 劳动和社会保障 in full, not "…"
        counts.setLabelsFont(small)
        names_side, counts_side = Qt.AlignmentFlag.AlignBottom, Qt.AlignmentFlag.AlignLeft
        if self.horizontal:
            names_side, counts_side = counts_side, names_side
        chart.addAxis(names, names_side)
        chart.addAxis(counts, counts_side)
        bars.attachAxis(names)
        bars.attachAxis(counts)
        # A horizontal chart needs its height for the category names (Qt hides names that would
        # overlap), so it shows no legend: its colours are the ones the 信访形式 chart explains.
        chart.legend().setVisible(len(series) > 1 and not self.horizontal)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_axes()
        self.resized.emit()

    def _fit_axes(self) -> None:
        """As many whole-number ticks as the axis has room for (a tick label needs ~45 px, so
        "0 50100" never runs together), and smaller category names on a narrow chart."""
        if self.counts_axis is None or self.names_axis is None:
            return
        length = self.height() if not self.horizontal else self.width() - 90
        digits = len(str(max(self.top, 1)))
        most = max(1, min(5, length // (18 + 8 * digits) if self.horizontal else length // 40))
        high, ticks = integer_axis(self.top, most)
        self.counts_axis.setRange(0, high)
        self.counts_axis.setTickCount(ticks)
        if self.categories:
            # Qt drops category names that would overlap: a smaller font keeps more of them (the
            # dashboard also shows fewer bars on a short chart, `rows_that_fit`).
            font = QFont()
            if self.horizontal:
                room = (self.height() - 70) / len(self.categories)
                font.setPointSizeF(8 if room >= 17 else 7)
            else:
                room = (self.width() - 50) / len(self.categories)
                font.setPointSizeF(8 if room >= 26 else 7 if room >= 20 else 6)
            self.names_axis.setLabelsFont(font)
        legend = QFont()
        legend.setPointSizeF(8 if self.width() >= 260 else 7)
        self.chart().legend().setFont(legend)

    def rows_that_fit(self, most: int) -> int:
        """How many horizontal bars keep their names readable at this height (at least 3)."""
        if not self.horizontal or self.height() < 50:
            return most
        return max(3, min(most, (self.height() - 70) // name_row_height()))

    def _clicked(self, series: int, index: int) -> None:
        if 0 <= index < len(self.categories):
            self.bar_clicked.emit(series, self.categories[index])
