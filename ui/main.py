"""Start the Qt application: translations, the database, the main window."""

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app import paths
from app.bootstrap import open_database
from app.db import Database
from app.errors import DomainError

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def translation_folders() -> list[str]:
    """Where Qt's own .qm files may be: Qt's configured path, then PySide6's folder (inside a
    PyInstaller bundle QLibraryInfo can point to a build machine's path)."""
    import PySide6

    here = Path(PySide6.__file__).resolve().parent
    folders = [
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
        str(here / "Qt" / "translations"),
        str(here / "translations"),
        str(paths.bundled("PySide6", "Qt", "translations")),
    ]
    return [f for f in dict.fromkeys(folders) if f and Path(f).is_dir()]


class FileDialogWords(QTranslator):
    """Qt's qtbase_zh_CN.qm leaves two labels of its own file dialog in English ("Look in:",
    "Files of type:"): a translator of its own answers for those two. (Not an event filter on
    the application: a Python filter sees every event of every widget, and at start-up that
    wrapping cost the window 40–70 ms.)"""

    WORDS = {
        ("QFileDialog", "&Look in:"): "查找范围(&L)：",  # like its "文件名称(&N)："
        ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
    }

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None is Qt's null string, "not mine": "" would be taken as the translation.
        return self.WORDS.get((context, source))

    def isEmpty(self) -> bool:  # noqa: N802 (Qt's name); an empty translator is skipped
        return False


def install_translations(app: QApplication) -> list[str]:
    """Qt's zh_CN translations for every standard dialog (file dialog, message box buttons,
    the calendar), and Chinese as the default locale whatever the system's. Returns the
    catalogues loaded (the self-test and a test check them)."""
    chinese = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(chinese)
    loaded: list[str] = []
    for name in ("qtbase",):  # the dialogs' strings; the "qt" meta-catalogue only adds modules
        for folder in translation_folders():
            translator = QTranslator(app)
            if translator.load(chinese, name, "_", folder):
                app.installTranslator(translator)
                loaded.append(translator.filePath())
                break
    app.installTranslator(FileDialogWords(app))  # installed last: asked first
    return loaded


def run_gui(smoke: bool = False, demo: bool = False, database_url: str | None = None) -> int:
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = round(time.perf_counter() - started, 3)

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("信访工作台")
    app.setOrganizationName("XinfangDesk")
    app.setWindowIcon(QIcon(str(paths.bundled("resources", "xinfang.png"))))
    install_translations(app)
    from ui import gc_guard

    gc_guard.install(app)  # Qt objects in cycles are destroyed on this thread, not a worker's
    mark("qt_ready_s")
    # Which database (issue 20): --database-url, XINFANG_DATABASE_URL or server.json name the
    # office's server; on a computer with neither a server nor a database file the clerk is
    # asked first (单机使用 / 连接单位服务器).
    server: str | None = None
    password = ""
    if not demo:
        try:
            server = paths.database_url(database_url)
        except DomainError as exc:
            QMessageBox.critical(None, "无法打开数据库", exc.message)
            return 1
        if server is None and not smoke and not paths.database_path().exists():
            from ui.settings.first_run import StartChoiceDialog

            choice = StartChoiceDialog()
            if choice.exec() != StartChoiceDialog.DialogCode.Accepted:
                return 0
            if choice.choice == StartChoiceDialog.SERVER:
                server, password = choice.url, choice.password
    # Whichever way a run returns (a refused login, an unreachable server, the window closed),
    # the data folder's claim and its local socket end with it: a listening socket left to
    # the garbage collector may be destroyed from another thread and corrupt the event loop
    # of whatever runs next in this process (the tests run several starts in one).
    with contextlib.ExitStack() as claims:
        if server:
            code = _run_server(app, server, password, smoke, mark, marks, claims)
            if code is not None:
                return code
        return _run_file(app, smoke, demo, mark, marks, claims)


def _run_server(
    app: QApplication,
    url: str,
    password: str,
    smoke: bool,
    mark: Callable[[str], None],
    marks: dict[str, Any],
    claims: contextlib.ExitStack,
) -> int | None:
    """The window on the office's PostgreSQL server; None = the clerk chose 改为单机使用."""
    from app.safety.auth import AuthService
    from ui.safety import server_connect

    safety = None
    if smoke:
        # Benchmarks: the account from the environment, like the command line.
        try:
            db = open_database(server_connect.with_password(url, password))
            user = AuthService(db, None).login(
                os.environ.get("XINFANG_USER", ""), os.environ.get("XINFANG_PASSWORD", "")
            )
        except DomainError as exc:
            QMessageBox.critical(None, "无法打开数据库", exc.message)
            return 1
    else:
        from ui.safety.data_safety import DataSafety

        safety = DataSafety(server=True)
        claims.callback(safety.single.release)
        if not safety.start():
            return 0
        opened = server_connect.connect(url, password)
        if opened == server_connect.LOCAL:
            safety.single.release()  # the file mode claims the data folder again
            return None
        if not isinstance(opened, Database):
            return 0
        db = opened
        mark("database_open_s")
        signed_in = safety.login_server(db)
        if signed_in is None:
            db.close()
            return 0
        user = signed_in
    from app.services import Services
    from ui.main_window import MainWindow

    window = MainWindow(Services(db, user))
    mark("window_built_s")
    window.show()
    if smoke:
        return _smoke(app, window, db, mark, marks)
    assert safety is not None
    safety.attach(window, db)
    window.first_run_if_needed()
    window.start_watching()
    code = app.exec()
    window.runner.wait(60000)
    safety.finish(db)
    db.close()
    return code


def _run_file(
    app: QApplication,
    smoke: bool,
    demo: bool,
    mark: Callable[[str], None],
    marks: dict[str, Any],
    claims: contextlib.ExitStack,
) -> int:
    """The window on the database file in the data folder (the single-clerk default)."""
    # Single instance, integrity check, login and backups (ui/data_safety); the smoke run
    # measures start-up only and must not wait for a password.
    safety = None
    if not smoke:
        from ui.safety.data_safety import DataSafety

        safety = DataSafety(demo=demo)
        claims.callback(safety.single.release)
        if not safety.start() or not safety.check_database(paths.database_path()):
            return 0
    # An encrypted database opens only with a password (app/safety/unlock.py): the login comes
    # before the file is opened. The smoke run (benchmarks) takes the account from the
    # environment, like the command line.
    from app.safety import crypto, unlock

    gate: unlock.Gate | None = None
    try:
        if crypto.is_encrypted(paths.database_path()) and not demo:
            if safety is None:
                db = unlock.open_unlocked(
                    paths.database_path(),
                    os.environ.get("XINFANG_USER", ""),
                    os.environ.get("XINFANG_PASSWORD", ""),
                )
            else:
                gate = unlock.Gate(paths.database_path())
                if safety.login_gate(gate) is None:
                    return 0
                assert gate.db is not None
                db = gate.db
        else:
            db = open_database(paths.database_path())
    except DomainError as exc:
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return 1
    mark("database_open_s")
    from app.safety import auth

    if demo:
        from app.cases import demo as demo_data
        from app.cases.search import CaseFilter
        from app.cases.service import CaseService

        if CaseService(db, auth.DEMO_USER).count(CaseFilter(include_voided=True)) == 0:
            demo_data.generate(db, 2000, seed=1)
    if safety is None:
        user: auth.CurrentUser | None = auth.DEMO_USER
    else:
        user = safety.user if gate is not None else safety.login(db)
    if user is None:  # the clerk chose 退出 at the login
        db.close()
        return 0
    from app.services import Services
    from ui.main_window import MainWindow

    window = MainWindow(Services(db, user), demo=demo)
    mark("window_built_s")
    window.show()
    if smoke:
        return _smoke(app, window, db, mark, marks)
    assert safety is not None
    safety.attach(window, db)
    if not demo:
        window.first_run_if_needed()
    window.start_watching()  # another process on this computer (a command) may write too
    code = app.exec()
    window.runner.wait(60000)
    safety.finish(db)
    db.close()
    return code


def _wait(signal: Any, done: Callable[[], bool], seconds: float = 60) -> None:
    """Run the event loop until `done()` (checked whenever `signal` fires) or the time is up.

    (Not `processEvents(flags, maxtime)`: in PySide6 6.12 that overload drops a reference to
    None on every call and crashes the interpreter after some thousands of calls.)
    """
    if done():
        return
    loop = QEventLoop()
    signal.connect(lambda *_a: done() and loop.quit())
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def _smoke(
    app: QApplication,
    window: "MainWindow",
    db: Database,
    mark: Callable[[str], None],
    marks: dict[str, Any],
) -> int:
    """Start-up as a clerk sees it: the window, the dashboard's figures, the case list's rows."""
    app.processEvents()
    window.repaint()
    mark("window_drawn_s")
    _wait(window.dashboard.refreshed, lambda: window.dashboard.data is not None)
    window.dashboard.repaint()
    mark("dashboard_drawn_s")
    window.go("cases")
    model = window.case_list.model
    _wait(model.loaded, lambda: model.rowCount() > 0 or model.loaded_once)
    window.case_list.table.repaint()
    mark("case_list_drawn_s")
    marks["cases_listed"] = model.rowCount()
    marks["dashboard_total"] = window.dashboard.cards["total"].value.text()
    print(json.dumps(marks, ensure_ascii=False), flush=True)
    window.runner.wait(30000)
    QTimer.singleShot(0, app.quit)
    app.exec()
    db.close()
    return 0
