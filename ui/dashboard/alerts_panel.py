"""The 预警 strip of the dashboard: one line of links (wrapping when narrow, so it fits 1024×768),
each alert with its count; a click shows the cases behind it in the case list. The 督办清单's
count sits at its end and opens the 督办清单 page."""

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app.cases.alerts import Alert
from app.cases.search import CaseFilter

ALERT_STYLE = "color: #b42318;"  # red links: these need attention today


class AlertsPanel(QWidget):
    drill_down = Signal(str, object)  # title, CaseFilter(ids=[...])
    open_supervision = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.alerts: list[Alert] = []
        self.supervision_count: int | None = None
        self.title = QLabel("<b>预警</b>")
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(self.body.textFormat().RichText)
        self.body.linkActivated.connect(self._clicked)
        self.body.setObjectName("alerts_body")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.title)
        row.addWidget(self.body, 1)
        self.set_data([], None)

    def set_data(self, alerts: list[Alert], supervision_count: int | None) -> None:
        self.alerts, self.supervision_count = alerts, supervision_count
        parts = []
        for i, alert in enumerate(alerts):
            parts.append(
                f"<a href='{i}' style='{ALERT_STYLE}'>{escape(alert.label or alert.title)}"
                f" {len(alert.case_ids)}件</a>"
            )
        text = "　".join(parts) if parts else "<span style='color:#6b7280;'>暂无预警</span>"
        if supervision_count is not None:
            text += f"　｜　<a href='supervision'>督办清单 {supervision_count} 件</a>"
        self.body.setText(text)
        # The full sentences (who, how many times, which months) as the tooltip.
        self.body.setToolTip("\n".join(a.text for a in alerts) or "暂无预警")

    def _clicked(self, href: str) -> None:
        if href == "supervision":
            self.open_supervision.emit()
            return
        alert = self.alerts[int(href)]
        self.drill_down.emit(
            f"预警：{alert.text}（{len(alert.case_ids)}件）", CaseFilter(ids=list(alert.case_ids))
        )
