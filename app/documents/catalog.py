"""Which templates exist: the defaults shipped in `templates/`, and the office's own copies in the
data folder (`paths.templates_dir()`), which override a default of the same name or add new ones.

"Restore the default" moves the office's copy aside (never deletes it: it may hold a year of the
clerk's wording) into `已替换的旧模板/`, so the bundled default shows through again.
"""

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from app import clock, paths
from app.errors import DomainError
from app.safety import files

REPORT = "report"
CASE = "case"
OLD_DIR = "已替换的旧模板"


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


def available(kind: str | None = None) -> list[TemplateInfo]:
    """Every template, defaults first in their order, then the office's own additions.

    An office's own new template is a 文书 when it uses the case variables, else a report.
    """
    office = paths.templates_dir()
    out: list[TemplateInfo] = []
    for spec in SPECS:
        default = default_dir() / f"{spec.name}.docx"
        own = office / f"{spec.name}.docx"
        out.append(
            _info(
                spec,
                spec.name,
                default if default.exists() else None,
                own if own.exists() else None,
            )
        )
    for own in sorted(office.glob("*.docx")):
        if own.stem in _BY_NAME or own.stem == CASE_FILE or own.name.startswith(("~$", ".")):
            continue  # ~$ files are Word's lock files of an open document
        info = _info(None, own.stem, None, own)
        if _uses_case(own):
            # Its addressee is unknown, so it is treated as going to a unit: a protected case's
            # identity stays out of it (条例 Art.30).
            info = TemplateInfo(own.stem, CASE, "本单位自建文书", (), True, None, own)
        out.append(info)
    out = [t for t in out if t.default is not None or t.override is not None]
    return [t for t in out if kind is None or t.kind == kind]


# The 卷宗 (docs/rules.md, 卷宗): a template like the others (default in templates/, the office's
# own copy in its templates folder wins) but not a 文书: it is not sent, gets no 文号 and is not
# in the case page's 文书 menu, so it stays out of `available()`.
CASE_FILE = "卷宗"


def case_file_template() -> TemplateInfo:
    default = default_dir() / f"{CASE_FILE}.docx"
    own = paths.templates_dir() / f"{CASE_FILE}.docx"
    info = TemplateInfo(
        CASE_FILE,
        "case_file",
        "信访事项卷宗：封面、登记表、办理过程、文书、附件目录（内部材料）",
        (),
        False,
        default if default.exists() else None,
        own if own.exists() else None,
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


def find(name: str, kind: str | None = None) -> TemplateInfo:
    name = name.strip().removesuffix(".docx")
    for info in available(kind):
        if info.name == name:
            return info
    names = "、".join(t.name for t in available(kind))
    raise DomainError(f"没有名为“{name}”的模板。可用的模板：{names}。")


def make_editable(name: str) -> Path:
    """The office's copy of a template (copied from the default the first time), to open in Word."""
    info = find(name)
    if info.override is not None:
        return info.override
    target = paths.templates_dir() / f"{info.name}.docx"
    shutil.copyfile(info.path, target)
    return target


def restore_default(name: str) -> Path | None:
    """Put the office's copy aside; return where it went (None when there was none)."""
    info = find(name)
    if info.default is None:
        raise DomainError(f"“{info.name}”是本单位自建的模板，没有默认版本可以恢复。")
    if info.override is None:
        return None
    old = paths.templates_dir() / OLD_DIR
    old.mkdir(exist_ok=True)
    stamp = dt.datetime.combine(clock.today(), clock.now().time()).strftime("%Y%m%d-%H%M%S")
    target = old / f"{info.name}（{stamp}替换）.docx"
    try:
        files.replace(info.override, target)
    except PermissionError:
        raise DomainError(f"模板“{info.name}”正被 Word/WPS 打开，请先关闭它再恢复默认。") from None
    return target
