"""`xinfang check` on a server: the files kept in the database (`stored_files`, domain.md §9).

On a server the attachments and the office's templates are rows of `stored_files`, each with
the SHA-256 it had when stored (an attachment's name is that hash too). The check hashes every
row's content where it lies — PostgreSQL's own `sha256()`, so no file crosses the network —
and reports, in the clerk's terms, an attachment whose content changed or whose file is gone
(by case, like the folder store's check on SQLite) and a template whose content changed (by
its name). Nothing is repaired here: the files come back from the server's backup.
"""

from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from app.attachments.copies import Needed
from app.attachments.store import ATTACHMENT
from app.documents.catalog import OLD_DIR, STORED, STORED_OLD
from app.models import Attachment, Case, StoredFile

RESTORE = "请单位的数据库管理员从服务器的备份（pg_dump）中恢复"


@dataclass
class StoredProblems:
    attachments: int = 0  # stored attachment files the attachment rows name
    templates: int = 0  # stored templates, the ones put aside included
    missing: list[str] = field(default_factory=list)  # hashes named by a row, not stored
    altered: list[str] = field(default_factory=list)  # hashes whose content is not that hash
    altered_templates: list[str] = field(default_factory=list)  # how the clerk knows them


def _needed(conn: Connection) -> Needed:
    """Every hash the attachment rows name (detached ones too: kept), with 编号 and name."""
    holders: dict[str, list[tuple[str, str]]] = {}
    rows = conn.execute(
        select(Attachment.sha256, Case.number, Attachment.name)
        .join(Case, Case.id == Attachment.case_id)
        .order_by(Case.number, Attachment.id)
    )
    for sha, number, name in rows:
        holders.setdefault(sha, []).append((number, name))
    return Needed(holders)


def check(conn: Connection, want: Needed) -> StoredProblems:
    # The content's hash computed by the server (PostgreSQL 11+), compared with the hash kept
    # beside it, and for an attachment with its name as well (content-addressed).
    actual = func.encode(func.sha256(StoredFile.content), "hex")
    found = StoredProblems()
    stored: set[str] = set()
    for kind, name, sha, real in conn.execute(
        select(StoredFile.kind, StoredFile.name, StoredFile.sha256, actual).order_by(
            StoredFile.kind, StoredFile.name
        )
    ):
        if kind == ATTACHMENT:
            stored.add(name)
            if name in want.holders and not (real == sha == name):
                found.altered.append(name)
        elif kind in (STORED, STORED_OLD):
            found.templates += 1
            if real != sha:
                where = f"“{name}”" if kind == STORED else f"“{name}”（{OLD_DIR}）"
                found.altered_templates.append(where)
    found.missing = [h for h in want.hashes if h not in stored]
    found.attachments = len(want.holders)
    return found


def items(conn: Connection) -> list[tuple[str, str, bool]]:
    """(label, what the clerk reads, sound) for the health report; nothing when the server
    keeps no attachment and no template."""
    want = _needed(conn)
    found = check(conn, want)
    out: list[tuple[str, str, bool]] = []
    if found.attachments:
        if not found.missing and not found.altered:
            out.append(("附件", f"{found.attachments} 个文件，内容校验一致", True))
        else:
            parts = []
            if found.missing:
                parts.append(f"缺少 {len(found.missing)} 个文件：{want.describe(found.missing)}")
            if found.altered:
                parts.append(
                    f"{len(found.altered)} 个文件内容被改动：{want.describe(found.altered)}"
                )
            text = f"共 {found.attachments} 个文件，" + "；".join(parts) + f"。{RESTORE}"
            out.append(("附件", text, False))
    if found.templates:
        if not found.altered_templates:
            out.append(("模板", f"本单位模板 {found.templates} 个，内容校验一致", True))
        else:
            names = "、".join(found.altered_templates)
            text = (
                f"本单位模板 {found.templates} 个，其中{names}的内容与保存时不一致"
                f"（被改动或损坏），用它生成的文书或报告可能出错。{RESTORE}，"
                "或由管理员重新导入模板"
            )
            out.append(("模板", text, False))
    return out
