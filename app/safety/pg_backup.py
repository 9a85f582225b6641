"""Backups of a PostgreSQL server database with the server's own tools (issue 20).

`pg_dump -Fc` writes one archive into the folder the administrator chooses; `pg_restore --clean
--single-transaction` puts one back into the same database, all or nothing, and only while no
other clerk is connected (counted in `pg_stat_activity` by the `xinfang:<computer>` application
name app/db.py gives every connection). The password never goes on a command line: the child
gets it in its own PGPASSWORD. A dump holds personal data in clear (§9): it goes only where the
administrator chooses, and the page and the command line say so.
"""

import datetime as dt
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from app import migrate, paths
from app.db import Database, computer_from_tag, describe_url
from app.errors import DatabaseTooNew, DomainError
from app.safety import auth

PREFIX = "服务器备份-"
SUFFIX = ".dump"
STAMP = "%Y%m%d-%H%M%S"
_STAMP_RE = re.compile(r"(\d{8}-\d{6})")
CLEAR_TEXT = (
    "备份文件中的个人信息（姓名、身份证号、电话、住址）没有加密，请只存放在单位指定的安全位置"
    "（加密U盘或服务器的备份盘），不要放在共享文件夹或个人电脑上。"
)
NO_TOOLS = (
    "本电脑上没有 PostgreSQL 的 pg_dump / pg_restore 工具，程序不能备份服务器数据库。"
    "服务器数据库的备份由单位负责：请单位的数据库管理员在服务器上定期备份，例如每天一次："
    "pg_dump -Fc -f 信访-日期.dump {database}；恢复：pg_restore --clean --if-exists "
    "--single-transaction -d {database} 信访-日期.dump。" + CLEAR_TEXT
)
# The application name of this module's own connections: not a clerk, so not counted.
OWN_APP = "xinfang-backup"


class BackupCancelled(DomainError):
    def __init__(self) -> None:
        super().__init__("已取消备份，没有留下备份文件。")


@dataclass(frozen=True)
class ServerBackupInfo:
    path: Path
    made_at: dt.datetime
    size: int
    cases: int | None = None  # counted when the dump was made (None for a listed file)


@dataclass(frozen=True)
class ServerRestoreResult:
    restored_from: Path
    revision: str
    cases: int


def find_tool(name: str) -> Path | None:
    """`pg_dump` / `pg_restore`: next to the program (a bundle may ship them), else on PATH."""
    exe = name + (".exe" if os.name == "nt" else "")
    for folder in (paths.program_dir(), paths.program_dir() / "pgsql" / "bin"):
        if (folder / exe).is_file():
            return folder / exe
    found = shutil.which(name)
    return Path(found) if found else None


def tools_available() -> bool:
    return find_tool("pg_dump") is not None and find_tool("pg_restore") is not None


def no_tools_text(db: Database) -> str:
    assert db.url is not None
    return NO_TOOLS.format(database=db.url.database)


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """The connection as options and the child's own environment (password, sslmode)."""
    args: list[str] = []
    query = dict(url.query)
    host = url.host or str(query.get("host") or "")
    if host:
        args += ["--host", host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    if query.get("sslmode"):
        env["PGSSLMODE"] = str(query["sslmode"])
    env["PGCONNECT_TIMEOUT"] = "10"
    env["PGAPPNAME"] = OWN_APP
    return args, env


def _run(
    cmd: list[str],
    env: dict[str, str],
    cancelled: Callable[[], bool] | None = None,
    tick: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool, polling so a cancel stops it; stderr kept for the message."""
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace"
    )
    try:
        while proc.poll() is None:
            if cancelled is not None and cancelled():
                raise BackupCancelled()
            if tick is not None:
                tick()  # may raise too (a progress object that was cancelled)
            time.sleep(0.1)
    except BaseException:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    out, err = proc.communicate()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _why(err: str) -> str:
    lines = [ln.strip() for ln in err.strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else "原因不明")[:300]


def _tool(name: str) -> str:
    tool = find_tool(name)
    if tool is None:
        raise DomainError(NO_TOOLS.format(database="数据库名"))
    return str(tool)


def _count_cases(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM cases WHERE NOT voided")).scalar() or 0)


def make_backup(
    db: Database,
    folder: Path,
    now: dt.datetime | None = None,
    progress: Callable[[int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ServerBackupInfo:
    """`pg_dump -Fc` into `folder` as 服务器备份-<time>.dump, written under a temporary name,
    read back with `pg_restore --list` (a whole archive of this program's tables), then
    renamed into place. A cancel or a failure leaves no file."""
    assert db.url is not None
    now = (now or dt.datetime.now()).replace(microsecond=0)
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DomainError(
            f"备份文件夹“{folder}”无法使用（{exc.strerror or exc}）。请确认U盘或共享盘已连接。"
        ) from None
    target = folder / f"{PREFIX}{now.strftime(STAMP)}{SUFFIX}"
    n = 2
    while target.exists():
        target = folder / f"{PREFIX}{now.strftime(STAMP)}-{n}{SUFFIX}"
        n += 1
    part = target.with_name(target.name + ".part")
    cases = _count_cases(db)
    args, env = _libpq(db.url)

    def tick() -> None:
        if progress is not None:
            size = part.stat().st_size if part.exists() else 0
            progress(size, f"正在备份服务器数据库…已写入 {size / 1_048_576:.1f} MB")

    cmd = [_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(part), *args, str(db.url.database)]
    try:
        done = _run(cmd, env, cancelled, tick)
        if done.returncode != 0:
            raise DomainError(
                f"备份没有完成（pg_dump：{_why(done.stderr)}）。没有留下备份文件，"
                "请检查与服务器的连接和账号权限。"
            )
        archive_problem(part)
        os.replace(part, target)
    except OSError as exc:
        raise DomainError(
            f"备份没有写成（{exc.strerror or exc}）：{target}。请检查磁盘空间和文件夹权限。"
        ) from None
    finally:
        part.unlink(missing_ok=True)
    return ServerBackupInfo(target, now, target.stat().st_size, cases)


def _listing(path: Path) -> str:
    done = _run([_tool("pg_restore"), "--list", str(path)], dict(os.environ))
    if done.returncode != 0:
        raise DomainError(
            f"“{path.name}”不是完整的服务器备份文件（{_why(done.stderr)}），不能用来恢复。"
        )
    return done.stdout


def archive_problem(path: Path) -> None:
    """Refuse an archive that is not a whole dump of this program's database."""
    listing = _listing(path)
    for table in ("cases", "audit_log", "users", "alembic_version"):
        if not re.search(rf"TABLE DATA public {table} ", listing):
            raise DomainError(
                f"“{path.name}”不是信访工作台服务器数据库的备份（缺少数据表 {table}），"
                "不能用来恢复。"
            )


def archive_revision(path: Path) -> str:
    """The schema revision inside a dump (its alembic_version row), without restoring it."""
    done = _run(
        [_tool("pg_restore"), "--data-only", "--table", "alembic_version", "-f", "-", str(path)],
        dict(os.environ),
    )
    found = re.search(r"^COPY public\.alembic_version.*?;\n(.+?)\n\\\.", done.stdout, re.M | re.S)
    if done.returncode != 0 or not found:
        raise DomainError(f"“{path.name}”中没有结构版本，不是信访工作台的备份，不能用来恢复。")
    return found.group(1).strip()


def list_backups(folder: Path) -> list[ServerBackupInfo]:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        return []
    found = []
    for p in folder.glob(f"*{SUFFIX}"):
        if not p.is_file():
            continue
        st = p.stat()
        m = _STAMP_RE.search(p.name)
        try:
            made = dt.datetime.strptime(m.group(1), STAMP) if m else None
        except ValueError:
            made = None
        made = made or dt.datetime.fromtimestamp(st.st_mtime).replace(microsecond=0)
        found.append(ServerBackupInfo(p, made, st.st_size))
    return sorted(found, key=lambda b: (b.made_at, b.path.name), reverse=True)


def _admin_engine(url: URL):  # type: ignore[no-untyped-def]
    # Its own connection, not the clerk's pool, with a name that is not counted as a clerk.
    return create_engine(
        url, poolclass=NullPool, connect_args={"application_name": OWN_APP, "connect_timeout": 10}
    )


def other_clerks(db: Database) -> list[str]:
    """The computers (from `xinfang:<computer>`) with a connection to this database other than
    this process's own pool; call after `Database.quiesce` has closed that pool."""
    assert db.url is not None
    engine = _admin_engine(db.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT application_name, client_addr FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND application_name LIKE 'xinfang:%' ORDER BY application_name"
                )
            ).all()
    finally:
        engine.dispose()
    names = []
    for app_name, addr in rows:
        tag = computer_from_tag(str(app_name).split(":", 1)[1])
        name = tag or (str(addr) if addr else "未知电脑")
        names.append(name)
    return list(dict.fromkeys(names))


def clerks_connected_message(computers: list[str]) -> str:
    return (
        f"还有 {len(computers)} 台电脑连接着服务器数据库（{'、'.join(computers)}）。"
        "恢复会让他们已经保存和正在保存的数据丢失，所以没有恢复，数据库未做改动。"
        "请他们先退出信访工作台（窗口和命令），再恢复。"
    )


def restore(db: Database, path: Path) -> ServerRestoreResult:
    """Put a dump back into the same database: checked first, refused while another clerk is
    connected, then `pg_restore --clean --if-exists --single-transaction` (all or nothing),
    then the schema brought to head. Call with this process's pool quiesced."""
    assert db.url is not None
    path = Path(path).expanduser()
    if not path.is_file():
        raise DomainError(f"找不到备份文件：{path}")
    archive_problem(path)
    revision = archive_revision(path)
    if revision not in migrate.known_revisions():
        raise DatabaseTooNew(
            f"备份文件“{path.name}”由更新版本的信访工作台创建，本程序无法使用。请先安装最新版本。"
        )
    others = other_clerks(db)
    if others:
        raise DomainError(clerks_connected_message(others))
    args, env = _libpq(db.url)
    cmd = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        *args,
        "--dbname",
        str(db.url.database),
        str(path),
    ]
    done = _run(cmd, env)
    if done.returncode != 0:
        raise DomainError(
            f"恢复没有完成（pg_restore：{_why(done.stderr)}），数据库未做改动（恢复在一个事务中进行）。"
        )
    migrate.upgrade_server(db.url)  # a dump of an older version comes to the current schema
    return ServerRestoreResult(path, revision, _count_cases(db))


class ServerBackupService:
    """The checked entry point on a server, as BackupService is for a file."""

    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        self.user = user

    @property
    def where(self) -> str:
        assert self.db.url is not None
        return describe_url(self.db.url)

    def tools(self) -> bool:
        return tools_available()

    def no_tools_text(self) -> str:
        return no_tools_text(self.db)

    def backups(self, folder: Path) -> list[ServerBackupInfo]:
        auth.require(self.user, "view_case")
        return list_backups(folder)

    def make(
        self,
        folder: Path,
        progress: Callable[[int, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ServerBackupInfo:
        auth.require(self.user, "backup")
        return make_backup(self.db, folder, progress=progress, cancelled=cancelled)

    def restore(self, path: Path) -> ServerRestoreResult:
        """This process's sessions are waited for and its pool closed first (so its own
        connections are not counted as other clerks'); it accepts sessions again after."""
        auth.require(self.user, "restore")
        self.db.quiesce()
        try:
            return restore(self.db, path)
        finally:
            self.db.resume()
