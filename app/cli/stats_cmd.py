"""`xinfang stats --from … --to … [--as-of …] [--json]`: the §5 figures from the statistics
service."""

import argparse
import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from app.cli.context import Context, parse_date
from app.documents.filters import cdate, change_text, num, pct
from app.periods.service import PeriodService
from app.stats.figures import RATES
from app.stats.labels import BREAKDOWN_NAMES, LABELS
from app.stats.result import change
from app.stats.service import Statistics, StatisticsService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="统计指标（总量、受理、办结、满意率及同比）")
    p.add_argument(
        "--from", dest="date_from", type=parse_date, required=True, help="统计起始日期 YYYY-MM-DD"
    )
    p.add_argument(
        "--to", dest="date_to", type=parse_date, required=True, help="统计截止日期 YYYY-MM-DD"
    )
    p.add_argument(
        "--as-of", dest="as_of", type=parse_date, help="统计时点（默认：截止日期与今天中较早者）"
    )
    p.add_argument("--json", action="store_true", help="输出 JSON（字段见 docs/rules.md, 统计）")
    p.add_argument(
        "--frozen",
        action="store_true",
        help="已封账期间：输出封账时冻结的数字（默认输出最新数据）",
    )
    p.set_defaults(func=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    if args.frozen:
        periods = PeriodService(ctx.db(), ctx.user)
        if args.json:  # exactly the JSON stored at the closing
            frozen = periods.frozen_json(args.date_from, args.date_to, args.as_of)
            print(json.dumps(frozen, ensure_ascii=False, indent=2))
            return 0
        stats = periods.frozen(args.date_from, args.date_to, args.as_of)
    else:
        stats = StatisticsService(ctx.db(), ctx.user).compute(
            args.date_from, args.date_to, args.as_of
        )
    if args.json:
        print(json.dumps(stats.to_json(), ensure_ascii=False, indent=2))
    else:
        print(table(stats))
    return 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _cell(key: str, value: Any, stats: Statistics | None) -> str:
    if key in RATES:
        text = pct(value)
        if stats is not None:
            n, d = stats.ratio(key)
            text += f"（{n}/{d}）" if d else ""
        return text
    return num(value)


def table(stats: Statistics) -> str:
    """The figures as a plain-text table: 项目 / 本期 / 上年同期 / 同比."""
    last = stats.last
    lines = [
        f"统计期：{cdate(stats.date_from)}至{cdate(stats.date_to)}（截至{cdate(stats.as_of)}）",
    ]
    if last is not None:
        lines.append(
            f"上年同期：{cdate(last.date_from)}至{cdate(last.date_to)}（截至{cdate(last.as_of)}）"
        )
    rows: list[tuple[str, str, str, str]] = [("项目", "本期", "上年同期", "同比")]
    for key, (name, unit) in LABELS.items():
        if key.startswith("workload."):
            continue
        this = stats.value(key)
        before = last.value(key) if last is not None else None
        unit_text = "" if unit == "%" else unit
        this_text = _cell(key, this, stats) + (unit_text if this is not None else "")
        last_text = (
            _cell(key, before, last) + (unit_text if before is not None else "") if last else "—"
        )
        words = change_text(this, before, _change(this, before, key), key in RATES) if last else "—"
        rows.append((name, this_text, last_text, words))
    lines += _render(rows)
    for key, title in BREAKDOWN_NAMES.items():
        lines.append("")
        lines.append(title)
        cells = stats.breakdowns[key]
        if key == "by_month" or last is None:
            lines += _render([("", "本期")] + [(k, f"{v}件") for k, v in cells.items()])
            continue
        other = last.breakdowns[key]
        rows = [("", "本期", "上年同期", "同比")]
        for k, v in cells.items():
            before_n = other.get(k, 0)
            rows.append((k, f"{v}件", f"{before_n}件", change_text(v, before_n, None, False)))
        lines += _render(rows)
    return "\n".join(lines)


def _change(this: float | None, last: float | None, key: str) -> float | None:
    return change(this, last, is_rate=key in RATES)["change"]


def _render(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(_pad(c, widths[i], right=i > 0) for i, c in enumerate(r)).rstrip() for r in rows
    ]
