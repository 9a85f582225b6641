"""`xinfang unit list|show`: the 承办单位 register (app/office/units.py) from a shell."""

import argparse
import json
from dataclasses import asdict
from typing import Any

from app.cli.context import Context, parse_date
from app.office.units import UnitService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("unit", help="承办单位：各单位在办、超期未反馈、平均反馈用时，单位的信访件")
    us = p.add_subparsers(dest="unit_command", required=True)
    ls = us.add_parser("list", help="全部承办单位（科室和外单位）及其在办、超期未反馈件数")
    ls.add_argument("--as-of", dest="as_of", type=parse_date, help="统计时点（默认今天）")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--all", action="store_true", help="也列出没有交办或转送过的单位")
    ls.set_defaults(func=run_list)
    show = us.add_parser("show", help="一个承办单位的信访件（名称或别名）")
    show.add_argument("name", help="单位名称或别名")
    show.add_argument("--as-of", dest="as_of", type=parse_date, help="统计时点（默认今天）")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} 天"


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    rows = UnitService(ctx.db(), ctx.user).register(args.as_of)
    if not args.all:
        rows = [r for r in rows if r.sent]
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return 0
    print("单位\t类别\t交办转送\t在办\t超期未反馈\t已反馈\t退回\t平均反馈用时")
    for r in rows:
        alias = f"（又称 {'、'.join(r.aliases)}）" if r.aliases else ""
        print(
            f"{r.name}{alias}\t{r.kind}\t{r.sent}\t{r.open}\t{r.overdue}\t{r.answered}\t"
            f"{r.returned}\t{_days(r.avg_days_to_answer)}"
        )
    print(f"共 {len(rows)} 个单位")
    return 0


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    rows = UnitService(ctx.db(), ctx.user).cases(args.name, args.as_of)
    if args.json:
        out = [{k: _jsonable(v) for k, v in asdict(r).items()} | {"state": r.state} for r in rows]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print("编号\t登记日期\t方式\t交办/转送日期\t期限\t单位办理\t反馈日期\t信访件状态\t内容")
    for r in rows:
        late = "（超期未反馈）" if r.overdue else ""
        print(
            f"{r.number}\t{r.received_on}\t{r.kind}\t{r.sent_on}\t{r.deadline or '—'}\t"
            f"{r.state}{late}\t{r.answered_on or r.returned_on or '—'}\t{r.status}\t{r.summary}"
        )
    print(f"共 {len(rows)} 件")
    return 0
