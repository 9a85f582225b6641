"""`xinfang ledger export|import`: the Excel 台账 out and in (docs/rules.md, 台账)."""

import argparse
import sys
from pathlib import Path

from app.cases.search import FLAG_NAMES, CaseFilter
from app.cli.context import Context, parse_date
from app.ledger.service import LedgerService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ledger", help="导出、导入Excel台账")
    ls = p.add_subparsers(dest="ledger_command", required=True)

    ex = ls.add_parser("export", help="按查询条件导出台账（.xlsx，含统计表）")
    ex.add_argument("--from", dest="date_from", type=parse_date, help="登记日期起 YYYY-MM-DD")
    ex.add_argument("--to", dest="date_to", type=parse_date, help="登记日期止 YYYY-MM-DD")
    ex.add_argument("--search", default="", help="编号、姓名、拼音首字母、身份证号、电话或内容")
    for name, label in (
        ("form", "信访形式"),
        ("channel", "来源渠道"),
        ("category", "问题类别"),
        ("department", "承办单位"),
        ("status", "办理状态"),
        ("visit-level", "走访层级"),
    ):
        ex.add_argument(f"--{name}", action="append", default=[], help=f"{label}（可重复）")
    ex.add_argument("--flag", action="append", default=[], choices=list(FLAG_NAMES), help="标记")
    ex.add_argument("--warning", choices=["临期", "超期"])
    ex.add_argument("--mask", action="store_true", help="身份证号、电话打码")
    ex.add_argument("--no-stats", action="store_true", help="不附统计表")
    ex.add_argument("--out", required=True, help="导出到的 .xlsx 文件")
    ex.set_defaults(func=run_export)

    im = ls.add_parser("import", help="导入台账（先检查，无错误才写入）")
    im.add_argument("file", help=".xlsx / .xls / .ods / .csv 文件")
    im.add_argument("--sheet", help="工作表名（默认：第一个有表头的工作表）")
    im.add_argument("--dry-run", action="store_true", help="只检查并列出问题，不写入")
    im.add_argument("--update", action="store_true", help="编号已存在的行：更新（默认跳过）")
    im.add_argument(
        "--add-unknown", action="store_true", help="字典中没有的问题类别、来源渠道加入字典"
    )
    im.add_argument("--skip-bad-rows", action="store_true", help="跳过有错误的行，导入其余各行")
    im.set_defaults(func=run_import)


def run_export(ctx: Context, args: argparse.Namespace) -> int:
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
        visit_levels=args.visit_level,
    )
    result = LedgerService(ctx.db(), ctx.user).export(
        f, Path(args.out), mask=args.mask, with_stats=not args.no_stats
    )
    print(f"已导出 {result.rows} 件（其中超期 {result.overdue} 件）到 {result.path}")
    return 0


def run_import(ctx: Context, args: argparse.Namespace) -> int:
    ledger = LedgerService(ctx.db(), ctx.user)
    table, plan = ledger.dry_run(
        Path(args.file), args.sheet, update=args.update, add_unknown=args.add_unknown
    )
    print(f"工作表“{plan.sheet}”，表头在第{plan.header_row}行；可导入 {len(plan.rows)} 行。")
    unmatched = [h for i, h in enumerate(table.headers) if h and i not in plan.mapping.values()]
    if unmatched:
        print(f"未使用的列：{'、'.join(unmatched)}")
    for problem in plan.problems:
        print(problem.line())
    errors = len(plan.errors)
    if errors:
        print(f"共 {errors} 处错误，{len(plan.problems) - errors} 条提示。", file=sys.stderr)
    if args.dry_run:
        print("（检查模式，未写入任何数据）")
        return 1 if errors else 0
    if errors and not args.skip_bad_rows:
        print(
            "有错误，未导入任何一行。请修改原表，或加 --skip-bad-rows 跳过有错误的行。",
            file=sys.stderr,
        )
        return 1
    result = ledger.import_(plan, Path(args.file).name, skip_bad_rows=args.skip_bad_rows)
    for line in result.lines():
        print(line)
    return 0
