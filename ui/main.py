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
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("信访工作台")
    app.setOrganizationName("XinfangDesk")
    _install_translations(app)
    try:
        db = open_database(paths.database_path())
    except DomainError as exc:
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return 1
    if demo:
        from app import demo as demo_data
        from app.cases import CaseService
        from app.search import CaseFilter

        if CaseService(db).count(CaseFilter(include_voided=True)) == 0:
            demo_data.generate(db, 2000, seed=1)
    from ui.main_window import MainWindow

    window = MainWindow(db, demo=demo)
    window.resize(1366, 768)
    window.show()
    if smoke:
        app.processEvents()
        shown = time.perf_counter() - started
        print(json.dumps({"window_shown_s": round(shown, 3)}))
        QTimer.singleShot(0, app.quit)
        app.exec()
        db.close()
        return 0
    code = app.exec()
    db.close()
    return code
