"""`xinfang case attach|attachments|detach|file`: a case's attachments and its 卷宗.

Registered under `case` by `case_cmd.register` (one line there)."""

import argparse
from pathlib import Path

from app.attachments.names import KINDS
from app.attachments.service import AttachmentService
from app.cli.context import Context, UsageError


def register(cs: argparse._SubParsersAction) -> None:
    attach = cs.add_parser("attach", help="给信访件添加附件（来信原件、照片、回执等）")
    attach.add_argument("number", help="编号")
    attach.add_argument("files", nargs="+", metavar="FILE", help="文件（可以多个）")
    attach.add_argument("--kind", default="其他", choices=KINDS, help="类别（默认 其他）")
    attach.set_defaults(func=run_attach)

    ls = cs.add_parser("attachments", help="列出信访件的附件")
    ls.add_argument("number", help="编号")
    ls.add_argument("--all", action="store_true", help="也列出已移除的附件")
    ls.set_defaults(func=run_list)

    detach = cs.add_parser("detach", help="移除一个附件（文件保留，写入修改记录）")
    detach.add_argument("number", help="编号")
    detach.add_argument("id", type=int, help="附件编号（case attachments 列出的第一列）")
    detach.add_argument("--reason", required=True, help="移除原因")
    detach.set_defaults(func=run_detach)

    case_file = cs.add_parser("file", help="生成信访件的卷宗（封面、登记表、办理过程、文书、附件）")
    case_file.add_argument("number", help="编号")
    case_file.add_argument("--out", required=True, help="输出文件 .docx，如 卷宗.docx")
    case_file.set_defaults(func=run_file)


def run_attach(ctx: Context, args: argparse.Namespace) -> int:
    service = AttachmentService(ctx.db(), ctx.user)
    for view, created in service.attach(args.number, [Path(f) for f in args.files], args.kind):
        if created:
            print(f"已添加：[{view.id}] {view.kind} {view.name}（{view.size_text}）")
        else:
            print(f"本件已有相同内容的附件：[{view.id}] {view.name}，未重复添加")
    return 0


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    rows = AttachmentService(ctx.db(), ctx.user).attachments(args.number, detached=args.all)
    for a in rows:
        state = (
            f"\t已移除（{a.detached_at:%Y-%m-%d} {a.detached_by}：{a.detached_reason}）"
            if a.detached
            else ""
        )
        doc_no = f"\t{a.doc_no}" if a.doc_no else ""
        print(
            f"{a.id}\t{a.kind}\t{a.name}\t{a.size_text}\t{a.added_at:%Y-%m-%d %H:%M}\t{a.added_by}"
            f"\t{a.sha256[:12]}{doc_no}{state}"
        )
    print(f"共 {len(rows)} 个附件")
    return 0


def run_detach(ctx: Context, args: argparse.Namespace) -> int:
    view = AttachmentService(ctx.db(), ctx.user).detach(args.number, args.id, args.reason)
    print(f"已移除附件：[{view.id}] {view.name}（文件保留，可在 case attachments --all 中看到）")
    return 0


def run_file(ctx: Context, args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        raise UsageError("--out 应是 .docx 文件。")
    path = AttachmentService(ctx.db(), ctx.user).case_file(args.number, out)
    print(f"已生成卷宗：{path}（内部材料，不得提供给被反映对象）")
    return 0
