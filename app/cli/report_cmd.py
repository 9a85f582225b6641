"""`xinfang report --template NAME --from … --to … [--as-of …] --out FILE.docx`, `report vars`,
`report templates`, `report check NAME`, `report restore NAME`, `report notes --from … --to …`
(the period's 情况说明)."""

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from app import clock
from app.cli.context import Context, UsageError, parse_date
from app.documents import catalog
from app.documents.service import DocumentService, filter_reference


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="用模板生成报告（自查报告、年度报告、统计表），查看模板变量")
    p.add_argument(
        "--template", help="模板名称，如 年度信访工作报告（xinfang report templates 查看）"
    )
    p.add_argument("--from", dest="date_from", type=parse_date, help="统计起始日期 YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=parse_date, help="统计截止日期 YYYY-MM-DD")
    p.add_argument("--as-of", type=parse_date, help="统计时点（默认：截止日期与今天中较早者）")
    p.add_argument(
        "--repair",
        action="store_true",
        help="把模板中 Word 拆开的标签、中文引号整理好并保存为本单位的模板（不加也能生成）",
    )
    p.add_argument("--out", help="输出文件 .docx")
    p.add_argument(
        "--live",
        action="store_true",
        help="已封账期间：按最新数据生成（默认按封账数字）",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="文档中还有【请填写：…】提示时不生成（正式报送前用）",
    )
    p.set_defaults(func=run)
    rs = p.add_subparsers(dest="report_command")
    n = rs.add_parser(
        "notes",
        help="本期情况说明（存在问题、下一步打算、群体性事件等）：查看或填写，报告中引用",
    )
    n.add_argument("--from", dest="date_from", type=parse_date, required=True, help="统计起始日期")
    n.add_argument("--to", dest="date_to", type=parse_date, required=True, help="统计截止日期")
    n.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="项目=内容",
        help="填写一项，如 --set 存在问题=基层信访宣传需加强（内容为空则清除；可重复）",
    )
    n.add_argument("--file", metavar="F.json", help='从 JSON 文件填写多项：{"存在问题": "……"}')
    n.add_argument(
        "--from-previous",
        action="store_true",
        help="把上一期填写的内容作为本期的起点保存（之后可再修改）",
    )
    n.set_defaults(func=run_notes)
    v = rs.add_parser("vars", help="列出模板可用的变量和过滤器，以及今天的值")
    v.add_argument("--case", help="同时列出信访件文书的变量（用这件信访的值）")
    v.add_argument(
        "--from", dest="date_from", type=parse_date, help="统计起始日期（默认今年1月1日）"
    )
    v.add_argument("--to", dest="date_to", type=parse_date, help="统计截止日期（默认今天）")
    v.set_defaults(func=run_vars)
    t = rs.add_parser("templates", help="列出模板（默认模板和本单位修改版）")
    t.set_defaults(func=run_templates)
    c = rs.add_parser("check", help="检查模板：语法、被拆开的标签、中文引号、不认识的变量")
    c.add_argument("name", help="模板名称")
    c.add_argument("--repair", action="store_true", help="把能修复的问题修好，存为本单位的模板")
    c.set_defaults(func=run_check)
    r = rs.add_parser("restore", help="恢复默认模板（本单位的修改版移到“已替换的旧模板”文件夹）")
    r.add_argument("name", help="模板名称")
    r.set_defaults(func=run_restore)


def run(ctx: Context, args: argparse.Namespace) -> int:
    missing = [
        flag
        for flag, value in (
            ("--template", args.template),
            ("--from", args.date_from),
            ("--to", args.date_to),
            ("--out", args.out),
        )
        if not value
    ]
    if missing:
        raise UsageError(
            f"生成报告需要 {'、'.join(missing)}（例：xinfang report --template 年度信访工作报告 "
            "--from 2025-01-01 --to 2025-12-31 --out 报告.docx）"
        )
    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        raise UsageError("--out 应是 .docx 文件。")
    result = DocumentService(ctx.db(), ctx.user).report(
        args.template,
        args.date_from,
        args.date_to,
        args.as_of,
        out,
        repair=args.repair,
        strict=args.strict,
        live=args.live,
    )
    if result.repairs:
        print(
            "模板已整理并保存为本单位的模板："
            if result.saved
            else "模板中 Word/WPS 造成的格式差异已在生成时自动处理（模板文件未改动）："
        )
        for note in result.repairs:
            print(f"  {note}")
    print(f"已生成：{result.path}")
    if result.markers:
        print(
            f"注意：文档中还有 {len(result.markers)} 处【请填写】提示，报送前请填写"
            "（xinfang report notes --from … --to … --set 项目=内容），或在 Word 中补写：",
            file=sys.stderr,
        )
        for m in dict.fromkeys(result.markers):
            print(f"  {m}", file=sys.stderr)
    return 0


def run_notes(ctx: Context, args: argparse.Namespace) -> int:
    service = DocumentService(ctx.db(), ctx.user)
    items: dict[str, str] = {}
    if args.file:
        try:
            loaded = json.loads(Path(args.file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"无法读取 {args.file}：{exc}") from None
        if not isinstance(loaded, dict):
            raise UsageError('--file 应是 JSON 对象：{"存在问题": "……"}')
        items.update({str(k): str(v) for k, v in loaded.items()})
    for pair in args.set:
        item, sep, text = pair.partition("=")
        if not sep:
            raise UsageError(f"--set 应写成 项目=内容：{pair}")
        items[item.strip()] = text
    current = service.report_notes(args.date_from, args.date_to)
    if args.from_previous:
        items = {**{k: v for k, v in current.previous.items() if k not in current.entered}, **items}
    if items:
        service.save_report_notes(args.date_from, args.date_to, items)
        current = service.report_notes(args.date_from, args.date_to)
        print(f"已保存 {len(items)} 项情况说明。")
    print(f"情况说明（{args.date_from} 至 {args.date_to}）")
    for item, asks in current.items.items():
        text = current.entered.get(item)
        print(f"  {item}：{text if text else '（未填写，报告中为【请填写：' + asks + '】）'}")
        if not text and item in current.previous:
            print(f"      上期填写：{current.previous[item]}")
    return 0


def run_vars(ctx: Context, args: argparse.Namespace) -> int:
    service = DocumentService(ctx.db(), ctx.user)
    today = clock.today()
    date_from = args.date_from or dt.date(today.year, 1, 1)
    date_to = args.date_to or today
    print(f"报告模板变量（今天的值：{date_from} 至 {date_to}）")
    for v in service.report_variables(date_from, date_to):
        print(f"  {{{{ {v.name} }}}}\t{v.description}\t{v.value}")
    example = args.case or service.example_case()
    print("信访件文书模板变量" + (f"（{example} 的值，身份证号和电话已遮蔽）" if example else ""))
    for v in service.case_variables(example):
        print(f"  {{{{ {v.name} }}}}\t{v.description}\t{v.value}")
    print("过滤器（写在变量后面，用竖线隔开）")
    for f in filter_reference():
        print(f"  {f.name}\t{f.description}\t例：{f.value}")
    return 0


def run_templates(ctx: Context, args: argparse.Namespace) -> int:
    for info in catalog.available(db=ctx.db()):
        kind = "报告" if info.kind == catalog.REPORT else "文书"
        print(f"{info.name}\t{kind}\t{info.source}\t{info.path}")
    return 0


def run_check(ctx: Context, args: argparse.Namespace) -> int:
    service = DocumentService(ctx.db(), ctx.user)
    result = (
        service.repair_template(args.name) if args.repair else service.check_template(args.name)
    )
    saved = bool(args.repair and result.repairs and result.ok)
    print(result.summary(saved=saved))
    if saved:
        print(f"已保存：{catalog.find(args.name, db=ctx.db()).path}")
    return 0 if result.ok else 1


def run_restore(ctx: Context, args: argparse.Namespace) -> int:
    moved = DocumentService(ctx.db(), ctx.user).restore_default(args.name)
    if moved is None:
        print(f"“{args.name}”本来就是默认模板。")
    else:
        print(f"已恢复默认模板；原来的修改版移到了：{moved}")
    return 0
