"""`xinfang supervision [--as-of D]` (the 督办 list), `xinfang supervision dismiss N --note …`,
`xinfang supervision supervise N …`, `xinfang supervision urge N …` and `xinfang alerts`."""

import argparse
from pathlib import Path

from app.cases.service import CaseService
from app.cases.supervision import RULES
from app.cases.supervision_service import SupervisionService
from app.cli.context import Context, parse_date

SHOWN = 20  # case numbers printed per alert; the rest are counted


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("supervision", help="督办清单（自动列出需要督办的信访件）")
    p.add_argument("--as-of", dest="as_of", type=parse_date, help="截至日期（默认今天）")
    p.set_defaults(func=run_list)
    ps = p.add_subparsers(dest="supervision_command")
    dismiss = ps.add_parser("dismiss", help="不督办：从清单中去掉一件（须写明理由）")
    dismiss.add_argument("number", help="编号")
    dismiss.add_argument("--note", required=True, help="不督办的理由")
    dismiss.add_argument("--rule", default="", choices=["", *RULES], help="只去掉这一条原因")
    dismiss.set_defaults(func=run_dismiss)
    sup = ps.add_parser("supervise", help="督办：记录督办并生成督办单")
    sup.add_argument("number", help="编号")
    sup.add_argument("--by", default="", help="督办单位或领导（默认本单位名称）")
    sup.add_argument("--to", default="", help="被督办的承办单位（默认最近一次交办的单位）")
    sup.add_argument("--due", type=parse_date, help="答复期限 YYYY-MM-DD（默认办理期限）")
    sup.add_argument("--note", default="", help="督办意见")
    sup.add_argument("--out", type=Path, help="督办单保存到（.docx；不填则不生成）")
    sup.set_defaults(func=run_supervise)
    urge = ps.add_parser("urge", help="催办")
    urge.add_argument("number", help="编号")
    urge.add_argument("--note", default="", help="催办内容")
    urge.set_defaults(func=run_urge)

    a = sub.add_parser("alerts", help="预警（短期重复信访、集体访、进京赴省访、环比上升、超期）")
    a.add_argument("--as-of", dest="as_of", type=parse_date, help="截至日期（默认今天）")
    a.set_defaults(func=run_alerts)


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    hits = SupervisionService(ctx.db(), ctx.user).supervision_list(args.as_of)
    for h in hits:
        print(f"{h.number}\t{h.name or '（匿名）'}\t{h.status}\t{h.since}起\t{h.reason}")
    print(f"督办清单共 {len(hits)} 件")
    return 0


def run_dismiss(ctx: Context, args: argparse.Namespace) -> int:
    hit = SupervisionService(ctx.db(), ctx.user).dismiss(args.number, args.note, args.rule)
    print(f"{hit.number}：已从督办清单去掉（{hit.reason}），理由：{args.note.strip()}")
    return 0


def run_supervise(ctx: Context, args: argparse.Namespace) -> int:
    service = SupervisionService(ctx.db(), ctx.user)
    defaults = service.supervision_defaults(args.number)
    done = service.supervise(
        args.number,
        args.by or defaults.by,
        args.to or defaults.to,
        args.due or defaults.due,
        args.note,
        args.out,
    )
    print(f"{done.detail.number}：已督办")
    if done.document is not None:
        print(f"督办单：{done.document}")
    return 0


def run_urge(ctx: Context, args: argparse.Namespace) -> int:
    detail = SupervisionService(ctx.db(), ctx.user).urge(args.number, args.note)
    print(f"{detail.number}：已催办")
    return 0


def run_alerts(ctx: Context, args: argparse.Namespace) -> int:
    found = SupervisionService(ctx.db(), ctx.user).alerts(args.as_of)
    cases = CaseService(ctx.db(), ctx.user)
    for alert in found:
        shown = cases.rows_by_id(list(alert.case_ids[:SHOWN]))
        numbers = "、".join(r.number for r in shown)
        more = f" 等{len(alert.case_ids)}件" if len(alert.case_ids) > SHOWN else ""
        print(f"【{alert.title}】{alert.text}")
        print(f"    {numbers}{more}")
    print(f"预警共 {len(found)} 条" if found else "没有预警")
    return 0
