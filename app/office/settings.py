"""Office settings kept in the database (so a backup carries them), with their defaults."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Setting

# Every "setting" of docs/rules.md, 时限 and 统计 with its default.
DEFAULTS: dict[str, Any] = {
    "office_name": "",  # 单位名称, asked on first run
    "office_phone": "",  # 查询电话, printed on the 来访回执
    "number_prefix": "XF",  # 编号 prefix: XF2025-0001
    "collective_threshold": 5,  # 集体访: 来访 with at least this many persons
    "working_days": False,  # count limits in working days instead of calendar days
    "decision_days": 15,  # 受理/不予受理/转送/交办 within (Art.23)
    "handling_days": 60,  # 办理 within (Art.34)
    "max_extension_days": 30,  # 延期 at most (Art.34)
    "review_request_days": 30,  # 复查/复核 request within (Art.35/36)
    "review_opinion_days": 30,  # 复查/复核 opinion within
    "npc_months": 3,  # 人大建议 answered within
    "cppcc_months": 3,  # 政协提案 answered within
    "warning_days": 7,  # 临期 window
    "visit_window_days": 90,  # 待回访 lists cases answered/closed within this many days
    "count_basic_satisfied": True,  # 满意率 counts 基本满意
    "idle_lock_minutes": 15,
    "backup_keep": 10,
    "backup_dir": "",  # empty = the data folder's backups/
    # 文书 and reports (docs/rules.md, 文书): who reviews, who receives, how documents are numbered.
    "superior_org": "",  # 上一级机关: 复查 goes there (处理意见书), it issues the 复查意见书
    "recheck_org": "",  # 复核机关: the 复查机关's superior, issues the 复核意见书
    "report_to": "",  # 报告主送机关 of the self-check and annual reports
    "doc_code": "",  # 发文机关代字, e.g. 县水
    "doc_no_pattern": "{代字}信{类}〔{年}〕{序号}号",  # 发文字号; {类} per 文书 type
    "attachment_max_mb": 50,  # 附件: largest file accepted (MB); a scan of a letter is ~5 MB
    # 督办清单 triggers and 预警 (docs/rules.md, 督办清单 and 预警), each can be switched off.
    "trigger_half_period": True,  # half the handling period gone, no 反馈 and no 答复
    "trigger_assigned_due": True,  # a 交办 期限 passed without 反馈
    "trigger_due_soon": True,  # 临期 (warning_days) without 答复
    "trigger_repeat": True,  # the petitioner registers again while the case is open
    "alert_repeat_visits": True,  # one person registered twice less than 7 days apart
    "alert_collective": True,  # a 集体访 registered
    "alert_high_level": True,  # a 进京/赴省 visit registered
    "alert_rising": True,  # a 一级分类 or 被反映对象 up ≥ 50 % month on month with ≥ 5 cases
    "alert_overdue": True,  # open cases past their limit
    "alert_window_days": 7,  # the 预警 panel shows what was registered in these last days
    # 科室 data scope (§9, app/cases/scope.py): a 登记员 with a 科室 sees and handles only that
    # 科室's cases and those with no 科室 yet; statistics stay office-wide.
    "clerk_department_scope": False,
}


def get(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS[key]


def get_all(session: Session) -> dict[str, Any]:
    values = dict(DEFAULTS)
    # Only the office settings: the table also keeps other rows (remembered ledger mappings).
    for row in session.scalars(select(Setting).where(Setting.key.in_(list(DEFAULTS)))):
        values[row.key] = row.value
    return values


def put(session: Session, key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
