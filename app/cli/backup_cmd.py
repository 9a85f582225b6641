"""`xinfang backup [--out FILE]`, `xinfang restore FILE`, `xinfang check`."""

import argparse
import json
import sqlite3
import sys
from pathlib import Path

from app import paths
from app.cli.context import Context, UsageError, account_password
from app.errors import DomainError
from app.safety import auth, backup, crypto, files, integrity
from app.safety.instance_lock import AlreadyRunning, InstanceLock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="立即备份数据库（校验后保存，按设置保留最近几份）")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="备份到指定文件（不参与轮换）；默认存入备份文件夹。服务器数据库：备份到这个文件夹",
    )
    p.set_defaults(func=run_backup)

    r = sub.add_parser("restore", help="用备份文件恢复数据库（当前数据库会先另存一份）")
    r.add_argument("file", metavar="FILE", help="备份文件")
    r.add_argument("--yes", action="store_true", help="不再询问，直接恢复")
    r.add_argument(
        "--recovery-key-file",
        metavar="FILE",
        help="备份已加密且账号密码打不开它时：用保存恢复密钥的文件",
    )
    r.set_defaults(func=run_restore)

    c = sub.add_parser("check", help="检查数据库是否完好，并报告数据量、备份和存放位置")
    c.set_defaults(func=run_check)


def _server_backup(ctx: Context, args: argparse.Namespace) -> int:
    """On a server (issue 20): pg_dump -Fc into --out (a folder, or a .dump file's folder),
    else the backup folder setting, else the data folder's backups/ on this computer."""
    from app.safety import backup as file_backup
    from app.safety import pg_backup

    db = ctx.db()
    service = pg_backup.ServerBackupService(db, ctx.user)
    if not service.tools():
        raise DomainError(service.no_tools_text())
    if args.out:
        out = Path(args.out).expanduser()
        folder = out.parent if out.suffix.lower() == pg_backup.SUFFIX else out
    else:
        folder = file_backup.configured_folder(db)
    info = service.make(folder)
    print(
        f"已备份服务器数据库：{info.path}（信访件 {info.cases} 件，{info.size / 1_048_576:.1f} MB）"
    )
    print(f"注意：{pg_backup.CLEAR_TEXT}")
    return 0


def _server_restore(ctx: Context, args: argparse.Namespace) -> int:
    from app.safety import pg_backup

    db = ctx.db()
    service = pg_backup.ServerBackupService(db, ctx.user)
    auth.require(ctx.user, "restore")
    if not service.tools():
        raise DomainError(service.no_tools_text())
    source = Path(args.file).expanduser()
    if not args.yes and sys.stdin.isatty():
        print(f"将用备份 {source} 替换服务器数据库 {service.where} 中的全部数据。")
        print("恢复前请确认其他电脑都已退出信访工作台；此后录入的数据都会回到备份时的状态。")
        if input("确认恢复？输入 y 继续：").strip().lower() not in {"y", "yes", "是"}:
            raise UsageError("已取消，数据库未做改动。")
    result = service.restore(source)
    print(f"已从备份恢复服务器数据库：{result.restored_from}（信访件 {result.cases} 件）")
    return 0


def run_backup(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.is_server:
        return _server_backup(ctx, args)
    service = backup.BackupService(ctx.db(), ctx.user)
    info = service.make(out=Path(args.out) if args.out else None)
    print(f"已备份并校验：{info.path}（信访件 {info.cases} 件，{info.size / 1_048_576:.1f} MB）")
    if info.files_copied:  # attachments (docs/rules.md, 附件): only the new ones are copied
        print(f"附件：新复制 {info.files_copied} 个（{info.bytes_copied / 1_048_576:.1f} MB）")
    if info.note:
        print(f"注意：{info.note}")
    return 0


def run_restore(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.is_server:
        return _server_restore(ctx, args)
    source = Path(args.file).expanduser()
    # The database may be damaged, so it is not opened: the module function restores, after
    # the same check BackupService.restore makes.
    auth.require(ctx.user, "restore")
    lock = InstanceLock(paths.data_dir())
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        raise DomainError(exc.message + "\n请先关闭信访工作台窗口，再恢复数据。") from None
    try:
        # Signed in to an encrypted database: this process's own connections close first.
        ctx.release_db()
        cases = _check_encrypted_backup(source, ctx, args)
        db_path = paths.database_path()
        if not args.yes and sys.stdin.isatty():
            print(f"将用备份 {source}（信访件 {cases} 件）替换当前数据库 {db_path}。")
            print("当前数据库会先另存到 backups 文件夹（恢复前-…）。")
            if input("确认恢复？输入 y 继续：").strip().lower() not in {"y", "yes", "是"}:
                raise UsageError("已取消，数据库未做改动。")
        result = backup.restore(db_path, source)
        ctx.db()  # opens the restored file: an older schema is upgraded now
    finally:
        lock.release()
    if result.kept_aside:
        print(f"原数据库已另存为：{result.kept_aside}")
    print(f"已从备份恢复：{result.restored_from}（信访件 {result.cases} 件）")
    return 0


def _check_encrypted_backup(source: Path, ctx: Context, args: argparse.Namespace) -> int:
    """check_backup_file; an encrypted backup this process has no key for is opened with a
    password valid for that backup (the same account's at the time), or the recovery key."""
    try:
        return backup.check_backup_file(source)
    except crypto.Locked as locked:
        if args.recovery_key_file:
            from app.cli.user_cmd import read_recovery_key

            crypto.unlock_with_recovery(source, read_recovery_key(Path(args.recovery_key_file)))
        elif ctx.username:
            print(locked.message, file=sys.stderr)
            crypto.unlock_with_password(source, ctx.username, account_password())
        else:
            raise DomainError(
                locked.message + "\n用 --user 账号名 输入密码，或加 --recovery-key-file 文件。"
            ) from None
    return backup.check_backup_file(source)


def _backup_folder_setting(db_path: Path) -> Path | None:
    """The configured backup folder, read without creating or changing anything: `check`
    must never make a database where there is none (item 3)."""
    if not db_path.is_file():
        return None
    try:
        # Encrypted: with the key this process holds (signed in with --user), else unreadable.
        conn = crypto.connect(db_path, uri=files.sqlite_uri(db_path, mode="ro"))
        try:
            row = conn.execute("SELECT value FROM settings WHERE key = 'backup_dir'").fetchone()
        finally:
            conn.close()
        folder = str(json.loads(row[0]) or "").strip() if row and row[0] else ""
    except (sqlite3.Error, UnicodeDecodeError, ValueError, TypeError, DomainError):
        return None  # a damaged or old file still gets the report below
    except crypto.errors():
        return None
    return Path(folder).expanduser() if folder else None


def run_check(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.is_server:
        from app.safety import server_check

        _ = ctx.user  # an account, as for every command on a server
        report = server_check.health(ctx.db())
        for item in report.items:
            print(f"[{item.state}] {item.label}：{item.value}")
        print(
            "结论：数据库完好。" if report.ok else "结论：数据库有问题，请联系单位的数据库管理员。"
        )
        return 0 if report.ok else 1
    db_path = paths.database_path()
    if crypto.is_encrypted(db_path) and ctx.username:
        _ = ctx.user  # signs in: the check reads the encrypted file with its key
    report = integrity.health(db_path, _backup_folder_setting(db_path))
    for item in report.items:
        print(f"[{item.state}] {item.label}：{item.value}")
    print(
        "结论：数据库完好。"
        if report.ok
        else "结论：数据库有问题，请按上面的提示处理或从备份恢复。"
    )
    return 0 if report.ok else 1
