"""Which templates exist: the defaults shipped in `templates/`, and the office's own copies in the
data folder (`paths.templates_dir()`), which override a default of the same name or add new ones.
On a server the office's copies live in the database instead (table `stored_files`, kind
"template"; domain.md §9: every clerk sees them); each is read into a local copy named by its
hash (`server_cache_dir()`), so rendering and checking read a file as they do beside SQLite.

"Restore the default" moves the office's copy aside (never deletes it: it may hold a year of the
clerk's wording) into `已替换的旧模板/` (on a server: kind "template_old"), so the bundled default
shows through again. Every function takes the database as `db`; without it, or with a SQLite
file, the data folder is used.
"""

import datetime as dt
import hashlib
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from app import clock, paths
from app.errors import DomainError
from app.models import StoredFile
from app.safety import files

if TYPE_CHECKING:
    from app.db import Database

REPORT = "report"
CASE = "case"
OLD_DIR = "已替换的旧模板"
STORED = "template"  # stored_files.kind of the office's template on a server
STORED_OLD = "template_old"  # one put aside by "restore the default"
EDIT_DIR = "服务器模板（编辑中）"  # the clerk's working copies of server templates


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str  # REPORT or CASE
    description: str
    # A case needs one of these events for the 文书 to make sense.
    requires: tuple[str, ...] = ()
    # Sent to another body: a 检举控告类 case carries no petitioner identity (条例 Art.30).
    to_other_party: bool = False
    # Addressed to the petitioner (告知书, 意见书): an anonymous case has nobody to send it to.
    to_petitioner: bool = False
    # An internal form or a receipt carries the case's 编号, not a 发文字号.
    numbered: bool = True
    # Only for cases of these 信访形式 (a 来访回执 is handed to a visitor); empty = any.
    forms: tuple[str, ...] = ()


SPECS = [
    Spec("信访工作自查报告", REPORT, "年终自查报告：工作指标、保障指标"),
    Spec(
        "年度信访工作报告",
        REPORT,
        "条例第四十一条年度报告：数据统计、涉及领域、较多的单位、转送交办督办、建议采纳，含分类表、单位表和月度趋势图",
    ),
    Spec("月度统计表", REPORT, "月度/季度统计表（只有表格）"),
    Spec("受理告知书", CASE, "告知信访人已受理及办理期限", ("受理", "交办"), to_petitioner=True),
    Spec("不予受理告知书", CASE, "告知不予受理的理由和正确途径", ("不予受理",), to_petitioner=True),
    Spec("转送函", CASE, "将信访事项转送有权处理的机关", ("转送",), True),
    Spec("交办函", CASE, "将信访事项交办承办单位并提出期限", ("交办",), True),
    Spec(
        "延期办理告知书", CASE, "告知延期理由、批准人和新的办理期限", ("延期",), to_petitioner=True
    ),
    Spec(
        "信访事项处理意见书",
        CASE,
        "答复信访人：请求、事实和理由、处理意见、复查途径",
        ("答复",),
        to_petitioner=True,
    ),
    Spec("复查意见书", CASE, "复查意见及复核途径", ("复查意见",), to_petitioner=True),
    Spec("复核意见书", CASE, "复核意见（终结）", ("复核意见",), to_petitioner=True),
    Spec("督办单", CASE, "督促承办单位按期办结", ("督办",), True),
    # Internal: the full registration, identity included (not sent to anyone).
    Spec("信访事项登记表", CASE, "登记信息一览，供打印归档（内部材料）", numbered=False),
    Spec(
        "来访回执",
        CASE,
        "交给来访人：登记编号、受理告知期限、查询方式",
        to_petitioner=True,
        numbered=False,
        forms=("来访",),
    ),
]
_BY_NAME = {s.name: s for s in SPECS}


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    kind: str
    description: str
    requires: tuple[str, ...]
    to_other_party: bool
    default: Path | None  # the bundled file; None for the office's own new template
    override: Path | None  # the office's copy, when there is one
    to_petitioner: bool = False
    numbered: bool = True
    forms: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        path = self.override or self.default
        assert path is not None
        return path

    @property
    def source(self) -> str:
        if self.override is None:
            return "默认模板"
        return "本单位修改版" if self.default is not None else "本单位自建"


def default_dir() -> Path:
    return paths.bundled("templates")


def _info(
    spec: Spec | None, name: str, default: Path | None, override: Path | None
) -> TemplateInfo:
    if spec is None:
        spec = Spec(name, REPORT, "本单位自建模板")
    return TemplateInfo(
        spec.name,
        spec.kind,
        spec.description,
        spec.requires,
        spec.to_other_party,
        default,
        override,
        spec.to_petitioner,
        spec.numbered,
        spec.forms,
    )


def _on_server(db: "Database | None") -> bool:
    return db is not None and db.is_server


def server_cache_dir() -> Path:
    """Local copies of the server's templates, one folder per content hash (read, never
    edited: a clerk's edits go to `EDIT_DIR` and back with `install`)."""
    return paths.data_dir() / "服务器模板缓存"


def _office_files(db: "Database | None") -> dict[str, Path]:
    """The office's own templates by name: the data folder's .docx files, or on a server the
    database's (each fetched once into the local cache)."""
    if not _on_server(db):
        office = paths.templates_dir()
        # ~$ files are Word's lock files of an open document
        found = [p for p in office.glob("*.docx") if not p.name.startswith(("~$", "."))]
        return {p.stem: p for p in found}
    assert db is not None
    with db.read() as s:
        rows = s.execute(
            select(StoredFile.name, StoredFile.sha256).where(StoredFile.kind == STORED)
        ).all()
    out: dict[str, Path] = {}
    for name, sha in rows:
        local = server_cache_dir() / sha[:16] / f"{name}.docx"
        if not local.is_file():
            with db.read() as s:
                data = s.scalar(
                    select(StoredFile.content).where(
                        StoredFile.kind == STORED, StoredFile.name == name
                    )
                )
            if data is None:
                continue  # removed a moment ago by another clerk
            from app.documents.engine import write_atomic

            write_atomic(local, data)
        out[name] = local
    return out


def available(kind: str | None = None, db: "Database | None" = None) -> list[TemplateInfo]:
    """Every template, defaults first in their order, then the office's own additions.

    An office's own new template is a 文书 when it uses the case variables, else a report.
    """
    office = _office_files(db)
    out: list[TemplateInfo] = []
    for spec in SPECS:
        default = default_dir() / f"{spec.name}.docx"
        out.append(
            _info(
                spec,
                spec.name,
                default if default.exists() else None,
                office.get(spec.name),
            )
        )
    for name, own in sorted(office.items(), key=lambda item: f"{item[0]}.docx"):
        if name in _BY_NAME or name == CASE_FILE:
            continue
        info = _info(None, name, None, own)
        if _uses_case(own):
            # Its addressee is unknown, so it is treated as going to a unit: a protected case's
            # identity stays out of it (条例 Art.30).
            info = TemplateInfo(name, CASE, "本单位自建文书", (), True, None, own)
        out.append(info)
    out = [t for t in out if t.default is not None or t.override is not None]
    return [t for t in out if kind is None or t.kind == kind]


# The 卷宗 (docs/rules.md, 卷宗): a template like the others (default in templates/, the office's
# own copy in its templates folder wins) but not a 文书: it is not sent, gets no 文号 and is not
# in the case page's 文书 menu, so it stays out of `available()`.
CASE_FILE = "卷宗"


def case_file_template(db: "Database | None" = None) -> TemplateInfo:
    default = default_dir() / f"{CASE_FILE}.docx"
    info = TemplateInfo(
        CASE_FILE,
        "case_file",
        "信访事项卷宗：封面、登记表、办理过程、文书、附件目录（内部材料）",
        (),
        False,
        default if default.exists() else None,
        _office_files(db).get(CASE_FILE),
    )
    if info.default is None and info.override is None:
        raise DomainError(f"找不到卷宗模板 {default}。请重新安装信访工作台。")
    return info


def _uses_case(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return "case." in xml or "petitioner." in xml


def find(name: str, kind: str | None = None, db: "Database | None" = None) -> TemplateInfo:
    name = name.strip().removesuffix(".docx")
    found = available(kind, db)
    for info in found:
        if info.name == name:
            return info
    names = "、".join(t.name for t in found)
    raise DomainError(f"没有名为“{name}”的模板。可用的模板：{names}。")


def make_editable(name: str, db: "Database | None" = None) -> Path:
    """The office's copy of a template (copied from the default the first time), to open in Word.

    On a server: a working copy in the data folder's `EDIT_DIR`, saved back to the database by
    `install` (the template manager's 导入模板). A working copy that differs from the server's
    version holds the clerk's edits in progress and is kept as it is."""
    info = find(name, db=db)
    if _on_server(db):
        target = paths.templates_dir() / EDIT_DIR / f"{info.name}.docx"
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(info.path, target)
        return target
    if info.override is not None:
        return info.override
    target = paths.templates_dir() / f"{info.name}.docx"
    shutil.copyfile(info.path, target)
    return target


def _stamp() -> str:
    return dt.datetime.combine(clock.today(), clock.now().time()).strftime("%Y%m%d-%H%M%S")


def _checked_docx(data: bytes, name: str) -> bytes:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            z.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        raise DomainError(f"“{name}”不是 Word 文档（.docx），没有保存。") from None
    return data


def install(name: str, source: Path | bytes, db: "Database | None" = None, user: str = "") -> Path:
    """Save `source` as the office's own template `name` (replacing the office's copy, adding a
    new template when the name is new); returns the copy the catalog now reads. On a server
    every clerk sees it at once."""
    name = name.strip().removesuffix(".docx")
    if not name or any(c in name for c in '\\/:*?"<>|') or name.startswith(("~$", ".")):
        raise DomainError(f"模板名称“{name}”不能用作文件名。")
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    data = _checked_docx(data, name)
    if not _on_server(db):
        from app.documents.engine import write_atomic

        target = paths.templates_dir() / f"{name}.docx"
        write_atomic(target, data)
        return target
    assert db is not None
    sha = hashlib.sha256(data).hexdigest()
    with db.session() as s:
        row = s.scalar(
            select(StoredFile)
            .where(StoredFile.kind == STORED, StoredFile.name == name)
            .with_for_update()
        )
        if row is None:
            row = StoredFile(kind=STORED, name=name)
            s.add(row)
        row.content, row.size, row.sha256 = data, len(data), sha
        row.created_at, row.created_by = clock.now(), user[:30]
    return _office_files(db)[name]


def export(name: str, target: Path, db: "Database | None" = None) -> Path:
    """A copy of the template the office uses (its own or the default) at `target`."""
    from app.documents.engine import write_atomic

    info = find(name, db=db)
    write_atomic(Path(target), info.path.read_bytes())
    return Path(target)


def restore_default(name: str, db: "Database | None" = None) -> Path | str | None:
    """Put the office's copy aside; return where it went (None when there was none)."""
    info = find(name, db=db)
    if info.default is None:
        raise DomainError(f"“{info.name}”是本单位自建的模板，没有默认版本可以恢复。")
    if info.override is None:
        return None
    if _on_server(db):
        assert db is not None
        old_name = f"{info.name}（{_stamp()}替换）"
        with db.session() as s:
            row = s.scalar(
                select(StoredFile)
                .where(StoredFile.kind == STORED, StoredFile.name == info.name)
                .with_for_update()
            )
            if row is None:
                return None  # another clerk restored it a moment ago
            row.kind, row.name = STORED_OLD, old_name
        return f"服务器数据库（{OLD_DIR}：{old_name}）"
    old = paths.templates_dir() / OLD_DIR
    old.mkdir(exist_ok=True)
    target = old / f"{info.name}（{_stamp()}替换）.docx"
    try:
        files.replace(info.override, target)
    except PermissionError:
        raise DomainError(f"模板“{info.name}”正被 Word/WPS 打开，请先关闭它再恢复默认。") from None
    return target
