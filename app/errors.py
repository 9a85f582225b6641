"""Errors that carry a message for the clerk."""


class DomainError(Exception):
    """A rule was broken; `message` is shown to the clerk as is, `field` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class DatabaseTooNew(DomainError):
    """The database was written by a newer version of the program."""


# --- what a failure of the disk or the database means to the clerk (issue 16 item 11) ----
# Never the SQL or its parameters (names, ID numbers, phones): SQLAlchemy puts both in str(exc),
# so only the driver's own one-line reason is looked at, and none of it is shown.
LOCKED = (
    "数据库正被另一个程序占用（多半是正在导入台账或备份的命令，或另一个信访工作台窗口），"
    "这次操作没有保存。请等它完成后再试一次；数据没有丢失，不需要从备份恢复。"
)
DISK_FULL = (
    "磁盘空间已满，这次操作没有保存（之前保存的数据不受影响）。请删除不需要的文件、腾出空间后再试。"
)
READ_ONLY = (
    "数据文件夹或数据库文件是只读的（可能是权限设置、U盘写保护或共享盘只读），"
    "这次操作没有保存。请让管理员检查文件夹权限后再试。"
)
DISK_ERROR = (
    "读写磁盘时出错，这次操作没有保存。请运行 xinfang check 检查数据库；"
    "如果是U盘或网络盘，请确认已连接。"
)
DAMAGED = "数据库读写出错，可能已损坏。请运行 xinfang check 检查数据库，必要时从备份恢复。"


def explain(exc: BaseException) -> str | None:
    """A message for a failure of the database or the disk, or None for anything else."""
    import errno
    import sqlite3

    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return DISK_FULL
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return READ_ONLY
        if exc.errno == errno.EIO:
            return DISK_ERROR
        return None
    # SQLCipher's errors (an encrypted database, app/safety/crypto.py) share no base class
    # with sqlite3's; the binding is looked up only when it is loaded already.
    import sys

    cipher = getattr(sys.modules.get("sqlcipher3"), "Error", None)
    kinds: tuple[type[BaseException], ...] = (sqlite3.Error,) + ((cipher,) if cipher else ())
    orig = getattr(exc, "orig", None)
    driver = orig if isinstance(orig, kinds) else exc
    if not isinstance(driver, kinds):
        return None
    reason = str(driver.args[0] if driver.args else driver).lower()
    if "locked" in reason or "busy" in reason:
        return LOCKED
    if "disk is full" in reason or "database or disk is full" in reason:
        return DISK_FULL
    if "readonly" in reason or "read-only" in reason:
        return READ_ONLY
    if "disk i/o" in reason or "unable to open" in reason:
        return DISK_ERROR
    return DAMAGED
