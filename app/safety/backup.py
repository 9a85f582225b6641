"""Backups and restore (issue 7 §1): SQLite's online backup API, a verified copy, rotation.

A backup is copied while the program runs (the online backup API gives a consistent snapshot
even with WAL), checked with `PRAGMA integrity_check` under a temporary name, renamed into
place, and only then are the oldest copies rotated out, so a bad copy never replaces a good one.
Restoring keeps the current database aside first; nothing is ever deleted except rotated
automatic copies.
"""

import dataclasses
import datetime as dt
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app import migrate, paths
from app.attachments import copies
from app.attachments.service import store_for
from app.db import Database
from app.errors import DatabaseTooNew, DomainError
from app.office import settings
from app.safety import auth, backup_check, crypto, files, recovery
from app.safety.db_lock import DatabaseLock

if TYPE_CHECKING:
    from app.office.service import OfficeService

BACKUP_PREFIX = "备份-"  # rotated; everything else in the folder is kept
ASIDE_PREFIX = "恢复前-"  # the database as it was before a restore
SUFFIX = ".sqlite3"
STAMP = "%Y%m%d-%H%M%S"
_STAMP_RE = re.compile(r"(\d{8}-\d{6})")
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: dt.datetime
    cases: int | None  # None when the file cannot be read as a database
    size: int
    kind: str  # 备份 / 恢复前 / 升级前 / 其他
    note: str = ""  # e.g. why the copy went to the local folder instead of the configured one
    # Attachments (docs/rules.md, 附件): files newly copied into the folder's 附件/ by this backup.
    files_copied: int = 0
    bytes_copied: int = 0


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    kept_aside: Path | None
    cases: int


def configured_folder(db: Database) -> Path:
    """The backup folder setting (a USB drive or a share), or the data folder's backups/ (on a
    server: this computer's data folder, where pg_dump files go unless one is chosen)."""
    with db.read() as s:
        folder = str(settings.get(s, "backup_dir") or "").strip()
    if folder:
        return Path(folder).expanduser()
    return paths.backups_dir() if db.is_server else paths.backups_dir(db.path.parent)


def keep_count(db: Database) -> int:
    with db.read() as s:
        return max(1, int(settings.get(s, "backup_keep")))


def _count_cases(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM cases WHERE voided = 0").fetchone()[0])


def _verified(counted: list[int]) -> Callable[[sqlite3.Connection], None]:
    """A `copy_database` check: integrity_check must say ok; counts the cases on the way."""

    def check(conn: sqlite3.Connection) -> None:
        # A backup is one self-contained file (no -wal beside it on the USB drive).
        conn.execute("PRAGMA journal_mode=DELETE")
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise DomainError(
                "备份副本校验未通过（" + "；".join(problems[:3]) + "），已放弃这份副本，"
                "原有备份保持不变。请运行 xinfang check 检查数据库。"
            )
        counted.append(_count_cases(conn))

    return check


def _free_name(folder: Path, stem: str) -> Path:
    path = folder / f"{stem}{SUFFIX}"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}{SUFFIX}"
        n += 1
    return path


def _usable_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DomainError(
            f"备份文件夹“{folder}”无法使用（{exc.strerror or exc}）。"
            "如果是U盘或共享文件夹，请确认已连接；也可以在设置中更换备份文件夹。"
        ) from None
    if not os.access(folder, os.W_OK):
        raise DomainError(f"备份文件夹“{folder}”没有写入权限，请更换备份文件夹。")


def make_backup(
    db: Database,
    out: Path | None = None,
    folder: Path | None = None,
    keep: int | None = None,
    now: dt.datetime | None = None,
) -> BackupInfo:
    """Back up now. `out` = a file of the clerk's choosing (no rotation); otherwise a new
    `备份-<time>.sqlite3` in `folder` (default: the setting), keeping the newest `keep`."""
    now = now or dt.datetime.now()
    if out is not None:
        out = Path(out).expanduser()
        if out.resolve() == db.path.resolve():
            raise DomainError("备份文件不能与数据库文件相同。")
        target, rotate_in = out, None
        _usable_folder(out.parent)
    else:
        folder = folder or configured_folder(db)
        _usable_folder(folder)
        target, rotate_in = _free_name(folder, BACKUP_PREFIX + now.strftime(STAMP)), folder
    counted: list[int] = []
    # What a killed backup left in this folder: a full copy of the personal data (item 12).
    recovery.remove_stale_temporaries(target.parent)
    try:
        migrate.copy_database(db.path, target, verify=_verified(counted))
    except crypto.errors() as exc:
        raise DomainError(f"备份没有完成（{exc}）。原有备份保持不变。") from None
    except OSError as exc:
        raise DomainError(
            f"备份没有写成（{exc.strerror or exc}）：{target}。请检查磁盘空间和文件夹权限。"
        ) from None
    copied, note = _back_up_attachments(db, target)
    if rotate_in is not None:
        rotate(rotate_in, keep if keep is not None else keep_count(db))
    return BackupInfo(
        target,
        now.replace(microsecond=0),
        counted[0],
        target.stat().st_size,
        "备份",
        note,
        copied.files,
        copied.bytes,
    )


def _back_up_attachments(db: Database, target: Path) -> tuple[copies.Copied, str]:
    """The files the new copy's attachments name, into `附件/` beside it (only new ones).

    Read from the copy itself, so the files match the database that was saved. When a file
    cannot be written (disk full, the USB drive pulled) the database copy is removed too: a
    backup counts as good only with all its files. A file the data folder has already lost
    cannot be copied; the backup goes on and says so (`xinfang check` names it)."""
    try:
        conn = _open_readonly(target)
        try:
            want = copies.needed(conn)
        finally:
            conn.close()
        copied = copies.back_up(store_for(db.path), target.parent, want)
    except (OSError, DomainError) as exc:
        target.unlink(missing_ok=True)
        crypto.keys_path(target).unlink(missing_ok=True)
        why = exc.message if isinstance(exc, DomainError) else (exc.strerror or str(exc))
        raise DomainError(
            f"附件没有备份完整（{why}），这份备份已放弃，原有备份保持不变。"
            f"请检查 {target.parent} 的磁盘空间和权限。"
        ) from None
    note = ""
    if copied.missing:
        note = (
            f"数据文件夹中缺少 {len(copied.missing)} 个附件文件，未能备份："
            f"{want.describe(copied.missing)}。请运行 xinfang check。"
        )
    return copied, note


def auto_backup(db: Database, now: dt.datetime | None = None) -> BackupInfo:
    """The backup on exit and once a day. When the configured folder (a USB drive that is not
    plugged in) cannot be used, the copy goes to the data folder's backups/ and says so."""
    folder = configured_folder(db)
    local = paths.backups_dir(db.path.parent)
    try:
        return make_backup(db, folder=folder, now=now)
    except DomainError as exc:
        if folder.resolve() == local.resolve():
            raise
        info = make_backup(db, folder=local, now=now)
        note = "；".join(n for n in (exc.message, info.note) if n)
        return dataclasses.replace(info, note=note)


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest automatic/manual copies beyond `keep`; other files are never touched."""
    copies = sorted(
        (p for p in folder.glob(f"{BACKUP_PREFIX}*{SUFFIX}") if _STAMP_RE.search(p.name)),
        key=lambda p: (_stamp(p) or dt.datetime.min, p.name),
        reverse=True,
    )
    removed = copies[max(1, keep) :]
    for path in removed:
        path.unlink(missing_ok=True)
        crypto.keys_path(path).unlink(missing_ok=True)
    return removed


def _stamp(path: Path) -> dt.datetime | None:
    m = _STAMP_RE.search(path.name)
    if m is None:
        return None
    try:
        return dt.datetime.strptime(m.group(1), STAMP)
    except ValueError:
        return None


def _kind(path: Path) -> str:
    for prefix, kind in ((BACKUP_PREFIX, "备份"), (ASIDE_PREFIX, "恢复前"), ("升级前-", "升级前")):
        if path.name.startswith(prefix):
            return kind
    return "其他"


def _open_readonly(path: Path) -> sqlite3.Connection:
    # immutable: no locks, no -wal/-shm created beside a copy on a USB drive or a share.
    # An encrypted copy opens with the key of the database it was made from (crypto.py).
    uri = files.sqlite_uri(path, immutable="1")
    conn: sqlite3.Connection = crypto.connect(path, key=crypto.key_for_copy(path), uri=uri)
    return conn


def inspect(path: Path) -> BackupInfo:
    """Date and case count of one backup file (cases None when it is not a readable database)."""
    path = Path(path)
    st = path.stat()
    cases: int | None = None
    if _has_header(path) or crypto.key_for_copy(path) is not None:
        try:
            conn = _open_readonly(path)
            try:
                cases = _count_cases(conn)
            finally:
                conn.close()
        except crypto.errors() + (DomainError,):
            cases = None
    made = _stamp(path) or dt.datetime.fromtimestamp(st.st_mtime).replace(microsecond=0)
    return BackupInfo(path, made, cases, st.st_size, _kind(path))


def list_backups(folder: Path) -> list[BackupInfo]:
    """Every database copy in the folder, newest first."""
    if not folder.is_dir():
        return []
    found = [inspect(p) for p in folder.glob(f"*{SUFFIX}") if p.is_file()]
    # Two copies made in the same second are ordered by when the file was written.
    return sorted(found, key=lambda b: (b.made_at, b.path.stat().st_mtime_ns), reverse=True)


def daily_due(db: Database, now: dt.datetime | None = None) -> bool:
    """True when no backup has been made today (in the configured or the local folder)."""
    today = (now or dt.datetime.now()).date()
    for folder in {configured_folder(db), paths.backups_dir(db.path.parent)}:
        for p in folder.glob(f"{BACKUP_PREFIX}*{SUFFIX}") if folder.is_dir() else []:
            stamp = _stamp(p)
            if stamp is not None and stamp.date() == today:
                return False
    return True


def _has_header(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_HEADER
    except OSError:
        return False


def check_backup_file(path: Path) -> int:
    """Refuse a file that is not a sound 信访工作台 database; returns its case count."""
    if not path.is_file():
        raise DomainError(f"找不到备份文件：{path}")
    if not _has_header(path):
        if not crypto.keys_path(path).exists() and crypto.key_for_copy(path) is None:
            raise DomainError(f"“{path.name}”不是信访工作台的备份文件（不是数据库文件）。")
        if crypto.key_for_copy(path) is None:
            raise crypto.Locked(
                f"备份文件“{path.name}”已加密。请输入做这份备份时有效的账号密码，或恢复密钥。"
            )
    try:
        conn = _open_readonly(path)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise DomainError(
                    f"备份文件“{path.name}”已损坏（{'；'.join(problems[:3])}），不能用来恢复。"
                    "请选择另一份备份。"
                )
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if not {"cases", "alembic_version"} <= tables:
                raise DomainError(f"“{path.name}”不是信访工作台的备份文件。")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            problem = backup_check.schema_problem(conn, tables, revision[0] if revision else None)
            if problem is None:
                problem = backup_check.audit_problem(conn)
            if problem:
                raise DomainError(
                    f"备份文件“{path.name}”不完整或被改动过（{problem}），不能用来恢复。"
                    "请选择另一份备份；数据库未做改动。"
                )
            cases = _count_cases(conn)
        finally:
            conn.close()
    except crypto.WrongKey:
        raise crypto.Locked(
            f"备份文件“{path.name}”已加密，当前密钥打不开它。请输入这份备份的账号密码或恢复密钥。"
        ) from None
    except crypto.errors() + (UnicodeDecodeError,) as exc:
        what = "文件已损坏" if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise DomainError(f"备份文件“{path.name}”无法读取（{what}），不能用来恢复。") from None
    if revision and revision[0] not in migrate.known_revisions():
        raise DatabaseTooNew(
            f"备份文件“{path.name}”由更新版本的信访工作台创建，本程序无法使用。请先安装最新版本。"
        )
    return cases


def _keep_aside(db_path: Path, now: dt.datetime) -> Path | None:
    if not db_path.exists():
        return None
    aside = _free_name(paths.backups_dir(db_path.parent), ASIDE_PREFIX + now.strftime(STAMP))
    try:
        migrate.copy_database(db_path, aside)
    except crypto.database_errors():
        # A damaged database cannot be read page by page: keep its raw bytes (and its WAL).
        shutil.copy2(db_path, aside)
        if crypto.keys_path(db_path).exists():  # an encrypted one needs its key file too
            shutil.copy2(crypto.keys_path(db_path), crypto.keys_path(aside))
        wal = db_path.with_name(db_path.name + "-wal")
        if wal.exists():
            shutil.copy2(wal, aside.with_name(aside.name + "-wal"))
    return aside


# How long a restore waits for other processes (a command importing a ledger) to finish.
RESTORE_WAIT_SECONDS = 30.0
RESTORE_BUSY = (
    "另一个程序（信访工作台窗口，或正在导入、导出、登记的命令）正在使用数据库。"
    "现在恢复会让它已经保存和正在保存的数据丢失，所以没有恢复，数据库未做改动。"
    "请等它完成（或关闭它）后再恢复。"
)
ASIDE_COPIES_KEPT = 5


def restore(
    db_path: Path,
    backup_file: Path,
    now: dt.datetime | None = None,
    wait: float = RESTORE_WAIT_SECONDS,
) -> RestoreResult:
    """Put a backup in place of the database at `db_path`.

    The backup is checked first (a sound file of this program with every table and an
    unbroken audit chain); then the database lock is taken exclusively, so every other
    process that has the database open is waited for and none can open it meanwhile. The
    copy is written beside the database under a temporary name and checked again; the current
    database is kept aside as `恢复前-<time>.sqlite3`; a marker names the copy; one rename
    puts it in place. A kill at any step leaves the old database or the new one, and the next
    start finishes a half-done swap (recovery.finish_restore). A schema from an older version
    is upgraded by the next `open_database`.
    """
    now = now or dt.datetime.now()
    backup_file = Path(backup_file).expanduser()
    if backup_file.resolve() == db_path.resolve():
        raise DomainError("不能用正在使用的数据库文件本身来恢复。")
    cases = check_backup_file(backup_file)
    # Every file the backup's attachments name, found and hashed before anything changes.
    plan = attachments_plan(backup_file, db_path)
    lock = DatabaseLock(db_path)
    lock.acquire(exclusive=True, timeout=wait, message=RESTORE_BUSY)
    tmp = db_path.with_name(db_path.name + ".restore.tmp")
    marker = recovery.marker_path(db_path, recovery.RESTORE_MARKER)
    try:
        recovery.finish_restore(db_path)  # a restore killed earlier is completed first
        tmp.unlink(missing_ok=True)
        shutil.copyfile(backup_file, tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        backup_key = crypto.key_for_copy(backup_file)
        tmp_keys = recovery.restore_keys_tmp(db_path)
        tmp_keys.unlink(missing_ok=True)
        if backup_key is not None:
            # Encrypted: the copy opens with the backup's own key, and the backup's key file
            # (its accounts' passwords at the time) waits beside it to go in with it.
            crypto.remember(tmp, backup_key)
            keys = crypto.read_keys(backup_file) or crypto.KeyFile(crypto.key_check(backup_key), [])
            crypto.write_keys(tmp, keys)
        if check_backup_file(tmp) != cases:
            raise DomainError("复制备份文件时出错（前后不一致），数据库未做改动。")
        # The files go in before the database: extra files in a content-addressed store harm
        # nothing, a restored database without its files would.
        copies.bring_back(plan)
        aside = _keep_aside(db_path, now)
        recovery.write_marker(
            marker,
            {
                "tmp": str(tmp),
                "aside": str(aside) if aside else None,
                "from": str(backup_file),
                # The key file goes in right after the file (None: a plain backup, the live
                # key file goes); the size lets a start that holds no key for the copy tell a
                # whole one (recovery.finish_restore).
                "keys": str(tmp_keys) if backup_key is not None else None,
                "size": tmp.stat().st_size,
            },
        )
        recovery.swap_in(tmp, db_path)
        recovery.swap_in_keys(db_path, marker)
        recovery.remove_marker(marker)
    except OSError as exc:
        if marker.exists() and tmp.exists():
            recovery.remove_marker(marker)  # nothing was swapped: the database is as it was
        raise DomainError(
            f"恢复没有完成（{exc.strerror or exc}），数据库未做改动。"
            "请关闭其他正在使用数据库的程序（另一个信访工作台窗口或命令）后重试。"
        ) from None
    finally:
        if not marker.exists():
            tmp.unlink(missing_ok=True)
            recovery.restore_keys_tmp(db_path).unlink(missing_ok=True)
        crypto.forget(tmp)
        lock.release()
    _hold_restored_key(db_path, backup_key)
    recovery.rotate_copies(paths.backups_dir(db_path.parent), ASIDE_PREFIX, ASIDE_COPIES_KEPT)
    return RestoreResult(backup_file, aside, cases)


def attachments_plan(backup_file: Path, db_path: Path, read: bool = True) -> copies.RestorePlan:
    """What restoring `backup_file` over `db_path` copies into the data folder (DomainError
    naming the missing or altered files when the backup's 附件/ is not whole). `read=False`
    checks only that the files are there: seconds less for a GB of files before the clerk
    confirms; the restore itself reads and hashes every one."""
    conn = _open_readonly(Path(backup_file))
    try:
        want = copies.needed(conn)
    finally:
        conn.close()
    return copies.plan_restore(want, Path(backup_file).parent, store_for(db_path), read)


def _hold_restored_key(db_path: Path, backup_key: bytes | None) -> None:
    """This process now holds the restored file's key (the backup's), or none for a plain one."""
    if backup_key is None:
        crypto.forget(db_path)
    else:
        crypto.remember(db_path, backup_key)


class BackupService:
    """The checked entry point for a signed-in account: `backup` to make a copy, `restore` to
    check and put one back, `settings` to change the folder or the number kept; seeing which
    copies exist needs only `view_case`. The module functions above stay for the program's own
    work before a login (restore at start with a damaged database, the backup on exit)."""

    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        self.user = user

    def folder(self) -> Path:
        auth.require(self.user, "view_case")
        return configured_folder(self.db)

    def keep(self) -> int:
        auth.require(self.user, "view_case")
        return keep_count(self.db)

    def backups(self, folder: Path | None = None) -> list[BackupInfo]:
        auth.require(self.user, "view_case")
        return list_backups(folder or configured_folder(self.db))

    def make(self, out: Path | None = None, now: dt.datetime | None = None) -> BackupInfo:
        auth.require(self.user, "backup")
        return make_backup(self.db, out=out, now=now)

    def auto(self, now: dt.datetime | None = None) -> BackupInfo:
        auth.require(self.user, "backup")
        return auto_backup(self.db, now=now)

    def check(self, path: Path) -> int:
        """The case count of a backup about to be restored (refused when it is not sound)."""
        auth.require(self.user, "restore")
        cases = check_backup_file(Path(path))
        # A backup without its files is refused now, not after the clerk confirms.
        attachments_plan(Path(path), self.db.path, read=False)
        return cases

    def unlock_backup(self, path: Path, secret: str) -> None:
        """An encrypted backup made with another key (crypto.Locked from `check`): opened with
        a password valid for that backup (this account's, at the time) or the recovery key."""
        auth.require(self.user, "restore")
        if sum(ch.isalnum() for ch in secret) == 40 and secret.count("-") >= 7:
            crypto.unlock_with_recovery(Path(path), secret)
        else:
            crypto.unlock_with_password(Path(path), self.user.username, secret)

    def restore(self, path: Path, now: dt.datetime | None = None) -> RestoreResult:
        """As `restore`, in the running program: every session of this process is waited for
        and refused (`Database.quiesce`) while the file is replaced. The database stays closed
        after a restore (the program restarts); `resume` reopens it."""
        auth.require(self.user, "restore")
        self.db.quiesce()
        try:
            return restore(self.db.path, Path(path), now=now)
        except BaseException:
            self.db.resume()  # nothing was replaced: the program goes on as before
            raise

    def resume(self) -> None:
        """Accept sessions again after a restore, when the same process goes on with the file."""
        auth.require(self.user, "restore")
        self.db.rebind()  # the restored file may have another key, or none
        self.db.resume()

    def set_folder(self, folder: str) -> None:
        """Through the office settings: validated and audited like every other setting."""
        self._office().update_settings({"backup_dir": str(folder)})

    def set_keep(self, count: int) -> None:
        self._office().update_settings({"backup_keep": int(count)})

    def _office(self) -> "OfficeService":
        from app.office.service import OfficeService

        return OfficeService(self.db, self.user)
