"""The main window (a first version: the case list; the workbench issue builds it out)."""

from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cases import CaseService
from app.db import Database
from app.search import CaseFilter
from app.validation import mask_id, mask_phone


class MainWindow(QMainWindow):
    def __init__(self, db: Database, demo: bool = False) -> None:
        super().__init__()
        self.setWindowTitle("信访工作台" + ("（演示数据）" if demo else ""))
        self.cases = CaseService(db)
        central = QWidget()
        layout = QVBoxLayout(central)
        total = self.cases.count(CaseFilter())
        layout.addWidget(QLabel(f"信访件共 {total} 件（最近 100 件）"))
        table = QTableWidget()
        headers = ["编号", "登记日期", "信访形式", "信访人", "身份证号", "电话", "状态", "内容摘要"]
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        rows = self.cases.page(CaseFilter(), 0, 100)
        table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = [r.number, str(r.received_on), r.form, r.name, mask_id(r.id_number), mask_phone(r.phone), r.status, r.summary]  # fmt: skip
            for j, v in enumerate(values):
                table.setItem(i, j, QTableWidgetItem(v))
        layout.addWidget(table)
        self.setCentralWidget(central)
