"""`xinfang case link A B`, `xinfang case unlink A B`, `xinfang case merge DUP --into KEEP` and
`xinfang case links N`: hooked into the `case` command by `register_case`."""

import argparse

from app.cases.supervision_service import SupervisionService
from app.cli.context import Context


def register_case(cs: argparse._SubParsersAction) -> None:
    link = cs.add_parser("link", help="关联两件反映同一事项的信访件")
    link.add_argument("a", help="编号")
    link.add_argument("b", help="编号")
    link.add_argument("--note", default="", help="说明")
    link.set_defaults(func=run_link)
    unlink = cs.add_parser("unlink", help="取消两件信访件的关联")
    unlink.add_argument("a", help="编号")
    unlink.add_argument("b", help="编号")
    unlink.set_defaults(func=run_unlink)
    merge = cs.add_parser(
        "merge", help="合并重复登记：重复的一件作废（重复登记）并关联到保留的一件"
    )
    merge.add_argument("duplicate", help="重复登记的编号（将作废）")
    merge.add_argument("--into", required=True, help="保留的编号")
    merge.set_defaults(func=run_merge)
    links = cs.add_parser("links", help="列出与一件信访件关联的信访件")
    links.add_argument("number", help="编号")
    links.set_defaults(func=run_links)


def run_link(ctx: Context, args: argparse.Namespace) -> int:
    SupervisionService(ctx.db(), ctx.user).link(args.a, args.b, args.note)
    print(f"已关联：{args.a} ↔ {args.b}")
    return 0


def run_unlink(ctx: Context, args: argparse.Namespace) -> int:
    SupervisionService(ctx.db(), ctx.user).unlink(args.a, args.b)
    print(f"已取消关联：{args.a} ↔ {args.b}")
    return 0


def run_merge(ctx: Context, args: argparse.Namespace) -> int:
    detail = SupervisionService(ctx.db(), ctx.user).merge(args.duplicate, args.into)
    print(f"{detail.number} 已作废（重复登记），并关联到 {args.into}；原办理记录保留。")
    return 0


def run_links(ctx: Context, args: argparse.Namespace) -> int:
    found = SupervisionService(ctx.db(), ctx.user).links(args.number)
    for v in found:
        print(f"{v.number}\t{v.received_on}\t{v.status}\t{v.relation}\t{v.summary}")
    print(f"关联信访件共 {len(found)} 件")
    return 0
