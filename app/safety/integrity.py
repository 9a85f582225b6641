"""Is the database file sound? (issue 7 §2)

`ensure_usable` runs before the database is opened: a file that is not a database, or a
damaged one, gets a clear Chinese message that says how to restore — never a traceback.
`health` is the full report behind `xinfang check`.
"""

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from app import migrate, paths
from app.attachments import copies
from app.attachments.service import store_for
from app.errors import DomainError
from app.safety import backup, backup_check, crypto, network_drive, recovery


class DatabaseDamaged(DomainError):
    """The database file cannot be used; the message says how to restore it."""


class DatabaseMissing(DatabaseDamaged):
    """The database file is gone although copies of it exist: a new empty one would hide
    every case (issue 16 item 3), so the clerk is told how to restore instead."""


def _known_copies(db_path: Path) -> list[Path]:
    folder = paths.backups_dir(db_path.parent)
    if not folder.is_dir():
        return []
    return [p for p in folder.glob(f"*{backup.SUFFIX}") if p.is_file() and p.stat().st_size > 0]


def _restore_advice(db_path: Path) -> str:
    copies = [
        b for b in backup.list_backups(paths.backups_dir(db_path.parent)) if b.cases is not None
    ]
    lines = ["数据库文件没有被改动。可以从备份恢复："]
    if copies:
        newest = copies[0]
        lines.append(
            f"  最近的备份：{newest.path}（{newest.made_at:%Y-%m-%d %H:%M}，信访件 {newest.cases} "
            "件）"
        )
        lines.append(f'  恢复命令：xinfang restore "{newest.path}"')
    else:
        lines.append(f"  在 {paths.backups_dir(db_path.parent)} 中没有找到备份；")
        lines.append("  如果备份在U盘或共享盘上，请运行：xinfang restore 备份文件路径")
    lines.append("恢复前，当前文件会先另存一份。请不要删除它，技术支持可能还能从中找回数据。")
    return "\n".join(lines)


def _damaged(db_path: Path, what: str) -> DatabaseDamaged:
    return DatabaseDamaged(f"{what}\n文件：{db_path}\n\n{_restore_advice(db_path)}")


def ensure_usable(db_path: Path, quick: bool = False) -> None:
    """Raise DatabaseDamaged when `db_path` is not a usable 信访工作台 database.

    Without `quick` this costs a millisecond (header and schema read); with it, SQLite's
    `PRAGMA quick_check` also reads every page (the check at program start).
    A missing or empty file is fine (it becomes a new database) unless backups of it exist.
    """
    if not db_path.exists():
        if _known_copies(db_path):
            raise DatabaseMissing(
                f"数据库文件不见了（被删除、移走，或上次恢复被中断）。\n文件：{db_path}\n\n"
                + _restore_advice(db_path)
                + "\n如果确实要从空数据库重新开始，请先把 backups 文件夹移到别处。"
            )
        return
    if db_path.stat().st_size == 0:
        return
    try:
        with open(db_path, "rb") as f:
            header = f.read(16)
    except OSError as exc:
        raise DomainError(f"无法读取数据库文件 {db_path}（{exc.strerror or exc}）。") from None
    if header != backup.SQLITE_HEADER and crypto.is_encrypted(db_path):
        if crypto.key_for(db_path) is None:
            raise crypto.Locked("数据库已加密，请先登录（命令行用 --user 账号名）。")
    elif header != backup.SQLITE_HEADER:
        raise _damaged(
            db_path,
            "数据库文件已损坏，或者不是信访工作台的数据库文件（若是加密的数据库而密钥文件丢失，"
            "可用恢复密钥打开：xinfang user recover --recovery-key-file 文件）。",
        )
    try:
        conn = crypto.connect(db_path)
        try:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if tables and not tables & {"alembic_version", "cases"}:
                raise _damaged(db_path, "这个文件是数据库，但不是信访工作台的数据库。")
            if quick:
                problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    raise _damaged(
                        db_path, "数据库文件已损坏（检查发现：" + "；".join(problems[:3]) + "）。"
                    )
        finally:
            conn.close()
    except crypto.WrongKey:
        raise crypto.Locked("数据库已加密，当前密钥不能打开它，请重新登录。") from None
    except UnicodeDecodeError:  # damaged bytes inside the schema itself (item 4)
        raise _damaged(db_path, "数据库文件已损坏（结构信息无法读取）。") from None
    except crypto.operational_errors() as exc:
        if "malformed" in str(exc) or "not a database" in str(exc):
            raise _damaged(db_path, f"数据库文件已损坏，无法打开（{exc}）。") from None
        # locked, no permission…: the file may be fine
        raise DomainError(f"无法打开数据库文件 {db_path}（{exc}）。") from None
    except crypto.database_errors() as exc:  # "file is not a database", "malformed"
        raise _damaged(db_path, f"数据库文件已损坏，无法打开（{exc}）。") from None


OK, NOTE, BAD = "正常", "注意", "错误"


@dataclass
class HealthItem:
    label: str
    value: str
    state: str = OK  # 正常 / 注意 (advice) / 错误 (the database needs repair)


@dataclass
class Health:
    path: Path
    items: list[HealthItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False when the database itself is damaged or unusable (advice does not count)."""
        return all(i.state != BAD for i in self.items)

    def add(self, label: str, value: str, state: str = OK) -> None:
        self.items.append(HealthItem(label, value, state))


def _counts(conn: sqlite3.Connection) -> str:
    def n(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    return (
        f"信访件 {n('SELECT count(*) FROM cases WHERE voided = 0')} 件"
        f"（另有作废 {n('SELECT count(*) FROM cases WHERE voided = 1')} 件），"
        f"信访人 {n('SELECT count(*) FROM petitioners')} 人，"
        f"办理记录 {n('SELECT count(*) FROM events')} 条，"
        f"审计记录 {n('SELECT count(*) FROM audit_log')} 条，"
        f"账号 {n('SELECT count(*) FROM users')} 个"
    )


def _audit_items(report: Health, conn: sqlite3.Connection) -> None:
    """The audit chain and the accounts against it (item 10): a row edited or deleted, or a
    role changed in a database tool, is reported; nothing here changes the file."""
    broken = backup_check.audit_problem(conn)
    report.add(
        "审计记录", f"校验不通过：{broken}" if broken else "校验链完整", BAD if broken else OK
    )
    accounts = backup_check.accounts_problem(conn)
    if accounts:
        report.add("账号", f"{accounts}（可能有人绕过程序直接改动了数据库）", BAD)


def _attachment_items(report: Health, conn: sqlite3.Connection, db_path: Path) -> None:
    """Every attachment's file read and hashed (docs/rules.md, 附件): missing or altered ones
    are named by case. The database itself is sound; the files are restored from a backup."""
    want = copies.needed(conn)
    if not want.holders:
        return
    found = copies.check_store(want, store_for(db_path))
    if not found.missing and not found.altered:
        report.add("附件", f"{found.total} 个文件，内容校验一致")
        return
    parts = []
    if found.missing:
        parts.append(f"缺少 {len(found.missing)} 个文件：{want.describe(found.missing)}")
    if found.altered:
        parts.append(f"{len(found.altered)} 个文件内容被改动：{want.describe(found.altered)}")
    report.add(
        "附件",
        f"共 {found.total} 个文件，" + "；".join(parts) + "。可从备份恢复（备份中的“附件”文件夹）",
        BAD,
    )


def _interrupted(db_path: Path) -> list[tuple[str, str, str]]:
    """A killed upgrade or restore the next start will finish (reported, never done here)."""
    found = []
    if recovery.marker_path(db_path, recovery.UPGRADE_MARKER).exists():
        found.append(("结构升级", "上次升级被中断，下次打开时会自动完成（数据未丢失）", NOTE))
    if recovery.marker_path(db_path, recovery.RESTORE_MARKER).exists():
        found.append(("恢复", "上次恢复被中断，下次打开时会自动完成", NOTE))
    return found


def health(db_path: Path, backup_folder: Path | None = None) -> Health:
    """The full report of `xinfang check`: integrity, schema, contents, backups, location."""
    report = Health(db_path)
    if not db_path.exists():
        if _known_copies(db_path):
            report.add("数据库文件", f"{db_path} 不存在，但有它的备份：请从备份恢复", BAD)
        else:
            report.add("数据库文件", f"{db_path} 不存在（首次启动时会新建）", NOTE)
        for item in _interrupted(db_path):
            report.add(*item)
        return report
    wal = db_path.with_name(db_path.name + "-wal")
    size = db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    report.add("数据库文件", f"{db_path}（{size / 1_048_576:.1f} MB）")
    try:
        ensure_usable(db_path)
        conn = crypto.connect(db_path)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            report.add(
                "完整性检查",
                "正常" if problems == ["ok"] else "发现问题：" + "；".join(problems[:5]),
                OK if problems == ["ok"] else BAD,
            )
            orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
            report.add(
                "关联检查",
                "正常" if not orphans else f"{len(orphans)} 处引用了不存在的记录",
                BAD if orphans else OK,
            )
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            report.add("日志模式", f"{mode}" + ("" if mode == "wal" else "（打开时会设为 WAL）"))
            current = migrate.current_revision(db_path)
            head = migrate.head_revision()
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            missing = backup_check.schema_problem(conn, tables, current)
            if missing:
                report.add("结构版本", f"{current or '无'}：{missing}", BAD)
            elif current == head:
                differences = migrate.schema_differences(db_path)
                if differences:
                    # e.g. an index an old, killed upgrade left behind or never made (item 2)
                    report.add(
                        "结构版本", f"{current}，但有 {len(differences)} 处与程序不一致", BAD
                    )
                else:
                    report.add("结构版本", f"{current}（最新）")
            else:
                report.add("结构版本", f"{current or '无'}，本程序为 {head}（打开时会自动升级）")
            if "cases" in tables:
                report.add("数据", _counts(conn))
            if not missing:
                _audit_items(report, conn)
                _attachment_items(report, conn, db_path)
        finally:
            conn.close()
    except crypto.Locked as exc:  # encrypted and not unlocked: not a fault of the file
        report.add("完整性检查", exc.message, NOTE)
    except DomainError as exc:
        report.add("完整性检查", exc.message.split("\n")[0], BAD)
    except crypto.database_errors() as exc:
        report.add("完整性检查", f"无法读取（{exc}）", BAD)
    except UnicodeDecodeError:
        report.add("完整性检查", "数据库文件已损坏（结构信息无法读取）", BAD)
    for item in _interrupted(db_path):
        report.add(*item)
    folder = backup_folder or paths.backups_dir(db_path.parent)
    copies = [b for b in backup.list_backups(folder) if b.kind == "备份"]
    if copies:
        newest = copies[0]
        report.add("最近备份", f"{newest.made_at:%Y-%m-%d %H:%M}，共 {len(copies)} 份，在 {folder}")
    else:
        report.add("最近备份", f"{folder} 中没有备份", NOTE)
    where = network_drive.network_kind(db_path.parent)
    report.add(
        "存放位置",
        f"网络驱动器（{where}），建议放在本机硬盘" if where else "本机磁盘",
        NOTE if where else OK,
    )
    return report
