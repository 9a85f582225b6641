"""One program per data folder (issue 7 §4): an OS file lock on `<data>/xinfang.lock`.

The operating system drops the lock when the process ends, however it ends (a crash or a
killed process leaves no stale lock behind). The file also names the holder — computer, user
and process — so a clerk told "already open" learns where.
"""

import datetime as dt
import getpass
import os
import socket
import sys
from pathlib import Path
from typing import IO

from app.errors import DomainError

LOCK_NAME = "xinfang.lock"
# Windows locks a byte range; the holder's details are written after it so others can read them.
_INFO_OFFSET = 16


class AlreadyRunning(DomainError):
    """Another 信访工作台 holds this data folder."""

    def __init__(self, folder: Path, holder: str) -> None:
        where = f"（{holder}）" if holder else ""
        super().__init__(
            f"信访工作台已经在使用这个数据文件夹{where}：\n{folder}\n"
            "同一份数据只能由一个程序打开，请切换到已打开的窗口。"
        )
        self.folder = folder
        self.holder = holder


def _try_lock(f: IO[bytes]) -> bool:
    if sys.platform.startswith("win"):
        import msvcrt

        f.seek(0)
        try:
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(f: IO[bytes]) -> None:
    if sys.platform.startswith("win"):
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined,unused-ignore]
    else:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class InstanceLock:
    """Held while the program has the data folder open. Use `acquire()` / `release()` or `with`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def holder(self) -> str:
        """Who holds the lock, as written in the lock file ('' when unknown)."""
        try:
            with open(self.path, "rb") as f:
                f.seek(_INFO_OFFSET)
                return f.read(600).decode("utf-8", errors="replace").strip("\x00 \n")
        except OSError:
            return ""

    def acquire(self) -> "InstanceLock":
        """Take the lock or raise AlreadyRunning."""
        if self._file is not None:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        # Opened without truncating: a refused second start can still read the holder's details.
        f = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), "r+b")
        if not _try_lock(f):
            f.close()
            raise AlreadyRunning(self.folder, self.holder())
        info = (
            f"计算机 {socket.gethostname()}，用户 {getpass.getuser()}，进程 {os.getpid()}，"
            f"{dt.datetime.now():%Y-%m-%d %H:%M} 起"
        )
        f.seek(_INFO_OFFSET)
        # Padded to a fixed size so a shorter line fully covers the previous holder's.
        f.write(info.encode("utf-8").ljust(400, b" "))
        f.flush()
        self._file = f
        return self

    def release(self) -> None:
        if self._file is None:
            return
        f, self._file = self._file, None
        try:
            _unlock(f)
        finally:
            f.close()

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_running(folder: Path) -> bool:
    """True when another program holds the folder (used by restore and `xinfang check`)."""
    probe = InstanceLock(folder)
    try:
        probe.acquire()
    except AlreadyRunning:
        return True
    probe.release()
    return False
