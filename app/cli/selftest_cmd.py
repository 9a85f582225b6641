"""`xinfang selftest [--keep]`: check an installed copy end to end in a temporary data folder."""

import argparse
import sys
import time

from app.cli.context import Context
from app.selftest import StepResult, run_selftest


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "selftest",
        help="自检：在临时文件夹中试运行迁移、登记办理、统计、模板、台账和备份（不动正式数据）",
    )
    p.add_argument("--keep", action="store_true", help="保留临时文件夹（查看生成的文档和台账）")
    p.set_defaults(func=run)


def _show(step: StepResult) -> None:
    mark = "通过" if step.ok else "失败"
    print(f"[{mark}] {step.name}：{step.detail}（{step.seconds:.2f} 秒）", flush=True)


def run(ctx: Context, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    # `--database-url` (or XINFANG_DATABASE_URL, server.json): the server is checked too.
    report = run_selftest(keep=args.keep, on_step=_show, server_url=ctx.database_url)
    seconds = time.perf_counter() - started
    if args.keep:
        print(f"临时文件夹已保留：{report.folder}")
    if report.ok:
        print(f"自检通过：{len(report.steps)} 项全部通过（{seconds:.1f} 秒）。")
        return 0
    names = "、".join(s.name for s in report.failed)
    print(f"自检未通过：{len(report.failed)} 项失败（{names}）。", file=sys.stderr)
    return 1
