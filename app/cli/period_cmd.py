"""`xinfang period close|reopen|list|diff`: closed periods (封账, docs/rules.md)."""

import argparse
import json

from app.cli.context import Context, UsageError, parse_date
from app.periods.service import PeriodService


def _period(p: argparse.ArgumentParser, as_of_help: str) -> None:
    p.add_argument("--from", dest="date_from", type=parse_date, required=True, help="起始日期")
    p.add_argument("--to", dest="date_to", type=parse_date, required=True, help="截止日期")
    p.add_argument("--as-of", dest="as_of", type=parse_date, help=as_of_help)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "period", help="封账：冻结已上报期间的统计数字，解除封账，查看与最新数据的差异"
    )
    ps = p.add_subparsers(dest="period_command")
    c = ps.add_parser(
        "close", help="封账（报送报告后）：冻结本期统计数字、各数字对应的信访件和已生成的文件"
    )
    _period(c, "统计时点（默认：截止日期与今天中较早者）")
    c.set_defaults(func=run_close)
    r = ps.add_parser("reopen", help="解除封账（仅管理员，须填写原因；原封账记录保留）")
    _period(r, "统计时点（同一期间有多个统计时点的封账时指定）")
    r.add_argument("--reason", required=True, help="解除封账的原因")
    r.set_defaults(func=run_reopen)
    li = ps.add_parser("list", help="列出封账记录（含已解除的）")
    li.add_argument("--json", action="store_true", help="输出 JSON")
    li.set_defaults(func=run_list)
    d = ps.add_parser("diff", help="封账数字与最新数据的差异：每个变化的指标及其信访件、更正说明")
    _period(d, "统计时点（同一期间有多个统计时点的封账时指定）")
    d.add_argument("--json", action="store_true", help="输出 JSON")
    d.set_defaults(func=run_diff)
    p.set_defaults(func=run_help, parser=p)


def run_help(ctx: Context, args: argparse.Namespace) -> int:
    raise UsageError("请指定 period close / reopen / list / diff（用 xinfang period --help 查看）")


def run_close(ctx: Context, args: argparse.Namespace) -> int:
    snap = PeriodService(ctx.db(), ctx.user).close(args.date_from, args.date_to, args.as_of)
    print(f"已封账：{snap.name}（截至{snap.as_of:%Y-%m-%d}），信访总量 {snap.total} 件。")
    if snap.files:
        print(f"本期已生成的文件（{len(snap.files)} 个）已记入封账：")
        for f in snap.files:
            print(f"  {f['kind']} {f['path']}  SHA-256 {f['sha256']}")
    else:
        print("注意：还没有为这一期间生成过报告或台账，封账中没有记录文件。")
    return 0


def run_reopen(ctx: Context, args: argparse.Namespace) -> int:
    snap = PeriodService(ctx.db(), ctx.user).reopen(
        args.date_from, args.date_to, args.reason, args.as_of
    )
    print(f"已解除封账：{snap.name}（截至{snap.as_of:%Y-%m-%d}）。原封账记录保留。")
    return 0


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    rows = PeriodService(ctx.db(), ctx.user).list_all()
    if args.json:
        out = [
            {
                "date_from": r.date_from.isoformat(),
                "date_to": r.date_to.isoformat(),
                "as_of": r.as_of.isoformat(),
                "total": r.total,
                "closed_by": r.closed_by,
                "closed_at": r.closed_at.isoformat(timespec="seconds"),
                "reopened_by": r.reopened_by,
                "reopened_at": r.reopened_at.isoformat(timespec="seconds")
                if r.reopened_at
                else None,
                "reopen_reason": r.reopen_reason,
                "corrections": r.corrections,
                "files": r.files,
            }
            for r in rows
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("还没有封账的期间。")
        return 0
    for r in rows:
        state = (
            f"已解除（{r.reopened_by} {r.reopened_at:%Y-%m-%d %H:%M}，原因：{r.reopen_reason}）"
            if r.reopened_at
            else "已封账"
        )
        print(
            f"{r.name}（截至{r.as_of:%Y-%m-%d}）\t{state}\t总量 {r.total} 件\t"
            f"{r.closed_by} {r.closed_at:%Y-%m-%d %H:%M} 封账\t更正 {r.corrections} 次\t"
            f"文件 {len(r.files)} 个"
        )
    return 0


def run_diff(ctx: Context, args: argparse.Namespace) -> int:
    diff = PeriodService(ctx.db(), ctx.user).diff(args.date_from, args.date_to, args.as_of)
    if args.json:
        out = {
            "date_from": diff.snapshot.date_from.isoformat(),
            "date_to": diff.snapshot.date_to.isoformat(),
            "as_of": diff.snapshot.as_of.isoformat(),
            "keys": [
                {
                    "key": k.key,
                    "frozen": k.frozen,
                    "live": k.live,
                    "added": k.added,
                    "removed": k.removed,
                }
                for k in diff.keys
            ],
            "corrections": [
                {
                    "at": c.at.isoformat(timespec="seconds"),
                    "user": c.user,
                    "reason": c.reason,
                    "cases": c.cases,
                    "what": c.what,
                }
                for c in diff.corrections
            ],
            "settings": diff.settings,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    s = diff.snapshot
    print(f"{s.name}（截至{s.as_of:%Y-%m-%d}）封账数字与最新数据的差异")
    if not diff.keys:
        print("  没有差异：最新数据与封账数字一致。")
    for k in diff.keys:
        line = f"  {k.key}：封账 {_show(k.frozen)} → 最新 {_show(k.live)}"
        if k.added:
            line += f"；新计入 {'、'.join(k.added)}"
        if k.removed:
            line += f"；不再计入 {'、'.join(k.removed)}"
        print(line)
    if diff.corrections:
        print("更正记录：")
        for c in diff.corrections:
            cases = f"（{'、'.join(c.cases)}）" if c.cases else ""
            print(f"  {c.at:%Y-%m-%d %H:%M} {c.user}：{c.reason}{cases}  {c.what}")
    if diff.settings:
        print("封账后的设置改动（不需要更正说明，但可能改变数字）：")
        for line in diff.settings:
            print(f"  {line}")
    return 0


def _show(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
