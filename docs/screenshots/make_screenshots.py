"""Screenshots of every page from demo data, offscreen.

    uv run python docs/screenshots/make_screenshots.py              # the README's, 1366×768
    uv run python docs/screenshots/make_screenshots.py --all --size 1024x768 --scale 1.25 \
        --out /tmp/shots                                          # every page, to look at

--scale sets QT_SCALE_FACTOR (125 %, 150 % as on a 1920×1080 office screen).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
README_SHOTS = ("dashboard", "case_list", "intake_form", "case_page")


def _screen(width: int, height: int) -> None:
    # An offscreen screen just the window's size (the default one is 800×800).
    config = Path(tempfile.gettempdir()) / f"xinfang-offscreen-{width}x{height}.json"
    config.write_text(
        f'{{"screens": [{{"name": "shot", "x": 0, "y": 0, "width": {width}, "height": {height},'
        ' "logicalDpi": 96, "dpr": 1}]}'
    )
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--all", action="store_true", help="every page, not only the README's")
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    _screen(width, height)
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    sys.path.insert(0, str(HERE.parent.parent))

    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import open_database
    from app.cases import demo
    from app.cases.search import CaseFilter
    from app.office import settings
    from app.safety import auth
    from app.services import Services
    from ui.main import install_translations
    from ui.main_window import NAV, MainWindow

    folder = Path(tempfile.mkdtemp(prefix="xinfang-shots-"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder))
    app = QApplication.instance() or QApplication(sys.argv)
    install_translations(app)
    db = open_database(folder / "xinfang.sqlite3")
    demo.generate(db, args.cases, seed=1)
    with db.session() as s:
        settings.put(s, "office_name", "某某县水务局")
    w = MainWindow(Services(db, auth.DEMO_USER), demo=True)
    w.setWindowState(Qt.WindowState.WindowNoState)
    # The window's logical size: at 150 % a 1920×1080 screen is 1280×720 of Qt's pixels.
    w.resize(int(width / args.scale), int(height / args.scale) - 40)
    w.show()
    args.out.mkdir(parents=True, exist_ok=True)

    def settle(ms: int = 400) -> None:
        w.runner.wait()
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
        w.runner.wait()
        app.processEvents()

    def shot(name: str) -> None:
        settle()
        path = args.out / f"{name}.png"
        w.grab().save(str(path))
        print(path)

    settle(1500)
    shot("dashboard")

    w.go("cases")
    w.case_list.search.setText("土地")
    w.case_list.apply()
    settle()
    w.case_list.table.selectRow(2)
    shot("case_list")

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
    shot("intake_form")
    form.dirty = False  # type: ignore[attr-defined]

    rich = next(r for r in cases.page(CaseFilter(statuses=["已办结"]), 0, 200) if r.rating)
    w.open_case(rich.id)
    shot("case_page")
    if args.all:
        for key, _title in NAV:
            if key in ("intake", "cases"):
                continue
            w.go(key)
            shot(f"page_{key}")
    w.close()
    db.close()


if __name__ == "__main__":
    main()
