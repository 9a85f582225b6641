"""`xinfang user list|add|edit|passwd|role|recover` and `xinfang decrypt`: accounts from the CLI.

On a plain database the command line needs no login. Once the database is encrypted (the first
account encrypts it) the command line signs in like the window (`--user NAME`), and the way
back in when every password is lost is the recovery key (`user recover`).
"""

import argparse
import getpass
import sys
from pathlib import Path

from app import audit, paths
from app.cli.context import Context, UsageError, recovery_notice
from app.errors import DomainError
from app.safety import auth, crypto, encrypt, unlock
from app.safety.auth import AuthService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("user", help="账号：列出、添加、重设密码、修改角色")
    us = p.add_subparsers(dest="user_command", required=True)
    us.add_parser("list", help="列出账号").set_defaults(func=run_list)
    add = us.add_parser("add", help="添加账号（密码在提示时输入）")
    add.add_argument("username")
    add.add_argument(
        "--role", choices=list(auth.ROLES), default=auth.CLERK, help="角色（默认 登记员）"
    )
    add.add_argument("--name", default="", help="姓名")
    add.add_argument(
        "--department", default="", help="科室（设置“登记员只能查看和办理本科室的信访件”时用）"
    )
    add.set_defaults(func=run_add)
    edit = us.add_parser("edit", help="修改账号的姓名或科室")
    edit.add_argument("username")
    edit.add_argument("--name", default=None, help="新的姓名")
    edit.add_argument("--department", default=None, help='科室；空字符串 "" 表示不属于某个科室')
    edit.set_defaults(func=run_edit)
    pw = us.add_parser("passwd", help="重设密码（忘记管理员密码时用）")
    pw.add_argument("username")
    pw.set_defaults(func=run_passwd)
    rec = us.add_parser("recover", help="用恢复密钥找回：为管理员设置新密码（所有密码都忘记时用）")
    rec.add_argument(
        "--recovery-key-file", required=True, metavar="FILE", help="保存恢复密钥的文件"
    )
    rec.add_argument("--username", default="admin", help="要设置新密码的管理员账号（默认 admin）")
    rec.set_defaults(func=run_recover)
    add.add_argument(
        "--save-recovery-key",
        metavar="FILE",
        help="第一个账号加密数据库时，把恢复密钥另存到这个文件（如U盘上）",
    )
    role = us.add_parser("role", help="修改角色或停用账号")
    role.add_argument("username")
    role.add_argument("role", choices=list(auth.ROLES))
    role.add_argument("--disable", action="store_true", help="停用这个账号")
    role.set_defaults(func=run_role)
    register_decrypt(sub)


def _password() -> str:
    """Typed twice without echo; from stdin when it is not a terminal (scripts, tests)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise UsageError("两次输入的密码不一致，未做修改。")
    return first


def register_decrypt(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser(
        "decrypt", help="把加密的数据库另存为不加密的副本（管理员；副本含全部个人信息）"
    )
    d.add_argument("--out", required=True, metavar="FILE", help="不加密副本的文件名")
    d.set_defaults(func=run_decrypt)


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    users = AuthService(ctx.db(), ctx.user).users()
    for u in users:
        state = "可用" if u.active else "已停用"
        department = f"\t科室 {u.department}" if u.department else ""
        print(
            f"{u.username}\t{u.display_name}\t{u.role}\t{state}\t"
            f"连续输错 {u.failed_attempts} 次{department}"
        )
    print(f"共 {len(users)} 个账号。")
    return 0


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.is_server and not ctx.username:
        # A new server database: its first administrator is made without an account (there is
        # none yet); after that every command needs --user. No key file on a server.
        first = AuthService(ctx.open_for_setup(), None)
        if not first.needs_setup():
            _ = ctx.user  # the Chinese "needs an account" message
        password = _password()
        user = first.create_first_admin(args.username, password, args.name)
        print(f"已添加第一个账号：{user.username}（{auth.ADMIN}）")
        print("以后使用命令行时请加上 --user 账号名（或设置 XINFANG_USER）。")
        return 0
    service = AuthService(ctx.db(), ctx.user)
    password = _password()
    if service.needs_setup():
        # The first account of a real database is its administrator, and it encrypts the file.
        user, recovery_key = unlock.create_first_admin(ctx.db(), args.username, password, args.name)
        print(f"已添加第一个账号：{user.username}（{auth.ADMIN}）")
        print(recovery_notice(recovery_key))
        if args.save_recovery_key:
            save_recovery_key(Path(args.save_recovery_key), recovery_key)
            print(f"恢复密钥已另存到：{args.save_recovery_key}")
        print("以后使用命令行时请加上 --user 账号名（或设置 XINFANG_USER）。")
        return 0
    view = service.add_user(args.username, password, args.role, args.name, args.department)
    where = f"，{view.department}" if view.department else ""
    print(f"已添加账号：{args.username}（{args.role}{where}）")
    return 0


def run_edit(ctx: Context, args: argparse.Namespace) -> int:
    if args.name is None and args.department is None:
        raise UsageError("请给出要修改的项：--name 姓名 或 --department 科室。")
    view = AuthService(ctx.db(), ctx.user).set_details(args.username, args.department, args.name)
    print(f"{view.username}：{view.display_name}，{view.role}，科室 {view.department or '（无）'}")
    return 0


def save_recovery_key(path: Path, recovery_key: str) -> None:
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"信访工作台 恢复密钥\n{recovery_key}\n", encoding="utf-8")


def read_recovery_key(path: Path) -> str:
    try:
        lines = Path(path).expanduser().read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"无法读取恢复密钥文件 {path}（{exc.strerror or exc}）。") from None
    keys = [line.strip() for line in lines if line.count("-") >= 7]
    if not keys:
        raise UsageError(f"文件 {path} 中没有找到恢复密钥。")
    return keys[-1]


def run_recover(ctx: Context, args: argparse.Namespace) -> int:
    recovery_key = read_recovery_key(Path(args.recovery_key_file))
    password = _password()
    db = unlock.recover(paths.database_path(), recovery_key, args.username, password)
    db.close()
    print(f"已用恢复密钥打开数据库，并为管理员 {args.username} 设置了新密码。")
    return 0


def run_decrypt(ctx: Context, args: argparse.Namespace) -> int:
    auth.require(ctx.user, "accounts")  # administrators only: the copy holds everything in clear
    db = ctx.db()
    if not crypto.is_encrypted(db.path):
        raise DomainError("数据库没有加密；需要副本请用 xinfang backup --out 文件。")
    encrypt.decrypt_to(db.path, Path(args.out))
    with db.session() as s:
        audit.record(s, ctx.user.label, "导出不加密副本", "database", str(args.out))
    print(f"已另存不加密的副本：{args.out}。其中含全部个人信息，请妥善保管，用完删除。")
    return 0


def run_passwd(ctx: Context, args: argparse.Namespace) -> int:
    AuthService(ctx.db(), ctx.user).set_password(args.username, _password())
    print(f"已重设 {args.username} 的密码，输错次数已清零。")
    return 0


def run_role(ctx: Context, args: argparse.Namespace) -> int:
    AuthService(ctx.db(), ctx.user).set_role(args.username, args.role, active=not args.disable)
    print(f"{args.username}：{args.role}{'，已停用' if args.disable else ''}")
    return 0
