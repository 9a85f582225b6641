"""Make the README screenshots from demo data, offscreen, at 1366×768.

uv run python docs/screenshots/make_screenshots.py
"""

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A 1920×1080 offscreen screen (the default one is 800×800), so the window is 1366×768.
_SCREEN = Path(tempfile.gettempdir()) / "xinfang-offscreen.json"
_SCREEN.write_text(
    '{"screens": [{"name": "shot", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96,'
    ' "dpr": 1}]}'
)
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"
sys.path.insert(0, str(HERE.parent.parent))


def main() -> None:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import open_database
    from app.cases import demo
    from app.cases.search import CaseFilter
    from app.office import settings
    from app.safety import auth
    from ui.main_window import MainWindow

    folder = Path(tempfile.mkdtemp(prefix="xinfang-shots-"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder))
    app = QApplication.instance() or QApplication(sys.argv)
    db = open_database(folder / "xinfang.sqlite3")
    demo.generate(db, 2000, seed=1)
    with db.session() as s:
        settings.put(s, "office_name", "某某县水务局")
    w = MainWindow(db, auth.DEMO_USER, demo=True)
    w.resize(1366, 768)
    w.show()

    def settle(ms: int = 400) -> None:
        w.runner.wait()
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
        w.runner.wait()
        app.processEvents()

    def shot(name: str) -> None:
        settle()
        w.grab().save(str(HERE / name))
        print(HERE / name)

    settle(1500)
    shot("dashboard.png")

    w.go("cases")
    w.case_list.search.setText("土地")
    w.case_list.apply()
    settle()
    w.case_list.table.selectRow(2)
    shot("case_list.png")

    # A person with earlier cases, typed into the form: the ID hint and the side panel.
    page = w.case_list
    page.search.clear()
    page.apply()
    settle()
    cases = w.service
    earlier = next(
        r
        for r in cases.page(CaseFilter(), 0, 400)
        if r.id_number and len(cases.earlier_cases(id_number=r.id_number)) >= 2
    )
    w.go("intake")
    form = w.pages["intake"]
    f = form.f  # type: ignore[attr-defined]
    f.form.set_value("来访")
    f.name.setText(earlier.name)
    f.id_number.setText(earlier.id_number)
    f.phone.setText(earlier.phone)
    f.persons.setValue(6)
    f.summary.setPlainText("再次反映土地流转费用拖欠未付，要求村委会尽快支付")
    f.category.set_value("农村农业")
    form.find_earlier()  # type: ignore[attr-defined]
    shot("intake_form.png")
    form.dirty = False  # type: ignore[attr-defined]

    rich = next(r for r in cases.page(CaseFilter(statuses=["已办结"]), 0, 200) if r.rating)
    w.open_case(rich.id)
    shot("case_page.png")
    w.close()
    db.close()


if __name__ == "__main__":
    main()
