"""`xinfang case add|show|list|act`: drive the case services from a shell."""

import argparse
import json

from app.cases import workflow
from app.cases.intake import CaseInput
from app.cases.search import FLAG_NAMES, CaseFilter
from app.cases.service import CaseDetail, CaseService
from app.cases.validation import mask_id, mask_phone
from app.cli.context import Context, UsageError, parse_date


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("case", help="登记、查看、查询和办理信访件")
    cs = p.add_subparsers(dest="case_command", required=True)

    add = cs.add_parser("add", help="登记一件信访")
    add.add_argument("--name", default="", help="信访人姓名")
    add.add_argument("--id-number", default="", help="身份证号")
    add.add_argument("--phone", default="", help="联系电话")
    add.add_argument("--address", default="")
    add.add_argument("--anonymous", action="store_true", help="匿名")
    add.add_argument("--form", required=True, help="信访形式：来信/来访/来电/网上/传真")
    add.add_argument("--channel", default="直接受理", help="来源渠道")
    add.add_argument("--assigning-org", default="", help="交办机关（上级交办/转送）")
    add.add_argument("--received", type=parse_date, required=True, help="登记日期 YYYY-MM-DD")
    add.add_argument("--persons", type=int, default=1, help="人数")
    add.add_argument("--category", default="", help="问题类别（一级）")
    add.add_argument("--department", default="", help="承办单位")
    add.add_argument("--leader", default="", help="包案领导")
    add.add_argument("--visit-level", default="", help="走访层级：本级/到县/到市/赴省/进京")
    add.add_argument("--repeat-of", default="", help="重复信访：此前信访件的编号")
    add.add_argument("--summary", default="", help="内容摘要")
    add.set_defaults(func=run_add)

    show = cs.add_parser("show", help="查看一件信访的详情和办理过程")
    show.add_argument("number", help="编号")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    ls = cs.add_parser("list", help="查询信访件（每行一件）")
    ls.add_argument("--search", default="", help="编号、姓名、拼音首字母、身份证号、电话或内容")
    ls.add_argument("--from", dest="date_from", type=parse_date)
    ls.add_argument("--to", dest="date_to", type=parse_date)
    ls.add_argument("--form", action="append", default=[])
    ls.add_argument("--channel", action="append", default=[])
    ls.add_argument("--category", action="append", default=[])
    ls.add_argument("--department", action="append", default=[])
    ls.add_argument("--status", action="append", default=[], choices=workflow.STATUSES)
    ls.add_argument("--flag", action="append", default=[], choices=list(FLAG_NAMES), help="标记")
    ls.add_argument("--warning", choices=["临期", "超期"])
    ls.add_argument("--limit", type=int, default=50, help="最多显示几行（默认 50，0 为全部）")
    ls.add_argument("--full", action="store_true", help="显示完整身份证号和电话")
    ls.set_defaults(func=run_list)

    act = cs.add_parser(
        "act", help="办理：" + "、".join(a for a in workflow.ACTIONS if a != "登记")
    )
    act.add_argument("number", help="编号")
    act.add_argument("action", help="办理操作")
    act.add_argument("--date", type=parse_date, help="日期（默认今天）")
    for name, label in workflow.FIELD_NAMES.items():
        act.add_argument(f"--{name}", help=label)
    act.add_argument("--deadline", help="交办期限 YYYY-MM-DD")
    act.add_argument("--note", help="备注（督办）")
    act.set_defaults(func=run_act)


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    data = CaseInput(
        received_on=args.received,
        form=args.form,
        name=args.name,
        id_number=args.id_number,
        phone=args.phone,
        address=args.address,
        anonymous=args.anonymous,
        channel=args.channel,
        assigning_org=args.assigning_org,
        persons=args.persons,
        category=args.category,
        department=args.department,
        leader=args.leader,
        visit_level=args.visit_level,
        repeat_of=args.repeat_of,
        summary=args.summary,
    )
    created = CaseService(ctx.db(), ctx.user).create(data)
    print(f"已登记：{created.number}")
    for w in created.warnings:
        print(f"提示：{w}")
    return 0


def _print_detail(d: CaseDetail) -> None:
    i = d.input
    print(f"编号：{d.number}    状态：{d.status}{'（' + d.warning + '）' if d.warning else ''}")
    print(
        f"登记日期：{i.received_on}  形式：{i.form}  渠道：{i.channel}  人数："
        f"{i.persons}{'  集体访' if d.collective else ''}"
    )
    print(
        f"信访人：{i.name or '（匿名）'}  身份证号：{mask_id(i.id_number)}  电话："
        f"{mask_phone(i.phone)}"
    )
    print(
        f"类别：{i.category or '—'}  承办单位：{i.department or '—'}  包案领导：{i.leader or '—'}"
    )
    print(f"内容：{i.summary}")
    if d.repeat_of:
        print(f"重复信访，前次：{d.repeat_of}")
    print(
        f"告知期限：{d.decision_due}  办理期限：{d.handling_due or '—'}"
        f"{'（估算）' if d.due_estimated else ''}"
    )
    print("办理过程：")
    for e in d.events:
        details = "，".join(f"{workflow.FIELD_NAMES.get(k, k)}：{v}" for k, v in e.data.items())
        print(f"  {e.on}  {e.kind}  {details}")
    allowed = [a for a in d.allowed_actions if a != "作废"]
    print(f"可进行：{'、'.join(allowed) or '—'}")


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    detail = CaseService(ctx.db(), ctx.user).detail(args.number)
    if args.json:
        print(
            json.dumps(
                {
                    "number": detail.number,
                    "status": detail.status,
                    "events": [
                        {"kind": e.kind, "on": e.on.isoformat(), "data": e.data}
                        for e in detail.events
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _print_detail(detail)
    return 0


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    f = CaseFilter(
        text=args.search,
        date_from=args.date_from,
        date_to=args.date_to,
        forms=args.form,
        channels=args.channel,
        categories=args.category,
        departments=args.department,
        statuses=args.status,
        flags=args.flag,
        warning=args.warning or "",
    )
    service = CaseService(ctx.db(), ctx.user)
    total = service.count(f)
    rows = service.page(f, 0, args.limit if args.limit > 0 else -1)
    if args.full:
        service.note_full_listing([r.number for r in rows])
    for r in rows:
        idn = r.id_number if args.full else mask_id(r.id_number)
        phone = r.phone if args.full else mask_phone(r.phone)
        flag = f" [{r.warning}]" if r.warning else ""
        print(
            f"{r.number}\t{r.received_on}\t{r.form}\t{r.name}\t{idn}\t{phone}\t{r.status}{flag}\t{r.summary}"
        )
    print(f"共 {total} 件" + (f"，显示前 {len(rows)} 件" if len(rows) < total else ""))
    return 0


def run_act(ctx: Context, args: argparse.Namespace) -> int:
    if args.action not in workflow.TRANSITIONS or args.action == "登记":
        raise UsageError(
            f"未知的办理操作“{args.action}”。可用："
            f"{'、'.join(a for a in workflow.ACTIONS if a != '登记')}"
        )
    data = {name: getattr(args, name) for name in [*workflow.FIELD_NAMES, "deadline", "note"]}
    detail = CaseService(ctx.db(), ctx.user).act(args.number, args.action, args.date, data)
    print(f"{detail.number}：{args.action}完成，当前状态：{detail.status}")
    return 0
