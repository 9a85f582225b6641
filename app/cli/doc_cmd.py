"""`xinfang doc --case 编号 --template NAME --out FILE.docx`: one 文书 for one case."""

import argparse
from pathlib import Path

from app.cli.context import Context, UsageError
from app.documents.service import DocumentService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doc", help="生成一件信访的文书（受理告知书、转送函、处理意见书等）")
    p.add_argument("--case", required=True, help="信访件编号")
    p.add_argument("--template", help="文书模板名称；不写则列出这件信访能生成的文书")
    p.add_argument(
        "--repair",
        action="store_true",
        help="把模板中 Word 拆开的标签、中文引号整理好并保存为本单位的模板（不加也能生成）",
    )
    p.add_argument("--out", help="输出文件 .docx")
    p.set_defaults(func=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    service = DocumentService(ctx.db(), ctx.user)
    if not args.template:
        for info, why in service.case_documents(args.case):
            print(f"{info.name}\t{why or '可以生成'}")
        return 0
    if not args.out:
        raise UsageError("请用 --out 指定输出文件（.docx）。")
    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        raise UsageError("--out 应是 .docx 文件。")
    result = service.case_document(args.case, args.template, out, repair=args.repair)
    if result.repairs:
        print(
            "模板已整理并保存为本单位的模板："
            if result.saved
            else "模板中 Word/WPS 造成的格式差异已在生成时自动处理（模板文件未改动）："
        )
        for note in result.repairs:
            print(f"  {note}")
    print(f"已生成：{result.path}")
    return 0
