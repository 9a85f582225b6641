"""The one lock every process that opens the database honours (issue 16 item 1).

Each open `Database` holds a *shared* OS lock on `<database>.inuse` for as long as it may
touch the file: the GUI, every CLI command, an import running for minutes. A restore or a
schema upgrade takes it *exclusively*, so it waits for every other process to finish (and
refuses after a while) instead of replacing the file under a writer whose later commits would
go into the replaced file and be lost. The operating system drops the lock when a process
ends, however it ends, so a killed process never leaves a stale lock behind.

POSIX: flock(2), whose shared/exclusive locks are per open file, so two `Database` objects in
one process exclude each other exactly like two processes. Windows: LockFileEx on byte 0.
"""

import os
import sys
import time
from pathlib import Path
from typing import IO

from app.errors import DomainError

SUFFIX = ".inuse"
POLL = 0.05


class DatabaseBusy(DomainError):
    """Another process has the database open and the operation needs it alone."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + SUFFIX)


if sys.platform.startswith("win"):  # pragma: no cover - exercised on Windows only
    import ctypes
    import msvcrt
    from ctypes import wintypes

    _LOCKFILE_FAIL_IMMEDIATELY = 0x01
    _LOCKFILE_EXCLUSIVE_LOCK = 0x02

    class _OVERLAPPED(ctypes.Structure):
        _fields_ = [
            ("Internal", ctypes.c_void_p),
            ("InternalHigh", ctypes.c_void_p),
            ("Offset", wintypes.DWORD),
            ("OffsetHigh", wintypes.DWORD),
            ("hEvent", wintypes.HANDLE),
        ]

    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]

    def _os_lock(f: IO[bytes], exclusive: bool) -> bool:
        handle = msvcrt.get_osfhandle(f.fileno())  # type: ignore[attr-defined,unused-ignore]
        flags = _LOCKFILE_FAIL_IMMEDIATELY | (_LOCKFILE_EXCLUSIVE_LOCK if exclusive else 0)
        ov = _OVERLAPPED()
        return bool(_kernel32.LockFileEx(handle, flags, 0, 1, 0, ctypes.byref(ov)))

    def _os_unlock(f: IO[bytes]) -> None:
        handle = msvcrt.get_osfhandle(f.fileno())  # type: ignore[attr-defined,unused-ignore]
        ov = _OVERLAPPED()
        _kernel32.UnlockFileEx(handle, 0, 1, 0, ctypes.byref(ov))

else:
    import fcntl

    def _os_lock(f: IO[bytes], exclusive: bool) -> bool:
        try:
            fcntl.flock(f.fileno(), (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _os_unlock(f: IO[bytes]) -> None:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class DatabaseLock:
    """A shared or exclusive hold on one database file. `mode` is None, "shared" or
    "exclusive"; switching mode releases first (flock and LockFileEx cannot convert in
    place on every system), so callers re-check what they decided under the old mode."""

    def __init__(self, db_path: Path) -> None:
        self.path = lock_path(Path(db_path))
        self._file: IO[bytes] | None = None
        self.mode: str | None = None

    def _open(self) -> IO[bytes]:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), "r+b")
        return self._file

    def try_acquire(self, exclusive: bool) -> bool:
        wanted = "exclusive" if exclusive else "shared"
        if self.mode == wanted:
            return True
        if self.mode is not None:
            self.release()
        if _os_lock(self._open(), exclusive):
            self.mode = wanted
            return True
        return False

    def acquire(self, exclusive: bool, timeout: float, message: str | None = None) -> None:
        """Wait up to `timeout` seconds; then DatabaseBusy with `message` (or a default)."""
        deadline = time.monotonic() + timeout
        while not self.try_acquire(exclusive):
            if time.monotonic() >= deadline:
                self.release()
                raise DatabaseBusy(message or _default_message(exclusive))
            time.sleep(POLL)

    def release(self) -> None:
        f, self._file = self._file, None
        self.mode = None
        if f is None:
            return
        try:
            _os_unlock(f)
        except OSError:
            pass  # closing the file drops the lock anyway
        finally:
            f.close()

    @property
    def held(self) -> bool:
        return self.mode is not None


def _default_message(exclusive: bool) -> str:
    if exclusive:
        return (
            "另一个程序（信访工作台窗口，或正在导入、导出的命令）正在使用数据库，"
            "现在进行会让它正在写入的数据丢失。请等它完成或关闭它后再试。"
        )
    return "数据库正在恢复或升级，请稍候再试。"
