"""The office service: 单位名称 and every §3/§5 setting, the dictionaries, the holiday list.

What the settings page, the first-run dialog and `xinfang settings` call. One transaction per
call; every change is audited. A change to a limit or to the holiday list recomputes every
case's deadlines in the same transaction, so the case list never shows a due date computed under
the old rule; a change to the 集体访 threshold re-derives the flag of cases the clerk did not
set by hand.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, insert, literal, select, update
from sqlalchemy.orm import Session

from app import audit, clock
from app.cases import rules
from app.cases.deadlines import known_years
from app.cases.reprojection import reproject_all
from app.db import Database
from app.errors import DomainError
from app.models import AuditEntry, Case, DictEntry
from app.office import dictionary_edit, settings
from app.office import holidays as holiday_list
from app.office.dictionary_edit import DictItem
from app.office.holiday_notice import Notice
from app.office.holidays import Coverage, Holiday
from app.safety import auth


@dataclass(frozen=True)
class NoticeImported:
    written: int  # days stored in the office list
    skipped: int  # days of years the calendar package already knows
    removed: int  # office entries of the notice's year the notice does not list
    reprojected: int  # cases whose deadlines changed


@dataclass(frozen=True)
class Spec:
    name: str  # what the clerk calls it (messages, audit log)
    kind: type
    low: int | None = None
    high: int | None = None
    why: str = ""  # appended to a range error: the rule behind the bound


# Every key of settings.DEFAULTS. Bounds keep a slip (600 for 60) from reaching every deadline.
SPECS: dict[str, Spec] = {
    "office_name": Spec("单位名称", str, 1, 50),
    "office_phone": Spec("查询电话", str, 0, 40),
    "number_prefix": Spec("编号前缀", str, 1, 10),
    "collective_threshold": Spec("集体访人数", int, 2, 100),
    "working_days": Spec("按工作日计算期限", bool),
    "decision_days": Spec("受理告知期限", int, 1, 90, "条例第二十三条规定为15日"),
    "handling_days": Spec("办理期限", int, 1, 180, "条例第三十四条规定为60日"),
    "max_extension_days": Spec("延期上限", int, 1, 30, "条例第三十四条：延长期限不得超过30日"),
    "review_request_days": Spec(
        "复查/复核申请期限", int, 1, 90, "条例第三十五、三十六条规定为30日"
    ),
    "review_opinion_days": Spec(
        "复查/复核意见期限", int, 1, 90, "条例第三十五、三十六条规定为30日"
    ),
    "npc_months": Spec("人大建议办理期限（月）", int, 1, 12),
    "cppcc_months": Spec("政协提案办理期限（月）", int, 1, 12),
    "warning_days": Spec("临期提醒天数", int, 1, 60),
    "visit_window_days": Spec("待回访范围（答复或办结后天数）", int, 1, 3650),
    "count_basic_satisfied": Spec("满意率计入基本满意", bool),
    "idle_lock_minutes": Spec("无操作自动锁定（分钟）", int, 1, 240),
    "backup_keep": Spec("保留备份份数", int, 1, 365),
    "backup_dir": Spec("备份文件夹", str, 0, 260),
    "superior_org": Spec("上一级机关（复查机关）", str, 0, 50),
    "recheck_org": Spec("复核机关", str, 0, 50),
    "report_to": Spec("报告主送机关", str, 0, 100),
    "doc_code": Spec("发文机关代字", str, 0, 10),
    "doc_no_pattern": Spec("发文字号格式", str, 1, 60),
    "attachment_max_mb": Spec("附件大小上限（MB）", int, 1, 500),
    "trigger_half_period": Spec("督办清单：办理期限过半未反馈", bool),
    "trigger_assigned_due": Spec("督办清单：交办期限已过未反馈", bool),
    "trigger_due_soon": Spec("督办清单：临期未答复", bool),
    "trigger_repeat": Spec("督办清单：办理期间再次信访", bool),
    "alert_repeat_visits": Spec("预警：同一人7日内两次以上信访", bool),
    "alert_collective": Spec("预警：集体访", bool),
    "alert_high_level": Spec("预警：进京、赴省上访", bool),
    "alert_rising": Spec("预警：问题类别或被反映对象环比上升", bool),
    "alert_overdue": Spec("预警：超期未办结", bool),
    "alert_window_days": Spec("预警范围（最近登记天数）", int, 1, 90),
    "clerk_department_scope": Spec("登记员只能查看和办理本科室的信访件", bool),
}
# Settings that `projection.project()` reads: a change recomputes every case's deadlines.
LIMIT_KEYS = frozenset(
    {"working_days", "decision_days", "handling_days", "npc_months", "cppcc_months"}
)
_PREFIX = re.compile(r"[A-Za-z0-9\u4e00-\u9fff]+")
_TRUE = {"1", "true", "yes", "y", "是", "对", "开", "on"}
_FALSE = {"0", "false", "no", "n", "否", "不", "关", "off"}


def parse(key: str, text: str) -> Any:
    """A setting typed at the command line, converted to its type (validated by `update`)."""
    spec = _spec(key)
    text = text.strip()
    if spec.kind is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise DomainError(f"{spec.name}应为“是”或“否”。", field=key)
    if spec.kind is int:
        try:
            return int(text)
        except ValueError:
            raise DomainError(f"{spec.name}应为整数。", field=key) from None
    return text


def _spec(key: str) -> Spec:
    if key in SPECS:
        return SPECS[key]
    if key in settings.DEFAULTS:  # a setting added later without bounds here: typed by default
        return Spec(key, type(settings.DEFAULTS[key]))
    raise DomainError(f"没有名为“{key}”的设置。可用：{'、'.join(settings.DEFAULTS)}", field=key)


def validate(key: str, value: Any) -> Any:
    """The value, cleaned; a DomainError naming the setting when it is out of bounds."""
    spec = _spec(key)
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise DomainError(f"{spec.name}应为“是”或“否”。", field=key)
        return value
    if spec.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(f"{spec.name}应为整数。", field=key)
        low = spec.low if spec.low is not None else -(2**31)
        high = spec.high if spec.high is not None else 2**31
        if not low <= value <= high:
            why = f"（{spec.why}）" if spec.why else ""
            raise DomainError(f"{spec.name}应在 {spec.low} 至 {spec.high} 之间{why}。", field=key)
        return value
    if not isinstance(value, str):
        raise DomainError(f"{spec.name}应为文字。", field=key)
    value = value.strip()
    if spec.low and not value:
        raise DomainError(f"请填写{spec.name}。", field=key)
    if spec.high is not None and len(value) > spec.high:
        raise DomainError(f"{spec.name}最多 {spec.high} 个字。", field=key)
    if key == "number_prefix" and not _PREFIX.fullmatch(value):
        raise DomainError(
            "编号前缀只能用字母、数字或汉字（如 XF、信），不能有空格或符号。", field=key
        )
    if key == "backup_dir" and value:
        # Checked here, not at backup time, so a mistyped path is caught while the clerk is here.
        from pathlib import Path

        path = Path(value)
        if not path.is_absolute():
            raise DomainError("备份文件夹应填写完整路径（如 D:\\信访备份）。", field=key)
        if path.exists() and not path.is_dir():
            raise DomainError(f"“{value}”是一个文件，不是文件夹。", field=key)
    return value


@dataclass(frozen=True)
class SettingsSaved:
    changed: list[str]  # keys whose value changed
    reprojected: int  # cases whose deadlines were recomputed and changed
    collective_changed: int  # cases whose derived 集体访 flag flipped


def _rederive_collective(session: Session, threshold: int, user: str) -> int:
    """集体访 = 来访 with ≥ threshold persons, for cases without a manual override."""
    derived = rules.derived_collective_sql(threshold)
    where = [Case.collective_override.is_(None), Case.collective != derived]
    session.execute(
        insert(AuditEntry).from_select(
            ["at", "user", "action", "entity", "entity_id", "field", "old", "new"],
            select(
                literal(clock.now()),
                literal(user),
                literal("设置变更"),
                literal("case"),
                Case.number,
                literal("collective"),
                case((Case.collective.is_(True), "是"), else_="否"),
                case((Case.collective.is_(True), "否"), else_="是"),
            ).where(*where),
        )
    )
    result = session.execute(update(Case).where(*where).values(collective=derived))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class OfficeService:
    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        # The signed-in account, never a default. Reads need `view_case`; every write checks
        # `settings`: settings and dictionaries are the 管理员's.
        self.user = user

    def _may_read(self) -> None:
        auth.require(self.user, "view_case")

    def _may_change(self) -> None:
        auth.require(self.user, "settings")

    # ---- settings ----
    def settings(self) -> dict[str, Any]:
        self._may_read()
        with self.db.read() as s:
            return settings.get_all(s)

    def update_settings(
        self, changes: dict[str, Any], progress: Callable[[int, int], None] | None = None
    ) -> SettingsSaved:
        """Validate every value first, then write them all (or nothing) and follow the effects."""
        self._may_change()
        clean = {key: validate(key, value) for key, value in changes.items()}
        with self.db.session() as s:
            current = settings.get_all(s)
            changed = [k for k, v in clean.items() if current[k] != v]
            for key in changed:
                settings.put(s, key, clean[key])
                audit.record(
                    s,
                    self.user.label,
                    "修改",
                    "setting",
                    key,
                    _spec(key).name,
                    current[key],
                    clean[key],
                )
            collective = 0
            if "collective_threshold" in changed:
                collective = _rederive_collective(s, clean["collective_threshold"], self.user.label)
            reprojected = 0
            if LIMIT_KEYS.intersection(changed):
                reprojected = reproject_all(s, progress)
        return SettingsSaved(changed, reprojected, collective)

    def needs_first_run(self) -> bool:
        self._may_read()
        with self.db.read() as s:
            return not str(settings.get(s, "office_name")).strip()

    def first_run(self, office_name: str, departments: list[str]) -> None:
        """单位名称 and the office's own 科室 list, replacing the placeholder departments."""
        self._may_change()
        name = validate("office_name", office_name)
        wanted = list(dict.fromkeys(d.strip() for d in departments if d.strip()))
        if not wanted:
            raise DomainError("请至少填写一个科室（承办单位）。", field="departments")
        with self.db.session() as s:
            old = settings.get(s, "office_name")
            settings.put(s, "office_name", name)
            audit.record(
                s, self.user.label, "修改", "setting", "office_name", "单位名称", old, name
            )
            have = {i.value: i for i in dictionary_edit.items(s, "department")}
            for value in wanted:
                if value not in have or not have[value].active:
                    dictionary_edit.add(s, "department", value, user=self.user.label)
            for item in have.values():
                if item.value in wanted:
                    continue
                if item.uses:  # cases keep their 承办单位; it is only no longer offered
                    dictionary_edit.set_active(
                        s, "department", item.value, False, user=self.user.label
                    )
                else:
                    dictionary_edit.remove(s, "department", item.value, user=self.user.label)
            # The clerk's order is the order the forms offer.
            rows = {
                r.value: r
                for r in s.scalars(select(DictEntry).where(DictEntry.kind == "department"))
            }
            for i, value in enumerate(wanted):
                rows[value].sort = i

    # ---- dictionaries ----
    def choices(self) -> dict[str, list[str]]:
        """Every list a combo box or filter chip offers, in the office's order, in one query."""
        from app.cases.workflow import STATUSES
        from app.office import dictionaries

        self._may_read()
        values: dict[str, list[str]] = {kind: [] for kind in dictionaries.KINDS}
        with self.db.read() as s:
            rows = s.execute(
                select(DictEntry.kind, DictEntry.parent, DictEntry.value)
                .where(DictEntry.active.is_(True))
                .order_by(DictEntry.sort, DictEntry.id)
            ).all()
        for kind, parent, value in rows:
            key = f"sub:{parent}" if kind == "subcategory" else kind
            values.setdefault(key, []).append(value)
        values["form"] = list(dictionaries.FORMS)
        values["status"] = list(STATUSES)
        values["nature"] = list(dictionaries.NATURES)
        values["visit_level"] = list(dictionaries.VISIT_LEVELS)
        return values

    def dictionary(self, kind: str, parent: str | None = None) -> list[DictItem]:
        self._may_read()
        with self.db.read() as s:
            return dictionary_edit.items(s, kind, parent)

    def add_value(self, kind: str, value: str, parent: str | None = None) -> str:
        self._may_change()
        with self.db.session() as s:
            return dictionary_edit.add(s, kind, value, parent, self.user.label)

    def rename_value(self, kind: str, old: str, new: str, parent: str | None = None) -> int:
        self._may_change()
        with self.db.session() as s:
            return dictionary_edit.rename(s, kind, old, new, parent, self.user.label)

    def move_value(self, kind: str, value: str, offset: int, parent: str | None = None) -> None:
        self._may_change()
        with self.db.session() as s:
            dictionary_edit.move(s, kind, value, offset, parent)

    def set_active(self, kind: str, value: str, active: bool, parent: str | None = None) -> None:
        self._may_change()
        with self.db.session() as s:
            dictionary_edit.set_active(s, kind, value, active, parent, self.user.label)

    def remove_value(self, kind: str, value: str, parent: str | None = None) -> None:
        self._may_change()
        with self.db.session() as s:
            dictionary_edit.remove(s, kind, value, parent, self.user.label)

    # ---- holidays ----
    def coverage(self) -> Coverage:
        self._may_read()
        with self.db.read() as s:
            return holiday_list.coverage(s)

    def missing_holiday_year(self) -> int | None:
        """Next year, from 1 November, when no holiday data knows it (the dashboard's notice)."""
        self._may_read()
        with self.db.read() as s:
            return holiday_list.missing_next_year(s)

    def holidays(self, year: int | None = None) -> list[Holiday]:
        self._may_read()
        with self.db.read() as s:
            return holiday_list.holidays(s, year)

    def put_holidays(
        self,
        first: dt.date,
        last: dt.date,
        rest: bool,
        name: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Write the days and recompute deadlines. Returns the cases whose deadlines changed."""
        self._may_change()
        with self.db.session() as s:
            holiday_list.put_range(s, first, last, rest, name, self.user.label)
            return reproject_all(s, progress)

    def import_holidays(
        self, notice: Notice, progress: Callable[[int, int], None] | None = None
    ) -> "NoticeImported":
        """Store a State Council notice (holiday_notice.parse) in one transaction.

        The notice is the whole arrangement of its year, so office entries of that year it does
        not list are removed (a draft typed in by hand before the notice came out). Days of years
        the calendar package knows are skipped: the package is authoritative for them.
        """
        self._may_change()
        known = known_years()
        keep = [d for d in notice.days if d.day.year not in known]
        skipped = len(notice.days) - len(keep)
        with self.db.session() as s:
            listed = {d.day for d in keep}
            stale = [h.day for h in holiday_list.holidays(s, notice.year) if h.day not in listed]
            removed = holiday_list.remove(s, stale, self.user.label)
            for d in keep:
                holiday_list.put_range(s, d.day, d.day, d.rest, d.name, self.user.label)
            reprojected = reproject_all(s, progress) if keep or removed else 0
        return NoticeImported(len(keep), skipped, removed, reprojected)

    def remove_holidays(
        self, days: list[dt.date], progress: Callable[[int, int], None] | None = None
    ) -> int:
        self._may_change()
        with self.db.session() as s:
            if not holiday_list.remove(s, days, self.user.label):
                return 0
            return reproject_all(s, progress)
