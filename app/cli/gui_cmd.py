"""`xinfang [gui] [--demo]`: open the main window."""

import argparse

from app import paths
from app.cli.context import Context

NAMES = {"gui"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("gui", help="打开信访工作台窗口（默认）")
    p.add_argument("--demo", action="store_true", help="使用单独的演示数据库（首次使用时自动生成）")
    p.add_argument("--smoke", action="store_true", help="启动后立即退出并打印启动耗时（测试用）")
    p.set_defaults(func=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    if args.demo:
        paths.set_data_dir(paths.demo_data_dir())
    # Qt is imported only here, so the rest of the command never loads it.
    from ui.main import run_gui

    return run_gui(smoke=args.smoke, demo=args.demo)
