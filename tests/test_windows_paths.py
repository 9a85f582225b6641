"""What the Windows build meets that Linux does not, tested at string level or by simulation:
code pages, shares and mapped drives, passing file locks, no console, restore while in use."""

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app import logging_setup
from app.cli import main
from app.db import Database
from app.documents.engine import write_atomic
from app.errors import DomainError
from app.safety import backup, files
from app.safety.network_drive import network_kind

ROOT = Path(__file__).resolve().parent.parent


# --- 1. printing Chinese on a console that cannot show it ---------------------------------------


def test_printing_to_a_cp1252_pipe_does_not_fail() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode("cp1252", "replace")
    assert b"UnicodeEncodeError" not in result.stderr
    assert b"xinfang" in result.stdout  # printed, with ? for what cp1252 lacks


def test_a_gbk_console_gets_question_marks_not_an_error() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONUTF8": "0"}
    code = "from app import logging_setup; logging_setup.safe_std_streams(); print('张三\\u2603')"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("gbk").strip() == "张三?"


# --- 2. paths of another platform ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("\\\\server\\share\\信访", "UNC 共享路径"),
        ("//server/share/信访", "UNC 共享路径"),
        ("C:\\Users\\张三\\信访", None),  # a local drive (the type is asked only on Windows)
        ("信访数据", None),  # relative: no drive, no claim
    ],
)
def test_windows_paths_are_read_as_windows_paths(path: str, kind: str | None) -> None:
    assert network_kind(path, platform="win32") == kind


def test_posix_mounts_are_not_joined_to_a_drive_when_run_on_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mounts = "//server/share /mnt/share cifs rw 0 0\n"

    def windows_resolve(self: Path, strict: bool = False) -> Path:
        return Path("D:\\" + str(self).lstrip("/"))  # what resolve() does on Windows

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(Path, "resolve", windows_resolve)
    assert network_kind("/mnt/share/信访", platform="linux", mounts_text=mounts) == "cifs"


# --- 3. databases on shares and mapped drives ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("C:\\信访\\备份-1.sqlite3", "file:///C:/%E4%BF%A1%E8%AE%BF/%E5%A4%87%E4%BB%BD-1.sqlite3"),
        ("Z:\\backups\\x.sqlite3", "file:///Z:/backups/x.sqlite3"),  # a mapped drive stays Z:
        ("\\\\server\\share\\bak\\x.sqlite3", "file:////server/share/bak/x.sqlite3"),
        ("//server/share/bak/x.sqlite3", "file:////server/share/bak/x.sqlite3"),
        ("C:\\a b\\#1?%.sqlite3", "file:///C:/a%20b/%231%3F%25.sqlite3"),
    ],
)
def test_sqlite_uri_of_windows_paths(path: str, uri: str) -> None:
    assert files.sqlite_uri(path, windows=True) == uri


def test_a_unc_uri_has_no_authority_sqlite_would_refuse() -> None:
    uri = files.sqlite_uri("\\\\server\\share\\x.sqlite3", windows=True, immutable="1")
    assert uri.startswith("file:////server/") and uri.endswith("?immutable=1")
    # PureWindowsPath.as_uri(), which the old code used, names the server as the authority:
    from pathlib import PureWindowsPath

    assert (
        PureWindowsPath("\\\\server\\share\\x.sqlite3").as_uri() == "file://server/share/x.sqlite3"
    )
    assert "file://server/share" not in uri


@pytest.mark.sqlite_only("backups of the database file")
def test_backups_with_awkward_names_are_listed_and_checked(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "共享 盘#1" / "50%"
    info = backup.make_backup(db, folder=folder)
    odd = info.path.with_name("备份-20251231-120000 ?#.sqlite3")
    info.path.rename(odd)
    listed = backup.list_backups(folder)
    assert [b.path for b in listed] == [odd] and listed[0].cases == 0
    assert backup.check_backup_file(odd) == 0


# --- 6. a rename refused for a moment -----------------------------------------------------------


def _flaky_replace(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[int]:
    real = os.replace
    calls: list[int] = []

    def replace(src: str, dst: str) -> None:
        calls.append(1)
        if len(calls) <= failures:
            raise PermissionError(32, "The process cannot access the file")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "RETRY_PAUSES", (0.001,) * 8)
    return calls


def test_a_document_is_written_when_a_scanner_holds_it_briefly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _flaky_replace(monkeypatch, failures=3)
    out = tmp_path / "自查报告.docx"
    write_atomic(out, b"PK-data")
    assert out.read_bytes() == b"PK-data" and len(calls) == 4
    assert not list(tmp_path.glob("*.tmp"))


def test_a_file_locked_for_good_gets_the_message_and_no_leftover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _flaky_replace(monkeypatch, failures=100)
    out = tmp_path / "自查报告.docx"
    with pytest.raises(DomainError) as info:
        write_atomic(out, b"PK-data")
    assert "占用" in info.value.message and "杀毒软件" in info.value.message
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.sqlite_only("backups of the database file")
def test_a_backup_survives_a_brief_lock(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _flaky_replace(monkeypatch, failures=2)
    info = backup.make_backup(db, folder=tmp_path / "bak")
    assert info.path.is_file() and len(calls) == 3


# --- 7. restore while the program has the database open -----------------------------------------


def test_quiesce_waits_for_a_session_and_refuses_new_ones(db: Database) -> None:
    inside, release = threading.Event(), threading.Event()

    def long_read() -> None:
        with db.read():
            inside.set()
            release.wait(5)

    reader = threading.Thread(target=long_read)
    reader.start()
    inside.wait(5)
    started = time.perf_counter()
    threading.Timer(0.3, release.set).start()
    db.quiesce(timeout=5)
    assert time.perf_counter() - started >= 0.25  # it waited for the reader
    reader.join()
    with pytest.raises(DomainError), db.read():
        pass
    db.resume()
    with db.read():
        pass


def test_quiesce_gives_up_with_a_message_when_work_goes_on(db: Database) -> None:
    release = threading.Event()
    inside = threading.Event()

    def long_write() -> None:
        with db.session():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=long_write)
    worker.start()
    inside.wait(5)
    with pytest.raises(DomainError) as info:
        db.quiesce(timeout=0.1)
    release.set()
    worker.join()
    assert "暂时不能恢复" in info.value.message
    with db.read():  # still usable
        pass


# --- 8. no console: the windowed exe ------------------------------------------------------------


def test_without_stdout_and_stderr_printing_goes_to_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setenv("XINFANG_DATA_DIR", str(tmp_path))
    logging_setup.safe_std_streams()
    print("错误：示例消息")
    print("半行", file=sys.stderr, end="")
    sys.stderr.flush()
    for handler in logging.getLogger(logging_setup.LOGGER).handlers:
        handler.flush()
    text = (tmp_path / "logs" / logging_setup.LOG_NAME).read_text(encoding="utf-8")
    assert "错误：示例消息" in text and "半行" in text


def test_a_start_up_failure_is_a_chinese_message_box(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ui.errors
    import ui.main

    def broken(**_kwargs: object) -> int:
        raise ModuleNotFoundError("No module named 'PySide6.QtNetwork'")

    shown: list[tuple[str, object]] = []
    monkeypatch.setattr(ui.main, "run_gui", broken)
    monkeypatch.setattr(ui.errors, "show_start_failure", lambda m, log: shown.append((m, log)))
    assert main(["--data-dir", str(tmp_path), "gui"]) == 1
    [(message, log)] = shown
    assert "程序内部出错" in message and "QtNetwork" in message
    assert isinstance(log, Path) and "PySide6.QtNetwork" in log.read_text(encoding="utf-8")
    assert "Traceback" in log.read_text(encoding="utf-8")  # the details are in the log
    err = capsys.readouterr().err
    assert "信访工作台无法启动" in err and "Traceback" not in err


def test_a_database_refusal_at_start_is_shown_as_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.errors
    import ui.main

    def refused(**_kwargs: object) -> int:
        raise DomainError("数据库由更新版本的信访工作台创建")

    shown: list[tuple[str, object]] = []
    monkeypatch.setattr(ui.main, "run_gui", refused)
    monkeypatch.setattr(ui.errors, "show_start_failure", lambda m, log: shown.append((m, log)))
    assert main(["--data-dir", str(tmp_path), "gui"]) == 1
    assert shown == [("数据库由更新版本的信访工作台创建", None)]
