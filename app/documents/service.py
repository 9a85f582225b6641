"""The documents service: what the CLI and the GUI call to produce a report or a 文书."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.attachments.service import keep_generated
from app.cases import scope
from app.cases.search import scope_condition
from app.cases.validation import mask_id, mask_phone
from app.db import Database
from app.documents import (
    case_context,
    catalog,
    doc_numbers,
    engine,
    filters,
    notes,
    report_context,
)
from app.documents.catalog import TemplateInfo
from app.documents.template_check import CheckResult, check_document
from app.documents.variables import REPORT_VARIABLES, report_schema, schema_from, value_at
from app.errors import DomainError
from app.models import Case, DictEntry
from app.periods.service import REPORT, record_file_in
from app.safety import auth
from app.stats.service import Statistics

CASE_SCHEMA = schema_from(case_context.CASE_VARIABLES)
Step = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ReportNotes:
    """The 情况说明 of one period: what was entered, and the latest earlier period's text."""

    items: dict[str, str]  # item → what it asks for
    entered: dict[str, str]
    previous: dict[str, str]


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    value: str  # today's value, as the document would show it


def _report_schema(db: Database) -> dict[str, Any]:
    """The strict report schema for this office: a breakdown's keys are every value its
    dictionary ever held (a retired channel still counts its old cases)."""
    kinds = {"by_channel": "channel", "by_category": "category", "by_department": "department"}
    with db.read() as s:
        values = {
            key: list(
                s.scalars(
                    select(DictEntry.value)
                    .where(DictEntry.kind == kind)
                    .order_by(DictEntry.sort, DictEntry.id)
                )
            )
            for key, kind in kinds.items()
        }
        for key, column in (
            ("by_channel", Case.channel),
            ("by_category", Case.category),
            ("by_department", Case.department),
        ):  # imported values outside the dictionary show in the figures too
            values[key] += [v for v in s.scalars(select(column).distinct()) if v]
    return report_schema(values)


def schema_for(db: Database, info: TemplateInfo) -> dict[str, Any]:
    if info.name == catalog.CASE_FILE and info.kind == "case_file":
        from app.documents.case_file import SCHEMA

        return SCHEMA
    return CASE_SCHEMA if info.kind == catalog.CASE else _report_schema(db)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return filters.cdate(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        value = [f"{k} {_show(v)}" for k, v in value.items()]
    if isinstance(value, list):
        return "、".join(str(v) for v in value[:6]) + ("……" if len(value) > 6 else "")
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


class DocumentService:
    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        # The signed-in account, never a default: reading needs `view_case`, writing a report or
        # a 文书 file `export`, changing the office's templates `settings`.
        self.user = user

    def _may(self, action: str) -> None:
        auth.require(self.user, action)

    def _scoped(self, s: Session, number: str) -> None:
        """Refuse a case outside the account's 科室 scope (app/cases/scope.py): a 文书 is a
        case's data, so it follows the case list. Reports and statistics stay office-wide."""
        from app.cases.service import _load

        scope.check(s, self.user, _load(s, number))

    # ---- reports ----
    def statistics(
        self,
        date_from: dt.date,
        date_to: dt.date,
        as_of: dt.date | None = None,
        live: bool = False,
    ) -> Statistics:
        """A closed period's frozen figures unless `live` (按最新数据); else the live ones."""
        self._may("view_case")
        return report_context.compute(self.db, date_from, date_to, as_of, live)

    def preview(
        self,
        date_from: dt.date,
        date_to: dt.date,
        as_of: dt.date | None = None,
        live: bool = False,
    ) -> list[tuple[str, str]]:
        self._may("view_case")
        return report_context.key_figures(self.statistics(date_from, date_to, as_of, live))

    def report(
        self,
        name: str,
        date_from: dt.date,
        date_to: dt.date,
        as_of: dt.date | None,
        out: Path,
        step: Step | None = None,
        repair: bool = False,
        strict: bool = False,
        live: bool = False,
    ) -> engine.Rendered:
        """Generate a report; with `strict` none is written while 【请填写】 markers remain.
        A closed period's report uses its frozen figures unless `live` (docs/rules.md, 封账)."""
        self._may("export")
        if repair:
            self._may("settings")  # the mended template is saved as the office's copy
        info = catalog.find(name, db=self.db)
        if info.kind != catalog.REPORT:
            raise DomainError(f"“{info.name}”是信访件文书模板，请在信访件页面的“文书”菜单中生成。")
        say = step or (lambda done, total, text: None)
        say(0, 3, "正在检查模板……")
        stats: list[Statistics] = []

        def context(names: set[str]) -> dict[str, Any]:
            say(1, 3, "正在统计……")
            stats.append(self.statistics(date_from, date_to, as_of, live))
            return report_context.build(self.db, stats[0], names)

        def images(names: set[str]) -> engine.Images:
            say(2, 3, "正在生成文档……")
            return report_context.images(stats[0], names)

        repair_to = _repair_to(self.db, info, repair)
        rendered = engine.render(
            info.path,
            _report_schema(self.db),
            context,
            Path(out),
            info.name,
            images,
            repair_to,
            strict,
        )
        self._keep_repaired(info, repair_to)
        if Path(rendered.path).exists():
            # The files issued for a period are recorded for its closing (封账).
            with self.db.session() as s:
                record_file_in(
                    s, date_from, date_to, as_of, REPORT, info.name, rendered.path, self.user.label
                )
        return rendered

    # ---- 情况说明 per period ----
    def report_notes(self, date_from: dt.date, date_to: dt.date) -> ReportNotes:
        self._may("view_case")
        with self.db.read() as s:
            return ReportNotes(
                dict(notes.ITEMS),
                notes.get(s, date_from, date_to),
                notes.previous(s, date_from, date_to),
            )

    def save_report_notes(
        self, date_from: dt.date, date_to: dt.date, items: dict[str, str]
    ) -> None:
        """Save (or clear, with "") the period's 情况说明 items; audited."""
        self._may("edit_case")
        with self.db.session() as s:
            notes.put(s, date_from, date_to, items, self.user.label)

    # ---- per-case 文书 ----
    def case_document(
        self, number: str, name: str, out: Path, repair: bool = False
    ) -> engine.Rendered:
        self._may("export")
        if repair:
            self._may("settings")  # the mended template is saved as the office's copy
        with self.db.read() as s:
            # Refused before a template is read, a 文号 taken (`_doc_no`) or a file written.
            self._scoped(s, number)
        info = catalog.find(name, db=self.db)
        if info.kind != catalog.CASE:
            raise DomainError(f"“{info.name}”是统计报告模板，不是信访件文书。")
        carried: list[bool] = []
        numbers: list[str] = []

        def context(names: set[str]) -> dict[str, Any]:
            numbers.append(self._doc_no(number, info))
            ctx = case_context.build(self.db, number, info, numbers[-1])
            person = ctx.get("petitioner") or {}
            # A document that prints the reporter's ID, phone or address is a view of full
            # personal data (docs/rules.md, 个人信息): audited like the GUI's 显示.
            carried.append(
                "petitioner" in names
                and not person.get("withheld")
                and any(person.get(k) for k in ("id_number", "phone", "address"))
            )
            return ctx

        repair_to = _repair_to(self.db, info, repair)
        rendered = engine.render(
            info.path,
            CASE_SCHEMA,
            context,
            Path(out),
            info.name,
            repair_to=repair_to,
        )
        self._keep_repaired(info, repair_to)
        # Kept with the case as an attachment of kind 文书 with its 文号 (docs/rules.md, 附件).
        keep_generated(self.db, number, rendered.path, info.name, numbers[-1], self.user.label)
        if any(carried):
            with self.db.session() as s:
                audit.record(
                    s,
                    self.user.label,
                    "生成含身份信息的文书",
                    "case",
                    number,
                    None,
                    None,
                    info.name,
                )
        return rendered

    def _doc_no(self, number: str, info: TemplateInfo) -> str:
        """The document's 文号, assigned once per case, 文书 and step (docs/rules.md, 文号)."""
        from app.cases.service import read_detail
        from app.office.dictionaries import units

        with self.db.session() as s:
            detail = read_detail(s, number)
            case_context.check_allowed(info, detail, units(s))  # a refused one gets no number
            if not info.numbered:
                return ""
            step = case_context.subject(info, detail)
            day = step.on if step is not None else None
            return doc_numbers.assign(
                s,
                detail.id,
                info.name,
                step.seq if step is not None else 0,
                doc_numbers.year_of(day),
                self.user.label,
            )

    def case_documents(self, number: str) -> list[tuple[TemplateInfo, str]]:
        """Each 文书 template with "" when it can be produced for this case, else why not."""
        from app.cases.service import read_detail
        from app.office.dictionaries import units

        self._may("view_case")
        with self.db.read() as s:
            self._scoped(s, number)
            detail = read_detail(s, number)
            known = units(s)  # the menu refuses what generation would (aliases included)
        out = []
        for info in catalog.available(catalog.CASE, self.db):
            try:
                case_context.check_allowed(info, detail, known)
                out.append((info, ""))
            except DomainError as exc:
                out.append((info, exc.message))
        return out

    # ---- templates ----
    def templates(self, kind: str | None = None) -> list[TemplateInfo]:
        """The templates the office uses (its own copy where it has one)."""
        self._may("view_case")
        return catalog.available(kind, self.db)

    def check_template(self, name: str) -> CheckResult:
        self._may("view_case")
        info = catalog.find(name, db=self.db)
        tpl = engine.load(info.path)
        return check_document(tpl.docx, schema_for(self.db, info), repair=True)

    def repair_template(self, name: str) -> CheckResult:
        """Write the mended template as the office's own copy (errors are left for the clerk)."""
        self._may("settings")
        info = catalog.find(name, db=self.db)
        tpl = engine.load(info.path)
        result = check_document(tpl.docx, schema_for(self.db, info), repair=True)
        if result.repairs and result.ok:
            import io

            buffer = io.BytesIO()
            tpl.docx.save(buffer)
            if self.db.is_server:
                catalog.install(info.name, buffer.getvalue(), self.db, self.user.label)
            else:
                engine.write_atomic(_office_copy(info), buffer.getvalue())
        return result

    def make_editable(self, name: str) -> Path:
        """The office's own copy of a template, made from the default when there is none."""
        self._may("settings")
        return catalog.make_editable(name, self.db)

    def install_template(self, name: str, source: Path) -> Path:
        """Save a .docx as the office's template `name` (a new one, or replacing the office's
        copy); on a server every clerk sees it."""
        self._may("settings")
        return catalog.install(name, Path(source), self.db, self.user.label)

    def export_template(self, name: str, target: Path) -> Path:
        """A copy of the template in use, where the clerk chooses."""
        self._may("view_case")
        return catalog.export(name, Path(target), self.db)

    def restore_default(self, name: str) -> Path | str | None:
        """Go back to the shipped template; the office's copy is moved aside, not deleted."""
        self._may("settings")
        return catalog.restore_default(name, self.db)

    def _keep_repaired(self, info: TemplateInfo, repair_to: Path | None) -> None:
        """On a server a mended template was written to a local file: store it for everyone."""
        if self.db.is_server and repair_to is not None and repair_to.is_file():
            catalog.install(info.name, repair_to, self.db, self.user.label)
            repair_to.unlink()

    # ---- the variable reference ----
    def report_variables(
        self, date_from: dt.date | None = None, date_to: dt.date | None = None
    ) -> list[Variable]:
        """Every report variable with today's value (default period: this year to date)."""
        self._may("view_case")
        today = clock.today()
        date_from = date_from or dt.date(today.year, 1, 1)
        date_to = date_to or today
        ctx = report_context.build(self.db, self.statistics(date_from, date_to), names=set())
        return [Variable(n, d, _show(value_at(ctx, n))) for n, d in REPORT_VARIABLES]

    def example_case(self) -> str | None:
        """The most recently registered case the account may see, whose values the 文书
        reference shows."""
        self._may("view_case")
        with self.db.read() as s:
            query = select(Case.number).where(Case.voided.is_(False))
            department = scope.department_of(s, self.user)
            if department is not None:
                query = query.where(scope_condition(department))
            return s.scalar(query.order_by(Case.id.desc()).limit(1))

    def case_variables(self, number: str | None = None) -> list[Variable]:
        """The 文书 variables with one case's values (default: the latest case); the ID number and
        phone are shown masked, as in every list (PIPL)."""
        self._may("view_case")
        number = number or self.example_case()
        ctx: dict[str, Any] = {}
        if number:
            with self.db.read() as s:
                self._scoped(s, number)  # the reference shows the case's values in full
            info = catalog.TemplateInfo("", catalog.CASE, "", (), False, None, None)
            ctx = case_context.build(self.db, number, info)
            person = ctx["petitioner"]
            person["id_number"] = mask_id(person["id_number"])
            person["phone"] = mask_phone(person["phone"])
        return [
            Variable(n, d, _show(value_at(ctx, n)) if ctx else "")
            for n, d in case_context.CASE_VARIABLES
        ]


def _office_copy(info: TemplateInfo) -> Path:
    # A mended default is saved as the office's copy; the shipped file is never written.
    return info.override or (catalog.paths.templates_dir() / f"{info.name}.docx")


def _repair_to(db: Database, info: TemplateInfo, repair: bool) -> Path | None:
    if not repair:
        return None
    if db.is_server:  # a local file first, then into the database (`_keep_repaired`)
        return catalog.paths.templates_dir() / catalog.EDIT_DIR / "已修复" / f"{info.name}.docx"
    return _office_copy(info)


def filter_reference() -> list[Variable]:
    return [Variable(f"| {n}", d, ex) for n, (d, ex) in filters.FILTER_HELP.items()]
