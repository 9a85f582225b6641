"""Start the Qt application: translations, the database, the main window."""

import json
import sys
import time

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from app import paths
from app.bootstrap import open_database
from app.errors import DomainError


def _install_translations(app: QApplication) -> None:
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):  # fmt: skip
        app.installTranslator(translator)


def run_gui(smoke: bool = False, demo: bool = False) -> int:
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = round(time.perf_counter() - started, 3)

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("信访工作台")
    app.setOrganizationName("XinfangDesk")
    _install_translations(app)
    mark("qt_ready_s")
    # Single instance, integrity check, login and backups (ui/data_safety); the smoke run
    # measures start-up only and must not wait for a password.
    safety = None
    if not smoke:
        from ui.data_safety import DataSafety

        safety = DataSafety(demo=demo)
        if not safety.start() or not safety.check_database(paths.database_path()):
            return 0
    try:
        db = open_database(paths.database_path())
    except DomainError as exc:
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return 1
    mark("database_open_s")
    if demo:
        from app import demo as demo_data
        from app.cases import CaseService
        from app.search import CaseFilter

        if CaseService(db).count(CaseFilter(include_voided=True)) == 0:
            demo_data.generate(db, 2000, seed=1)
    from app import auth

    user = auth.DEMO_USER if safety is None else safety.login(db)
    if user is None:  # the clerk chose 退出 at the login
        db.close()
        return 0
    from ui.main_window import MainWindow

    window = MainWindow(db, demo=demo, user=user.label, role=user.role)
    mark("window_built_s")
    window.show()
    if smoke:
        # Start-up as a clerk sees it: the dashboard drawn, then the case list's first rows.
        app.processEvents()
        window.repaint()
        mark("dashboard_drawn_s")
        window.runner.wait(30000)
        app.processEvents()
        window.go("cases")
        window.case_list.table.repaint()
        app.processEvents()
        mark("case_list_drawn_s")
        marks["cases_listed"] = window.case_list.model.rowCount()
        marks["case_query_s"] = round(window.case_list.model.last_query_s, 3)
        print(json.dumps(marks, ensure_ascii=False))
        window.runner.wait(30000)
        QTimer.singleShot(0, app.quit)
        app.exec()
        db.close()
        return 0
    assert safety is not None
    safety.attach(window, db)
    if not demo:
        window.first_run_if_needed()
    code = app.exec()
    window.runner.wait(60000)
    safety.finish(db)
    db.close()
    return code
