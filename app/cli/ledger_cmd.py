"""`xinfang ledger export|import`: the Excel 台账 out and in (docs/rules.md, 台账)."""

import argparse
import re
import sys
from pathlib import Path

from app.cases.search import FLAG_NAMES, CaseFilter
from app.cli.context import Context, UsageError, parse_date
from app.cli.progress import ProgressLine
from app.ledger.importing import ImportPlan
from app.ledger.read import Table, with_mapping
from app.ledger.registers_import import RECEPTION, REGISTERS
from app.ledger.service import LedgerService
from app.ledger.values import COLUMN_BY_KEY, COLUMNS, header_key, normalise_header


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
    im.add_argument(
        "--set",
        dest="set_values",
        action="append",
        default=[],
        metavar="字段=值",
        help="整表统一填写：表中没有该列或单元格为空时用此值，如 --set 信访形式=来访（可重复）",
    )
    im.add_argument(
        "--map",
        dest="map_columns",
        action="append",
        default=[],
        metavar="表头=字段",
        help="手动指定列的对应，如 --map 接件时间=登记日期；字段写“不导入”则忽略该列（可重复）",
    )
    im.add_argument(
        "--no-remembered",
        action="store_true",
        help="不套用上次对同样表头所做的设置（本次导入成功后，以本次的设置为准）",
    )
    im.add_argument(
        "--into",
        choices=list(REGISTERS),
        help="导入到登记簿：领导接访（每日每位领导一条）或 排查调处",
    )
    im.add_argument(
        "--also-cases",
        action="store_true",
        help="与 --into 领导接访 同用：每一行同时登记为来源渠道“领导接访”的来访件",
    )
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


# Field names that take a column out of the import (`--map 备注=不导入`).
_DROP = ("不导入", "（不导入）", "(不导入)", "忽略", "")


def _pair(text: str, what: str) -> tuple[str, str]:
    left, sep, right = text.replace("＝", "=").partition("=")
    if not sep or not left.strip():
        raise UsageError(f"{what}“{text}”格式不对，应写成 左边=右边，如 {_EXAMPLES[what]}。")
    return left.strip(), right.strip()


_EXAMPLES = {"--set": "--set 信访形式=来访", "--map": "--map 接件时间=登记日期"}


def _field(name: str) -> str:
    key = header_key(name)
    if key is None:
        known = "、".join(c.title for c in COLUMNS if c.key != "seq")
        raise UsageError(f"“{name}”不是可识别的字段名。可用的字段：{known}等（及其常见别名）。")
    return key


def _column(table: Table, header: str) -> int:
    """The column whose (normalised) header text is `header`."""
    wanted = normalise_header(header)
    for col, text in enumerate(table.headers):
        if text and text == wanted:
            return col
    bare = _bare(wanted)
    for col, text in enumerate(table.headers):
        if text and _bare(text) == bare:
            return col
    shown = "、".join(h for h in table.headers if h) or "（无）"
    raise UsageError(
        f"工作表“{table.sheet}”第{table.header_row + 1}行的表头中没有“{header}”这一列。"
        f"本表的表头：{shown}"
    )


def _bare(text: str) -> str:
    return re.sub(r"[（(][^）)]*[）)]", "", text)


def _hand_settings(
    ledger: LedgerService, table: Table, args: argparse.Namespace, remembered_too: bool = True
) -> tuple[dict[str, int], dict[str, str]]:
    """The column mapping and whole-sheet values: the header's own, then what the clerk set for
    this header last time, then --map and --set."""
    mapping, fixed = dict(table.mapping), dict[str, str]()
    if remembered_too and not args.no_remembered:
        remembered = ledger.remembered_mapping(table)
        if remembered:
            mapping = remembered.apply(mapping, len(table.headers))
            fixed = dict(remembered.fixed)
            print(
                f"已套用上次对同样表头的设置：{remembered.describe(table.headers)}"
                "（不套用请加 --no-remembered）"
            )
    for item in args.map_columns:
        header, name = _pair(item, "--map")
        col = _column(table, header)
        mapping = {k: c for k, c in mapping.items() if c != col}  # a column names one field
        if name not in _DROP:
            mapping[_field(name)] = col
    for item in args.set_values:
        name, value = _pair(item, "--set")
        if not value:
            raise UsageError(f"--set {name}= 后面应写统一填写的值，如 --set 信访形式=来访。")
        fixed[_field(name)] = value
    return mapping, fixed


def _print_plan(plan: ImportPlan, table: Table) -> int:
    """The dry run as the clerk reads it; returns the number of errors."""
    print(f"工作表“{plan.sheet}”，表头在第{plan.header_row}行；可导入 {len(plan.rows)} 行。")
    if table.fixed:
        values = "；".join(f"{COLUMN_BY_KEY[k].title}={v}" for k, v in table.fixed.items())
        print(f"整表统一填写：{values}")
    for problem in plan.problems:
        print(problem.line())
    _print_summary(plan)
    errors = len(plan.errors)
    if errors:
        print(f"共 {errors} 处错误，{len(plan.problems) - errors} 条提示。", file=sys.stderr)
    return errors


def _print_summary(plan: ImportPlan) -> None:
    lines = plan.summary
    if lines:
        print("导入时的推定和统一填写：")
        for line in lines:
            print(f"  {line}")


def run_import(ctx: Context, args: argparse.Namespace) -> int:
    ledger = LedgerService(ctx.db(), ctx.user)
    if args.also_cases and args.into != RECEPTION:
        raise UsageError("--also-cases 只能与 --into 领导接访 一起使用。")
    if args.into:
        return _run_register(ledger, args)
    source = ledger.read(Path(args.file), args.sheet)
    mapping, fixed = _hand_settings(ledger, source, args)
    table = with_mapping(source, mapping, fixed)
    plan = ledger.check(table, update=args.update, add_unknown=args.add_unknown)
    errors = _print_plan(plan, table)
    stop = _stop_before_writing(errors, args)
    if stop is not None:
        return stop
    progress = ProgressLine("已导入 {done}/{total} 行")
    result = ledger.import_(
        plan, Path(args.file).name, progress=progress, skip_bad_rows=args.skip_bad_rows
    )
    progress.finish()
    for line in result.lines():
        print(line)
    _print_summary(plan)
    if ledger.remember_mapping(source, mapping, fixed):
        print("已记住本表的列对应和统一填写，下次导入同样表头的表时自动套用。")
    return 0


def _stop_before_writing(errors: int, args: argparse.Namespace) -> int | None:
    """The exit code when the dry run ends here (--dry-run, or errors not to be skipped)."""
    if args.dry_run:
        print("（检查模式，未写入任何数据）")
        return 1 if errors else 0
    if errors and not args.skip_bad_rows:
        print(
            "有错误，未导入任何一行。请修改原表，或加 --skip-bad-rows 跳过有错误的行。",
            file=sys.stderr,
        )
        return 1
    return None


def _run_register(ledger: LedgerService, args: argparse.Namespace) -> int:
    path = Path(args.file)
    table = None
    fixed: dict[str, str] = {}
    if args.into == RECEPTION:
        source = ledger.read(path, args.sheet)
        # Remembered settings are a case ledger's; a register sheet takes only this command's.
        mapping, fixed = _hand_settings(ledger, source, args, remembered_too=False)
        table = with_mapping(source, mapping, fixed)
    elif args.map_columns or args.set_values:
        raise UsageError("排查调处登记不支持 --map 和 --set。")
    plan = ledger.dry_run_register(
        path,
        args.into,
        args.sheet,
        update=args.update,
        also_cases=args.also_cases,
        add_unknown=args.add_unknown,
        table=table,
        fixed=fixed,
    )
    print(f"工作表“{plan.sheet}”，表头在第{plan.header_row}行。")
    for line in plan.lines():
        print(line)
    for problem in plan.problems:
        print(problem.line())
    if plan.cases is not None:
        print(f"同时导入为来访件（来源渠道：领导接访）：可导入 {len(plan.cases.rows)} 行。")
        for problem in plan.cases.problems:
            print(problem.line())
        _print_summary(plan.cases)
    errors = len(plan.errors)
    if errors:
        print(f"共 {errors} 处错误。", file=sys.stderr)
    stop = _stop_before_writing(errors, args)
    if stop is not None:
        return stop
    result = ledger.import_register(plan, path.name, skip_bad_rows=args.skip_bad_rows)
    for line in result.lines():
        print(line)
    if plan.cases is not None:
        _print_summary(plan.cases)
    return 0
