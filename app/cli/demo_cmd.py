"""`xinfang demo --cases N [--seed S] [--years 2024-2026]`."""

import argparse

from app.cases import demo
from app.cli.context import Context, UsageError
from app.cli.progress import ProgressLine


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="生成演示数据")
    p.add_argument("--cases", type=int, default=1000, help="信访件数量（默认 1000）")
    p.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
    p.add_argument("--years", help="年份范围，如 2024-2026（默认最近三年）")
    p.set_defaults(func=run)


def parse_years(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        first, _, last = text.partition("-")
        years = (int(first), int(last or first))
    except ValueError:
        raise UsageError(f"年份范围“{text}”格式不对，应为 2024-2026。") from None
    if years[0] > years[1] or years[0] < 2000:
        raise UsageError(f"年份范围“{text}”无效。")
    return years


def run(ctx: Context, args: argparse.Namespace) -> int:
    if not 1 <= args.cases <= 1_000_000:
        raise UsageError("--cases 应在 1 至 1000000 之间。")

    progress = ProgressLine("已生成 {done}/{total} 件")
    result = demo.generate(ctx.db(), args.cases, args.seed, parse_years(args.years), progress)
    progress.finish()
    print(
        f"已生成演示数据：信访件 {result.cases} 件，信访人 {result.petitioners} 人，"
        f"办理记录 {result.events} 条，用时 {result.seconds:.1f} 秒。"
    )
    return 0
