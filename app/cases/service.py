"""The case service: what the GUI and the CLI call. One short session per call, plain data out."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.cases import intake, outgoing, projection, sanitize, scope, search, workflow, writing
from app.cases.intake import CaseInput, EarlierCase
from app.cases.search import CaseFilter, CaseRow
from app.db import Database
from app.errors import DomainError
from app.models import Case
from app.office import dictionaries, settings
from app.safety import auth


@dataclass(frozen=True)
class EventView:
    seq: int
    kind: str
    on: dt.date
    data: dict[str, Any]
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class AuditView:
    at: dt.datetime
    user: str
    action: str
    field: str | None
    old: str | None
    new: str | None
    computer: str | None = None  # where the entry was made (None: before it was kept)


@dataclass
class CaseDetail:
    id: int
    number: str
    input: CaseInput  # every editable field, as the form shows it
    status: str
    collective: bool
    decision_kind: str | None
    decision_on: dt.date | None
    decision_due: dt.date | None
    accepted_on: dt.date | None
    handling_due: dt.date | None
    extension_days: int
    replied_on: dt.date | None
    reply_result: str | None
    closed_on: dt.date | None
    rating: str | None
    due_estimated: bool
    warning: str
    birth_date: dt.date | None
    events: list[EventView]
    allowed_actions: list[str]
    repeat_of: str  # 编号 of the earlier case
    # 复查中/复核中: the opinion due (request + the review_opinion_days setting), else None.
    opinion_due: dt.date | None = None
    repeats: list[str] = field(default_factory=list)  # 编号 of later cases marked as its repeats
    history: list[AuditView] = field(default_factory=list)
    # Imported history with gaps (docs/rules.md, 统计): the first decision was only inferred by the
    # import; the 办结 date is a stand-in (办结日期不详); the ledger's columns kept as written.
    decision_inferred: bool = False
    closed_date_unknown: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # Outgoing handling (docs/rules.md, 交办与转送): each 交办/转送 and what the unit did with it;
    # 待重新交办 after a 交办 came back.
    units: list[outgoing.UnitState] = field(default_factory=list)
    awaiting_reassignment: bool = False
    warning_days: int = 7  # the 临期 window, for the units' 期限 warnings
    # The optimistic version this detail was read at (app/cases/versions.py): a save or an
    # action sends it back, and a case changed since is refused with who changed it and when.
    version: int = 1


@dataclass(frozen=True)
class Created:
    id: int
    number: str
    warnings: list[str]


@dataclass(frozen=True)
class Edited:
    warnings: list[str]
    version: int  # the case's version after the save: the form's next save sends it


T = TypeVar("T")


def _load(session: Session, key: int | str) -> Case:
    if isinstance(key, int):
        case = session.get(Case, key)
    else:
        case = session.scalar(select(Case).where(Case.number == key.strip()))
    if case is None:
        raise DomainError(f"找不到信访件 {key}。")
    return case


def _detail(session: Session, case: Case) -> CaseDetail:
    window = int(settings.get(session, "warning_days"))
    repeats = list(
        session.scalars(select(Case.number).where(Case.repeat_of_id == case.id).order_by(Case.id))
    )
    person = case.petitioner
    return CaseDetail(
        id=case.id,
        number=case.number,
        input=intake.case_input(case),
        status=case.status,
        collective=case.collective,
        decision_kind=case.decision_kind,
        decision_on=case.decision_on,
        decision_due=case.decision_due,
        accepted_on=case.accepted_on,
        handling_due=case.handling_due,
        extension_days=case.extension_days,
        replied_on=case.replied_on,
        reply_result=case.reply_result,
        closed_on=case.closed_on,
        rating=case.rating,
        due_estimated=case.due_estimated,
        warning=search.row_warning(
            case.status,
            case.decision_due,
            case.handling_due,
            clock.today(),
            window,
            case.decision_on is not None,
        ),
        birth_date=person.birth_date if person else None,
        events=[
            EventView(e.seq, e.kind, e.on, dict(e.data), e.recorded_by, e.recorded_at)
            for e in case.events
        ],
        allowed_actions=workflow.case_actions(case),
        repeat_of=case.repeat_of.number if case.repeat_of else "",
        opinion_due=projection.review_opinion_due(
            list(case.events), settings.get_all(session), projection.work_calendar(session)
        ),
        repeats=repeats,
        history=[
            AuditView(a.at, a.user, a.action, a.field, a.old, a.new, a.computer)
            for a in audit.history(session, "case", case.number)
        ],
        decision_inferred=case.decision_inferred,
        closed_date_unknown=case.closed_date_unknown,
        extra=dict(case.extra or {}),
        units=outgoing.unit_states(case.events, projection.work_calendar(session)),
        awaiting_reassignment=outgoing.awaiting_reassignment(case.events),
        warning_days=window,
        version=case.version,
    )


# Marks only the ledger import writes on an event (docs/rules.md, 统计): a step the clerk records
# happened on its date, so they are dropped from what the case page or the CLI sends.
IMPORT_MARKS = ("inferred", "date_unknown", "status_unknown")


def read_detail(session: Session, key: int | str) -> CaseDetail:
    """One case's detail inside a session the caller holds (a service that checked already)."""
    return _detail(session, _load(session, key))


# What `reveal` may show, with the audit log's action for each.
REVEALED = {"id_number": "查看完整身份证号", "phone": "查看完整联系电话"}


class CaseService:
    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        # The signed-in account, never a default: every operation checks it (auth.require), so
        # a 查阅 account cannot change a case from the GUI or the CLI.
        self.user = user

    def _may(self, action: str) -> None:
        auth.require(self.user, action)

    def _load(self, s: Session, key: int | str) -> Case:
        """The case, refused when it is outside the account's 科室 scope (app/cases/scope.py)."""
        case = _load(s, key)
        scope.check(s, self.user, case)
        return case

    def collective_threshold(self) -> int:
        """人数 from which a visit counts as 集体访 (the intake form's default for the box)."""
        self._may("view_case")
        with self.db.read() as s:
            return int(settings.get(s, "collective_threshold"))

    def max_extension_days(self) -> int:
        """The longest 延期 the office allows (the 延期 dialog's upper bound)."""
        self._may("view_case")
        with self.db.read() as s:
            return int(settings.get(s, "max_extension_days"))

    def reply_bases(self) -> list[str]:
        """The office's common 法律法规依据, offered on the 答复 (docs/rules.md, 文书)."""
        self._may("view_case")
        with self.db.read() as s:
            return dictionaries.values(s, dictionaries.BASIS)

    def create(self, data: CaseInput) -> Created:
        self._may("edit_case")
        with self.db.session() as s:
            case, warnings = intake.create_case(s, data, self.user.label)
            return Created(case.id, case.number, warnings)

    def _write(self, key: int | str, expected: int | None, work: Callable[[Session, Case], T]) -> T:
        """`work` on the case in one transaction, the version checked first (writing.py):
        refused outside the 科室 scope, then if the clerk saw another version; a concurrent
        change is done again (no version) or refused with the stale message."""
        return writing.write(
            self.db,
            [key],
            [expected],
            lambda s, cases: work(s, cases[0]),
            admit=lambda s, case: scope.check(s, self.user, case),
        )

    def update(
        self, key: int | str, data: CaseInput, expected_version: int | None = None
    ) -> list[str]:
        return self.edit(key, data, expected_version).warnings

    def edit(self, key: int | str, data: CaseInput, expected_version: int | None = None) -> Edited:
        """Save the form's edit of a case; `expected_version` is the version the form showed
        (None: the command line or an import, which edit the current state)."""
        self._may("edit_case")

        def work(s: Session, case: Case) -> Edited:
            warnings = intake.update_case(s, case, data, self.user.label)
            s.flush()
            return Edited(warnings, case.version)

        return self._write(key, expected_version, work)

    def act(
        self,
        key: int | str,
        action: str,
        on: dt.date | None = None,
        data: dict[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> CaseDetail:
        self._may("edit_case")
        data = {k: v for k, v in (data or {}).items() if k not in IMPORT_MARKS}

        def work(s: Session, case: Case) -> int:
            # A copy: a retry after a concurrent change starts from what the clerk gave.
            workflow.act(s, case, action, on, dict(data), self.user.label)
            return case.id

        return self._after(self._write(key, expected_version, work))

    def _after(self, case_id: int) -> CaseDetail:
        """The case as it is once the write committed, read outside the write transaction: on
        a server the audit chain's lock is held from a write's first audit row to its commit,
        and the detail (timeline, history, units) took half of that time."""
        with self.db.read() as s:
            return _detail(s, _load(s, case_id))

    def undo_last(self, key: int | str, expected_version: int | None = None) -> CaseDetail:
        self._may("edit_case")

        def work(s: Session, case: Case) -> int:
            workflow.undo_last(s, case, self.user.label)
            return case.id

        return self._after(self._write(key, expected_version, work))

    def detail(self, key: int | str) -> CaseDetail:
        self._may("view_case")
        with self.db.read() as s:
            return _detail(s, self._load(s, key))

    def reveal(self, key: int | str, what: str) -> str:
        """Show a masked ID number or phone in full: written to the audit log (PIPL)."""
        self._may("reveal")
        if what not in REVEALED:
            raise DomainError(f"不能显示“{what}”。")
        with self.db.session() as s:
            case = self._load(s, key)
            person = case.petitioner
            value = (getattr(person, what) if person else None) or ""
            audit.record(
                s, self.user.label, REVEALED[what], "case", case.number, what, None, "显示完整信息"
            )
            return value

    def note_full_listing(self, numbers: list[str]) -> None:
        """A list shown with full ID numbers and phones (`case list --full`): needs `reveal`
        and is written to the audit log, one row per case, like a single reveal."""
        self._may("reveal")
        with self.db.session() as s:
            for number in numbers:
                audit.record(
                    s, self.user.label, "查看完整身份证号和电话", "case", number, None, None, "列表"
                )

    def earlier_cases(
        self, name: str = "", id_number: str = "", phone: str = "", exclude: int | None = None
    ) -> list[EarlierCase]:
        self._may("view_case")
        with self.db.read() as s:
            return intake.find_earlier_cases(s, name, id_number, phone, exclude)

    def count(self, f: CaseFilter) -> int:
        self._may("view_case")
        with self.db.read() as s:
            return search.count(s, scope.restrict(s, self.user, f))

    def page(
        self,
        f: CaseFilter,
        offset: int = 0,
        limit: int = 100,
        sort: str = "received_on",
        descending: bool = True,
    ) -> list[CaseRow]:
        self._may("view_case")
        offset, limit = sanitize.bounded_limit(offset), sanitize.bounded_limit(limit)
        with self.db.read() as s:
            return search.page(s, scope.restrict(s, self.user, f), offset, limit, sort, descending)

    def ids(self, f: CaseFilter, sort: str = "received_on", descending: bool = True) -> list[int]:
        self._may("view_case")
        with self.db.read() as s:
            return search.ids(s, scope.restrict(s, self.user, f), sort, descending)

    def rows_by_id(self, case_ids: list[int]) -> list[CaseRow]:
        self._may("view_case")
        with self.db.read() as s:
            return search.rows_by_id(s, case_ids, scope.department_of(s, self.user))

    def numbers_like(self, text: str, limit: int = 20) -> list[str]:
        """编号 completion for the 重复信访 link field."""
        self._may("view_case")
        text = text.strip().upper()
        with self.db.read() as s:
            return list(
                s.scalars(
                    select(Case.number)
                    .where(or_(Case.number.startswith(text), Case.number.endswith(text)))
                    .order_by(Case.id.desc())
                    .limit(limit)
                )
            )
