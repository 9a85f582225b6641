"""The `xinfang` command. Each sub-command lives in its own module and registers itself here."""

import argparse
import sqlite3
import sys
from collections.abc import Sequence

from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError

from app.cli import (
    backup_cmd,
    case_cmd,
    demo_cmd,
    doc_cmd,
    gui_cmd,
    ledger_cmd,
    report_cmd,
    selftest_cmd,
    settings_cmd,
    stats_cmd,
    user_cmd,
)
from app.cli.context import Context, UsageError
from app.errors import DomainError

# Modules with `register(subparsers)`; later features add theirs to this list.
COMMANDS = [
    gui_cmd,
    demo_cmd,
    case_cmd,
    backup_cmd,
    ledger_cmd,
    report_cmd,
    doc_cmd,
    settings_cmd,
    selftest_cmd,
    stats_cmd,
    user_cmd,
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"命令参数有误：{message}（用 --help 查看用法）")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xinfang", description="信访工作台：信访登记、期限、统计、报告与台账。")
    parser.add_argument("--data-dir", metavar="DIR", help="数据文件夹（默认：系统用户数据目录；也可用环境变量 XINFANG_DATA_DIR）")  # fmt: skip
    parser.add_argument("--demo", dest="demo_global", action="store_true", help="打开演示数据库（同 gui --demo）")  # fmt: skip
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
        ctx = Context(args.data_dir)
        if args.command is None:  # plain `xinfang [--demo]` opens the window
            args = argparse.Namespace(demo=args.demo_global, smoke=False, func=gui_cmd.run)
        try:
            return int(args.func(ctx, args) or 0)
        finally:
            ctx.close()
    except (DomainError, UsageError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except (sqlite3.DatabaseError, SQLAlchemyDatabaseError) as exc:
        # Damage found mid-command (the start-up check only reads the header and schema).
        print(f"错误：数据库读写出错（{exc}）。请运行 xinfang check 检查数据库，必要时从备份恢复。", file=sys.stderr)  # fmt: skip
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
