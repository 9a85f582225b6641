"""The supervision service (issue 17 items 4–6): the 督办 list, the 预警 panel and linked cases,
for the GUI and the CLI. One short session per call, plain data out, every call checked.

A 督办 from the list is recorded through the case service's `act` (one event kind, the same
validation as the case page) and its 督办单 through the document service.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from app import clock
from app.cases import alerts, links, scope, supervision, writing
from app.cases.alerts import Alert
from app.cases.links import LinkView
from app.cases.search import CaseRow, rows_by_id
from app.cases.service import CaseDetail, CaseService, _load
from app.cases.supervision import Hit
from app.db import Database
from app.errors import DomainError
from app.models import Case
from app.office import settings
from app.safety import auth

SUPERVISION_FORM = "督办单"
T = TypeVar("T")


@dataclass(frozen=True)
class Supervised:
    detail: CaseDetail
    document: Path | None  # the 督办单 written, when asked for


@dataclass(frozen=True)
class SupervisionDefaults:
    """What the 督办 dialog fills in: the office as 督办单位, the unit handling the case."""

    by: str
    to: str
    due: dt.date


class SupervisionService:
    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        self.user = user  # the signed-in account: every call checks it (auth.require)

    def _may(self, action: str) -> None:
        auth.require(self.user, action)

    def _load(self, s: Session, key: int | str) -> Case:
        """The case, refused outside the account's 科室 scope (app/cases/scope.py)."""
        case = _load(s, key)
        scope.check(s, self.user, case)
        return case

    def _scoped(self, s: Session, found: list[Hit]) -> list[Hit]:
        allowed = set(scope.filter_ids(s, self.user, [h.case_id for h in found]))
        return [h for h in found if h.case_id in allowed]

    # ---- 督办清单 ----
    def supervision_list(self, as_of: dt.date | None = None) -> list[Hit]:
        self._may("view_case")
        with self.db.read() as s:
            return self._scoped(s, supervision.hits(s, as_of))

    def supervision_count(self, as_of: dt.date | None = None) -> int:
        self._may("view_case")
        with self.db.read() as s:
            if scope.department_of(s, self.user) is not None:
                return len(self._scoped(s, supervision.hits(s, as_of)))
            return supervision.count(s, as_of)

    def dismiss(self, key: int | str, note: str, rule: str = "") -> Hit:
        """不督办: take the case's hit (or all its hits) off the list, with the clerk's note."""
        self._may("edit_case")
        with self.db.session() as s:
            case = self._load(s, key)
            return supervision.dismiss(s, case.id, rule, note, self.user.label)

    def supervision_defaults(self, key: int | str) -> SupervisionDefaults:
        self._may("view_case")
        with self.db.read() as s:
            case = self._load(s, key)
            office = str(settings.get(s, "office_name") or "").strip()
            to = ""
            for ev in reversed(case.events):
                if ev.kind in ("交办", "转送") and str(ev.data.get("to", "")).strip():
                    to = str(ev.data["to"]).strip()
                    break
            to = to or (case.department or "")
            # The answer is due within the handling limit, a week at the least.
            due = clock.today() + dt.timedelta(days=7)
            if case.handling_due is not None and case.handling_due > due:
                due = case.handling_due
            return SupervisionDefaults(office, to, due)

    def supervise(
        self,
        key: int | str,
        by: str,
        to: str,
        due: dt.date | None,
        note: str = "",
        out: Path | None = None,
        on: dt.date | None = None,
    ) -> Supervised:
        """督办 from the list: the 督办 event {by, to, due, note} and, with `out`, its 督办单."""
        self._may("edit_case")
        if out is not None:
            self._may("export")
        if due is None:
            raise DomainError("请填写督办的答复期限。", field="due")
        day = on or clock.today()
        if due <= day:
            raise DomainError("督办答复期限应晚于督办日期。", field="due")
        data = {"by": by.strip(), "to": to.strip(), "due": due.isoformat(), "note": note.strip()}
        detail = CaseService(self.db, self.user).act(key, "督办", day, data)
        document = None
        if out is not None:
            from app.documents.service import DocumentService

            rendered = DocumentService(self.db, self.user).case_document(
                detail.number, SUPERVISION_FORM, out
            )
            document = rendered.path
        return Supervised(detail, document)

    def urge(self, key: int | str, note: str = "", on: dt.date | None = None) -> CaseDetail:
        """催办 from the list (the unit of the latest 交办/转送)."""
        self._may("edit_case")
        return CaseService(self.db, self.user).act(key, "催办", on, {"note": note.strip()})

    # ---- 预警 ----
    def alerts(self, as_of: dt.date | None = None) -> list[Alert]:
        self._may("view_case")
        with self.db.read() as s:
            return alerts.compute(s, as_of)

    # ---- 关联 ----
    def links(self, key: int | str) -> list[LinkView]:
        self._may("view_case")
        with self.db.read() as s:
            return links.links_of(s, self._load(s, key))

    def _write(
        self,
        keys: list[int | str],
        expected_version: int | None,
        work: Callable[[Session, list[Case]], T],
    ) -> T:
        """Both cases loaded for the write, rows held and scope-checked (app/cases/writing.py);
        `expected_version` is the version of the first, the page the clerk is on (the other
        is typed by 编号: its current state). A concurrent change is refused (StaleCase) or,
        without a version, done again; nothing half-written."""
        return writing.write(
            self.db,
            keys,
            [expected_version, *[None] * (len(keys) - 1)],
            work,
            admit=lambda s, case: scope.check(s, self.user, case),
        )

    def link(
        self, a: int | str, b: int | str, note: str = "", expected_version: int | None = None
    ) -> None:
        self._may("edit_case")

        def work(s: Session, cases: list[Case]) -> None:
            links.link(s, cases[0], cases[1], self.user.label, links.SAME_MATTER, note)

        self._write([a, b], expected_version, work)

    def unlink(self, a: int | str, b: int | str, expected_version: int | None = None) -> None:
        self._may("edit_case")

        def work(s: Session, cases: list[Case]) -> None:
            links.unlink(s, cases[0], cases[1], self.user.label)

        self._write([a, b], expected_version, work)

    def merge(
        self, duplicate: int | str, keep: int | str, expected_version: int | None = None
    ) -> CaseDetail:
        """合并重复登记: the duplicate is voided (重复登记) and linked; returns the duplicate.
        `expected_version`: the duplicate's, as its page showed it."""
        self._may("edit_case")
        from app.cases.service import read_detail

        def work(s: Session, cases: list[Case]) -> int:
            links.merge(s, cases[0], cases[1], self.user.label)
            return cases[0].id

        dup_id = self._write([duplicate, keep], expected_version, work)
        # Read once committed, outside the write (CaseService._after: the audit chain's lock).
        with self.db.read() as s:
            return read_detail(s, dup_id)

    def person_cases(self, key: int | str) -> list[CaseRow]:
        """信访人页面: every case of this case's petitioner (ID, else name + phone)."""
        self._may("view_case")
        with self.db.read() as s:
            ids = links.person_case_ids(s, self._load(s, key))
            return rows_by_id(s, ids, scope.department_of(s, self.user))
