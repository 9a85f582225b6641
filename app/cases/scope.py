"""The 科室 data scope (§9, issue 20 item 5): with the office setting `clerk_department_scope`
on, a 登记员 whose account has a 科室 sees and handles only the cases of that 科室 — and the
cases with no 科室 yet, which a newly registered case usually is: intake must stay reachable for
whoever is on duty, and a 待受理 case no 登记员 could see would wait for an administrator.

管理员 and 查阅 are not limited (查阅 stays read-only); statistics, reports, the 预警 counts
and 封账 are office-wide whoever asks. The services apply it: the lists through
`CaseFilter.department_scope` (set by `restrict`, whatever the caller passed), a single case
through `check` — in CaseService, SupervisionService, DocumentService (a case's 文书, the
文书 variable reference) and AttachmentService (a case's files, also when reached by an
attachment's id, and its 卷宗).
"""

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.search import CaseFilter, scope_condition
from app.errors import DomainError
from app.models import Case
from app.office import settings
from app.safety import auth

SETTING = "clerk_department_scope"


def department_of(session: Session, user: auth.CurrentUser) -> str | None:
    """The 科室 `user` is limited to, or None when it sees every case."""
    if user.role != auth.CLERK or not user.department:
        return None
    if not settings.get(session, SETTING):
        return None
    return user.department


def visible(case: Case, department: str | None) -> bool:
    return department is None or not case.department or case.department == department


def restrict(session: Session, user: auth.CurrentUser, f: CaseFilter) -> CaseFilter:
    """`f` with the user's scope, replacing any the caller set."""
    department = department_of(session, user)
    if f.department_scope == department:
        return f
    return dataclasses.replace(f, department_scope=department)


def check(session: Session, user: auth.CurrentUser, case: Case) -> None:
    """Refuse a case outside the user's scope (opened by 编号, a stale link, the CLI)."""
    department = department_of(session, user)
    if not visible(case, department):
        raise DomainError(
            f"信访件 {case.number} 属于{case.department}，本单位设置登记员只能查看和办理"
            f"本科室（{department}）的信访件；请由管理员或{case.department}的同事办理。"
        )


def filter_ids(session: Session, user: auth.CurrentUser, case_ids: list[int]) -> list[int]:
    """The ids of `case_ids` the user may see, in their order (the 督办 list, linked cases)."""
    department = department_of(session, user)
    if department is None or not case_ids:
        return case_ids
    allowed = set(
        session.scalars(select(Case.id).where(Case.id.in_(case_ids), scope_condition(department)))
    )
    return [i for i in case_ids if i in allowed]
