"""`xinfang case add|show|list|act`: drive the case services from a shell."""

import argparse
import json

from app import clock
from app.cases import rules, workflow
from app.cases.intake import CaseInput
from app.cases.search import FLAG_NAMES, CaseFilter
from app.cases.service import CaseDetail, CaseService
from app.cases.validation import mask_id, mask_phone
from app.cli import attach_cmd, link_cmd
from app.cli.context import Context, UsageError, parse_date
from app.office.dictionaries import GENDERS, NATURES

# Actions a clerk records (the import-only steps 登记 and 情况不详 are not offered).
_OFFERED = [a for a in workflow.ACTIONS if a not in workflow.NOT_OFFERED]
# Marks the ledger import leaves on a step (docs/rules.md, 台账), shown in words.
_MARKS = {
    "inferred": "（导入推定）",
    "date_unknown": "（办结日期不详）",
    "status_unknown": "（导入时无办理情况，请补录）",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("case", help="登记、查看、查询和办理信访件")
    cs = p.add_subparsers(dest="case_command", required=True)

    add = cs.add_parser("add", help="登记一件信访（选项与登记表的各栏一一对应）")
    basic = add.add_argument_group("一、基本情况")
    basic.add_argument("--received", type=parse_date, required=True, help="登记日期 YYYY-MM-DD")
    basic.add_argument(
        "--petition-date", type=parse_date, help="信访日期 YYYY-MM-DD（与登记日期不同时）"
    )
    basic.add_argument("--form", required=True, help="信访形式：来信/来访/来电/网上/传真")
    basic.add_argument("--channel", default="直接受理", help="来源渠道")
    basic.add_argument("--assigning-org", default="", help="交办机关（上级交办/转送）")
    basic.add_argument("--ref", default="", help="交办文号")
    person = add.add_argument_group("二、信访人")
    person.add_argument("--name", default="", help="信访人姓名")
    person.add_argument("--anonymous", action="store_true", help="匿名")
    person.add_argument("--joint", action="store_true", help="联名信访")
    person.add_argument("--id-number", default="", help="身份证号")
    person.add_argument(
        "--gender", default="", choices=["", *GENDERS], help="性别（默认按身份证号）"
    )
    person.add_argument("--phone", default="", help="联系电话")
    person.add_argument("--address", default="", help="住址")
    person.add_argument("--workplace", default="", help="工作单位")
    person.add_argument("--persons", type=int, default=1, help="人数（默认 1）")
    person.add_argument("--involved-persons", type=int, help="涉及人数")
    collective = person.add_mutually_exclusive_group()
    collective.add_argument(
        "--collective",
        dest="collective",
        action="store_const",
        const=True,
        help="集体访（不按人数推定时）",
    )
    collective.add_argument(
        "--not-collective",
        dest="collective",
        action="store_const",
        const=False,
        help="不是集体访（人数达到标准但不算集体访时）",
    )
    content = add.add_argument_group("三、反映问题")
    content.add_argument("--summary", default="", help="内容摘要")
    content.add_argument("--category", default="", help="问题类别（一级）")
    content.add_argument("--subcategory", default="", help="二级分类")
    content.add_argument(
        "--nature",
        default="",
        help=f"性质：{'/'.join(NATURES)}（不填则按内容建议，并提示）",
    )
    content.add_argument("--locality", default="", help="问题属地")
    content.add_argument("--target", default="", help="被反映对象（人或单位）")
    flags = add.add_argument_group("四、情形")
    flags.add_argument("--repeat", action="store_true", help="重复信访（无此前编号时）")
    flags.add_argument("--repeat-of", default="", help="重复信访：此前信访件的编号")
    flags.add_argument("--visit-level", default="", help="走访层级：本级/到县/到市/赴省/进京")
    flags.add_argument("--skip-level", action="store_true", help="越级访")
    flags.add_argument("--abnormal", action="store_true", help="非正常访")
    flags.add_argument("--legal", action="store_true", help="涉法涉诉")
    flags.add_argument("--urgent", action="store_true", help="重大紧急")
    handling = add.add_argument_group("五、办理")
    handling.add_argument("--department", default="", help="承办单位")
    handling.add_argument("--handler", default="", help="经办人")
    handling.add_argument("--leader", default="", help="包案领导")
    handling.add_argument("--remark", default="", help="备注")
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

    act = cs.add_parser("act", help="办理：" + "、".join(_OFFERED))
    act.add_argument("number", help="编号")
    act.add_argument("action", help="办理操作")
    act.add_argument("--date", type=parse_date, help="日期（默认今天）")
    for name, label in workflow.FIELD_NAMES.items():
        act.add_argument(f"--{name}", help=label)
    act.add_argument("--deadline", help="交办期限 YYYY-MM-DD（不得晚于法定办理期限）")
    act.add_argument("--note", help="备注（签收、催办、督办）")
    act.epilog = (
        "交办后：签收 --date D；反馈 --date D --text 内容；退回 --date D --reason 理由；"
        "催办 --date D --note 内容；督办 --to 单位 --due D --note 内容；"
        "上级督办 --by 机关 --ref 文号 --due D。交办或转送给几个单位时用 --unit 指明哪一个。"
    )
    act.set_defaults(func=run_act)
    link_cmd.register_case(cs)  # link / unlink / merge / links (issue 17, app/cli/link_cmd.py)

    attach_cmd.register(cs)  # attach, attachments, detach, file (app/cli/attach_cmd.py)


def _nature(args: argparse.Namespace) -> tuple[str, str]:
    """The 性质 to register and, when the CLI chose it, the line that says so (§9: the CLI
    applies the form's suggestion when --nature is absent)."""
    given = args.nature.strip()
    if given:
        nature = rules.nature_word(given)
        if nature is None:
            raise UsageError(f"性质“{given}”无法识别，应为：{'、'.join(NATURES)}。")
        return nature, ""
    suggested = rules.suggest_nature(args.summary)
    return suggested, f"性质未填写，已按内容建议为“{suggested}”（如需更改，请用 --nature 指定）。"


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    nature, said = _nature(args)
    data = CaseInput(
        received_on=args.received,
        petition_on=args.petition_date,
        form=args.form,
        channel=args.channel,
        assigning_org=args.assigning_org,
        assigning_ref=args.ref,
        name=args.name,
        anonymous=args.anonymous,
        joint=args.joint,
        id_number=args.id_number,
        gender=args.gender,
        phone=args.phone,
        address=args.address,
        workplace=args.workplace,
        persons=args.persons,
        involved_persons=args.involved_persons,
        collective_override=args.collective,
        summary=args.summary,
        category=args.category,
        subcategory=args.subcategory,
        nature=nature,
        locality=args.locality,
        target=args.target,
        repeat=args.repeat or bool(args.repeat_of),
        repeat_of=args.repeat_of,
        visit_level=args.visit_level,
        skip_level=args.skip_level,
        abnormal=args.abnormal,
        legal=args.legal,
        urgent=args.urgent,
        department=args.department,
        handler=args.handler,
        leader=args.leader,
        remark=args.remark,
    )
    created = CaseService(ctx.db(), ctx.user).create(data)
    if said:
        print(said)
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
        f"告知期限：{d.decision_due or '—'}  办理期限：{d.handling_due or '—'}"
        f"{'（估算）' if d.due_estimated else ''}"
    )
    if d.units:
        print("承办单位：" + ("（待重新交办）" if d.awaiting_reassignment else ""))
        today = clock.today()
        for u in d.units:
            due = f"  期限 {u.due}" if u.due else ""
            warn = u.warning(today, d.warning_days)
            warn = f"（{warn}）" if warn else ""
            print(
                f"  {u.unit}  {u.kind} {u.sent_on}  {u.state}{due}{warn}"
                f"  用时 {u.days_taken(today)} 天"
            )
    print("办理过程：")
    for e in d.events:
        details = "，".join(
            f"{workflow.DATA_LABELS.get(k, k)}：{v}" for k, v in e.data.items() if k not in _MARKS
        )
        marks = "".join(label for k, label in _MARKS.items() if e.data.get(k))
        print(f"  {e.on}  {e.kind}{marks}  {details}".rstrip())
    allowed = [a for a in d.allowed_actions if a != "作废"]
    print(f"可进行：{'、'.join(allowed) or '—'}")
    # Who did what from which computer (issue 20), as the case page's 修改记录 shows it.
    print(f"修改记录（第 {d.version} 版）：")
    for a in d.history:
        change = f"  {a.field}：{a.old or ''} → {a.new or ''}" if a.field else ""
        where = f"  [{a.computer}]" if a.computer else ""
        print(f"  {a.at:%Y-%m-%d %H:%M}  {a.user}{where}  {a.action}{change}")


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    detail = CaseService(ctx.db(), ctx.user).detail(args.number)
    if args.json:
        print(
            json.dumps(
                {
                    "number": detail.number,
                    "status": detail.status,
                    "version": detail.version,
                    "events": [
                        {"kind": e.kind, "on": e.on.isoformat(), "data": e.data}
                        for e in detail.events
                    ],
                    "history": [
                        {
                            "at": a.at.isoformat(sep=" "),
                            "user": a.user,
                            "computer": a.computer,
                            "action": a.action,
                            "field": a.field,
                            "old": a.old,
                            "new": a.new,
                        }
                        for a in detail.history
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
    if args.action not in _OFFERED:
        raise UsageError(f"未知的办理操作“{args.action}”。可用：{'、'.join(_OFFERED)}")
    data = {name: getattr(args, name) for name in [*workflow.FIELD_NAMES, "deadline", "note"]}
    detail = CaseService(ctx.db(), ctx.user).act(args.number, args.action, args.date, data)
    print(f"{detail.number}：{args.action}完成，当前状态：{detail.status}")
    return 0
