"""`xinfang user list|add|passwd|role`: accounts from the command line.

Whoever can run commands on this PC can read the database file anyway, so the command line
needs no login; it is also the way back in when the only administrator forgot the password.
"""

import argparse
import getpass
import sys

from app.cli.context import Context, UsageError
from app.safety import auth
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
    add.set_defaults(func=run_add)
    pw = us.add_parser("passwd", help="重设密码（忘记管理员密码时用）")
    pw.add_argument("username")
    pw.set_defaults(func=run_passwd)
    role = us.add_parser("role", help="修改角色或停用账号")
    role.add_argument("username")
    role.add_argument("role", choices=list(auth.ROLES))
    role.add_argument("--disable", action="store_true", help="停用这个账号")
    role.set_defaults(func=run_role)


def _password() -> str:
    """Typed twice without echo; from stdin when it is not a terminal (scripts, tests)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise UsageError("两次输入的密码不一致，未做修改。")
    return first


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    users = AuthService(ctx.db(), ctx.user).users()
    for u in users:
        state = "可用" if u.active else "已停用"
        print(f"{u.username}\t{u.display_name}\t{u.role}\t{state}\t连续输错 {u.failed_attempts} 次")
    print(f"共 {len(users)} 个账号。")
    return 0


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    service = AuthService(ctx.db(), ctx.user)
    password = _password()
    if service.needs_setup() and args.role == auth.ADMIN:
        service.create_first_admin(args.username, password, args.name)
    else:
        service.add_user(args.username, password, args.role, args.name)
    print(f"已添加账号：{args.username}（{args.role}）")
    return 0


def run_passwd(ctx: Context, args: argparse.Namespace) -> int:
    AuthService(ctx.db(), ctx.user).set_password(args.username, _password())
    print(f"已重设 {args.username} 的密码，输错次数已清零。")
    return 0


def run_role(ctx: Context, args: argparse.Namespace) -> int:
    AuthService(ctx.db(), ctx.user).set_role(args.username, args.role, active=not args.disable)
    print(f"{args.username}：{args.role}{'，已停用' if args.disable else ''}")
    return 0
