"""`xinfang [gui] [--demo]`: open the main window."""

import argparse
import sys
from pathlib import Path

from app import logging_setup, paths
from app.cli.context import Context
from app.errors import DomainError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="打开信访工作台窗口（默认）")
    p.add_argument("--demo", action="store_true", help="使用单独的演示数据库（首次使用时自动生成）")
    p.add_argument("--smoke", action="store_true", help="启动后立即退出并打印启动耗时（测试用）")
    p.set_defaults(func=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    if args.demo:
        paths.set_data_dir(paths.demo_data_dir())
    try:
        # Qt is imported only here, so the rest of the command never loads it.
        from ui.main import run_gui

        return run_gui(smoke=args.smoke, demo=args.demo, database_url=ctx.database_url)
    except DomainError as exc:
        _tell_start_failure(exc.message, None)
        return 1
    except Exception as exc:  # noqa: BLE001 (the windowed program has no console for a traceback)
        log = logging_setup.log_unexpected(exc, "启动")
        _tell_start_failure(f"程序内部出错（{exc}）。已保存的数据不受影响。", log)
        return 1


def _tell_start_failure(message: str, log: Path | None) -> None:
    """In Chinese, on stderr (the log, for the windowed program) and in a message box when Qt
    itself still loads: never a traceback or PyInstaller's English box."""
    where = f"详细信息已写入日志：{log}" if log else ""
    print(f"错误：信访工作台无法启动。{message}{where}", file=sys.stderr)
    try:
        from ui.errors import show_start_failure
    except Exception:  # noqa: BLE001 (Qt itself is broken: stderr and the log must do)
        return
    show_start_failure(message, log)
