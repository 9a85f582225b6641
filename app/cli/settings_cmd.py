"""`xinfang settings show|set|dict|holiday`: the office settings from a shell (same rules as
设置)."""

import argparse
import datetime as dt
import json
from pathlib import Path

from app.cli.context import Context, UsageError, parse_date
from app.cli.progress import ProgressLine
from app.office.dictionary_edit import KIND_NAMES
from app.office.holiday_notice import WEEKDAYS
from app.office.holiday_notice import parse as parse_notice
from app.office.service import SPECS, OfficeService, parse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help="查看和修改单位设置、字典和节假日")
    ss = p.add_subparsers(dest="settings_command", required=True)

    show = ss.add_parser("show", help="列出全部设置")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    put = ss.add_parser("set", help="修改一项设置，如：settings set handling_days 60")
    put.add_argument("key", help="设置名（见 settings show）")
    put.add_argument("value", help="新值（是/否、整数或文字）")
    put.set_defaults(func=run_set)

    kinds = "、".join(f"{k}={v}" for k, v in KIND_NAMES.items())
    d = ss.add_parser("dict", help=f"字典：list/add/rename/disable/enable/remove（{kinds}）")
    d.add_argument("action", choices=["list", "add", "rename", "disable", "enable", "remove"])
    d.add_argument("kind", choices=list(KIND_NAMES))
    d.add_argument("values", nargs="*", help="值；rename 为 旧名 新名")
    d.add_argument("--parent", help="二级分类所属的一级分类")
    d.set_defaults(func=run_dict)

    h = ss.add_parser(
        "holiday",
        help="节假日表（日历程序包不知道的年份）：list/add/remove；import 通知.txt 导入国务院通知",
    )
    h.add_argument("action", choices=["list", "add", "remove", "import"])
    h.add_argument("first", nargs="?", help="开始日期 YYYY-MM-DD；import 为通知文本文件")
    h.add_argument("last", nargs="?", type=parse_date, help="结束日期（默认同开始日期）")
    h.add_argument("--workday", action="store_true", help="调休上班日（默认为放假）")
    h.add_argument("--name", default="", help="名称，如 春节")
    h.add_argument("--year", type=int, help="list 只列这一年；import 为通知的年份（默认取标题）")
    h.add_argument("--dry-run", action="store_true", help="import 只显示读到的内容，不保存")
    h.set_defaults(func=run_holiday)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value) if value != "" else "（未填）"


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    values = OfficeService(ctx.db(), ctx.user).settings()
    if args.json:
        print(json.dumps(values, ensure_ascii=False, indent=2))
        return 0
    for key, value in values.items():
        name = SPECS[key].name if key in SPECS else key
        print(f"{key:<24}{_shown(value):<12}{name}")
    return 0


def run_set(ctx: Context, args: argparse.Namespace) -> int:
    office = OfficeService(ctx.db(), ctx.user)

    progress = ProgressLine("正在重新计算期限 {done}/{total}")
    saved = office.update_settings({args.key: parse(args.key, args.value)}, progress)
    progress.finish()
    if not saved.changed:
        print("设置未改变。")
        return 0
    print(
        f"已修改：{SPECS[args.key].name if args.key in SPECS else args.key} = "
        f"{_shown(office.settings()[args.key])}"
    )
    if saved.reprojected:
        print(f"{saved.reprojected} 件信访件的期限已按新规则重新计算。")
    if saved.collective_changed:
        print(f"{saved.collective_changed} 件来访件的集体访标记随之改变。")
    return 0


def run_dict(ctx: Context, args: argparse.Namespace) -> int:
    office = OfficeService(ctx.db(), ctx.user)
    kind, parent, values = args.kind, args.parent, args.values
    need = {"list": 0, "add": 1, "rename": 2, "disable": 1, "enable": 1, "remove": 1}[args.action]
    if len(values) != need:
        raise UsageError(f"dict {args.action} 需要 {need} 个值，收到 {len(values)} 个。")
    if args.action == "list":
        for item in office.dictionary(kind, parent):
            state = "" if item.active else "（已停用）"
            print(f"{item.value}{state}\t{item.uses}")
    elif args.action == "add":
        print(f"已添加：{office.add_value(kind, values[0], parent)}")
    elif args.action == "rename":
        n = office.rename_value(kind, values[0], values[1], parent)
        print(f"已改名：{values[0]} → {values[1]}，{n} 件信访件随之更新。")
    elif args.action in ("disable", "enable"):
        office.set_active(kind, values[0], args.action == "enable", parent)
        print(f"已{'启用' if args.action == 'enable' else '停用'}：{values[0]}")
    else:
        office.remove_value(kind, values[0], parent)
        print(f"已删除：{values[0]}")
    return 0


def run_holiday(ctx: Context, args: argparse.Namespace) -> int:
    office = OfficeService(ctx.db(), ctx.user)
    if args.action == "list":
        cov = office.coverage()
        print(
            f"日历程序包已知 {cov.first}–{cov.last} 年；其后的年份按下表和周末计算，"
            "下表没有的年份按周末估算（估算）。"
        )
        for h in office.holidays(args.year):
            print(f"{h.day}\t{'放假' if h.rest else '调休上班'}\t{h.name}")
        return 0
    if args.action == "import":
        return _import_notice(office, args)
    if args.first is None:
        raise UsageError(f"holiday {args.action} 需要日期，如 2027-01-01。")
    first = parse_date(args.first)
    last = parse_date(args.last) if args.last else first
    if args.action == "add":
        changed = office.put_holidays(first, last, not args.workday, args.name)
    else:
        days = [h.day for h in office.holidays() if first <= h.day <= last]
        changed = office.remove_holidays(days)
    print(
        f"已{'填写' if args.action == 'add' else '删除'} {first} 至 {last}；{changed} "
        "件信访件的期限随之改变。"
    )
    return 0


def _span(days: list[dt.date]) -> str:
    if not days:
        return "—"
    if len(days) == 1:
        return f"{days[0]}"
    return f"{days[0]} 至 {days[-1]}（{len(days)} 天）"


def _import_notice(office: OfficeService, args: argparse.Namespace) -> int:
    if args.first is None:
        raise UsageError("holiday import 需要通知的文本文件，如 settings holiday import 通知.txt")
    path = Path(args.first)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"找不到文件：{path}") from None
    except UnicodeDecodeError:
        try:
            text = path.read_text(encoding="gb18030")  # saved from a Chinese Windows editor
        except UnicodeDecodeError:
            raise UsageError(f"{path} 不是文本文件（UTF-8 或 GBK）。") from None
    notice = parse_notice(text, args.year)
    print(f"读到 {notice.year} 年的节假日安排：")
    for h in notice.holidays:
        work = "、".join(f"{d}（星期{WEEKDAYS[d.weekday()]}）" for d in h.workdays) or "无"
        print(f"  {h.name}：放假 {_span(h.rest)}；调休上班 {work}")
    if args.dry_run:
        print("（--dry-run：未保存。）")
        return 0

    progress = ProgressLine("正在重新计算期限 {done}/{total}")
    saved = office.import_holidays(notice, progress)
    progress.finish()
    print(f"已保存 {saved.written} 天；{saved.reprojected} 件信访件的期限随之改变。")
    if saved.skipped:
        print(f"{saved.skipped} 天属于日历程序包已知的年份，以程序包为准，未写入。")
    if saved.removed:
        print(f"原先手工填写的 {notice.year} 年 {saved.removed} 天不在通知中，已删除。")
    return 0
