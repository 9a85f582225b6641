"""The `xinfang` command. Each sub-command lives in its own module and registers itself here."""

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence

from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError

from app import logging_setup
from app.cli import gui_cmd
from app.cli.context import Context, UsageError, take_correction_reason
from app.errors import DomainError, explain
from app.periods import guard
from app.safety import crypto

# Sub-command name → the module that registers it (its `register(subparsers)`).
# Modules are imported only when their command runs: `xinfang` opening the window should not
# pay for Word, Excel and backup code at start-up.
COMMANDS = {
    "gui": "app.cli.gui_cmd",
    "demo": "app.cli.demo_cmd",
    "case": "app.cli.case_cmd",
    "backup": "app.cli.backup_cmd",
    "restore": "app.cli.backup_cmd",
    "check": "app.cli.backup_cmd",
    "ledger": "app.cli.ledger_cmd",
    "report": "app.cli.report_cmd",
    "doc": "app.cli.doc_cmd",
    "settings": "app.cli.settings_cmd",
    "selftest": "app.cli.selftest_cmd",
    "stats": "app.cli.stats_cmd",
    "user": "app.cli.user_cmd",
    "decrypt": "app.cli.user_cmd",
    "unit": "app.cli.unit_cmd",
    "supervision": "app.cli.supervision_cmd",
    "alerts": "app.cli.supervision_cmd",
    "period": "app.cli.period_cmd",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"命令参数有误：{message}（用 --help 查看用法）")


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="数据文件夹（默认：系统用户数据目录；也可用环境变量 XINFANG_DATA_DIR）",
    )
    parser.add_argument(
        "--user",
        dest="account",
        metavar="NAME",
        help="以这个账号操作（数据库加密后必需；也可用环境变量 XINFANG_USER，"
        "密码在提示时输入或用 XINFANG_PASSWORD）",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="连接单位的 PostgreSQL 服务器：postgresql://账号@服务器:端口/数据库名（不含密码；"
        "也可用环境变量 XINFANG_DATABASE_URL；默认使用本机的数据库文件）",
    )
    parser.add_argument(
        "--demo", dest="demo_global", action="store_true", help="打开演示数据库（同 gui --demo）"
    )
    parser.add_argument(  # taken out by take_correction_reason before parsing; here for --help
        "--correction-reason",
        metavar="说明",
        help="更正说明：修改已封账期间的数字时必填（任何写入命令都可加，写在命令行任意位置）",
    )


def _command_of(args: list[str]) -> str | None:
    """The sub-command the command line names ("gui" when it names none); None = unsure."""
    if "-h" in args or "--help" in args:
        return None
    pre = argparse.ArgumentParser(add_help=False)
    _global_options(pre)
    try:
        _, rest = pre.parse_known_args(args)
    except SystemExit:
        return None
    first = next((a for a in rest if not a.startswith("-")), "gui")
    return first if first in COMMANDS else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (`only`) one that knows just that sub-command."""
    parser = _Parser(prog="xinfang", description="信访工作台：信访登记、期限、统计、报告与台账。")
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    modules = [COMMANDS[only]] if only else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging_setup.safe_std_streams()
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args_list, correction = take_correction_reason(args_list)
        args = build_parser(_command_of(args_list)).parse_args(args_list)
        ctx = Context(args.data_dir, args.account, args.database_url)
        if args.command is None:  # plain `xinfang [--demo]` opens the window
            args = argparse.Namespace(demo=args.demo_global, smoke=False, func=gui_cmd.run)
        try:
            with guard.correcting(correction):
                return int(args.func(ctx, args) or 0)
        finally:
            ctx.close()
    except (DomainError, UsageError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `xinfang case list | head`: the reader left; stop quietly like other shell tools.
        sys.stderr.close()
        return 141
    except (
        sqlite3.DatabaseError,
        SQLAlchemyDatabaseError,
        OSError,
    ) + crypto.database_errors() as exc:
        # Locked, full, read-only or damaged: the right next step, never the SQL or its values.
        message = explain(exc)
        if message is None:
            raise
        print(f"错误：{message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
