"""The database schema (SQLAlchemy 2, typed). Changes here need an Alembic revision.

A case's status and key dates are a projection of its events: `projection.project()` rewrites
them in the same transaction as every event, and nothing else writes them. They are kept on the
row so the case list can filter and sort 100,000 cases in SQL.
"""

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    __table__: ClassVar[Table]  # every model maps one Table (DeclarativeBase says FromClause)


class Petitioner(Base):
    """One person; many cases. 身份证号 is unique when present."""

    __tablename__ = "petitioners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    # Lower-case pinyin initials and full pinyin of the name, for `zs` → 张三.
    name_initials: Mapped[str] = mapped_column(String(50), default="")
    name_pinyin: Mapped[str] = mapped_column(String(200), default="")
    gender: Mapped[str | None] = mapped_column(String(2))
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(30), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    workplace: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    cases: Mapped[list["Case"]] = relationship(back_populates="petitioner")

    __table_args__ = (
        Index("ix_petitioners_name", "name"),
        Index("ix_petitioners_name_initials", "name_initials"),
        Index("ix_petitioners_name_pinyin", "name_pinyin"),
    )


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    petition_on: Mapped[dt.date | None] = mapped_column(Date)
    form: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(30), default="直接受理")
    assigning_org: Mapped[str | None] = mapped_column(String(100))
    assigning_ref: Mapped[str | None] = mapped_column(String(100))

    petitioner_id: Mapped[int | None] = mapped_column(ForeignKey("petitioners.id"))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    joint: Mapped[bool] = mapped_column(Boolean, default=False)
    persons: Mapped[int] = mapped_column(Integer, default=1)
    involved_persons: Mapped[int | None] = mapped_column(Integer)

    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(30))
    subcategory: Mapped[str | None] = mapped_column(String(30))
    nature: Mapped[str | None] = mapped_column(String(10))
    locality: Mapped[str | None] = mapped_column(String(100))
    target: Mapped[str | None] = mapped_column(String(100))

    # None = derived from form and head-count; True/False = the clerk overrode it.
    collective_override: Mapped[bool | None] = mapped_column(Boolean)
    collective: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    visit_level: Mapped[str | None] = mapped_column(String(4))
    skip_level: Mapped[bool] = mapped_column(Boolean, default=False)
    abnormal: Mapped[bool] = mapped_column(Boolean, default=False)
    legal: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)

    department: Mapped[str | None] = mapped_column(String(50))
    handler: Mapped[str | None] = mapped_column(String(30))
    leader: Mapped[str | None] = mapped_column(String(30))
    remark: Mapped[str | None] = mapped_column(Text)
    # What a ledger row said that has no field of its own, kept as written (docs/rules.md, 台账):
    # {"领导批示": …, "拟办意见": …, "登记人": …, "登记部门": …}.
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # --- projection of the events (projection.project writes these, nothing else) ---
    status: Mapped[str] = mapped_column(String(10), default="待受理")
    decision_kind: Mapped[str | None] = mapped_column(String(10))
    decision_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_due: Mapped[dt.date | None] = mapped_column(Date)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    handling_due: Mapped[dt.date | None] = mapped_column(Date)
    replied_on: Mapped[dt.date | None] = mapped_column(Date)
    reply_result: Mapped[str | None] = mapped_column(String(10))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    final_on: Mapped[dt.date | None] = mapped_column(Date)
    # A 转送 a 退回 undid (docs/rules.md, 交办与转送): final from undone_final_on until undone_on.
    undone_final_on: Mapped[dt.date | None] = mapped_column(Date)
    undone_on: Mapped[dt.date | None] = mapped_column(Date)
    rating: Mapped[str | None] = mapped_column(String(10))
    rated_on: Mapped[dt.date | None] = mapped_column(Date)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    # Imported history with gaps (docs/rules.md, 统计): the first decision was only inferred by
    # the import (left out of 及时受理率); the 办结 date is not known (out of 按期办结率, 平均用时).
    decision_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_date_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    # True when a due date falls in a year the holiday calendar does not know.
    due_estimated: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(30), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Clerks at the same time (issue 20): who made the last change (the audit label), and the
    # optimistic version every change of the row raises (app/cases/versions.py). The mapper
    # compares it in each UPDATE's WHERE, so of two saves from the same version one fails.
    updated_by: Mapped[str | None] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    petitioner: Mapped[Petitioner | None] = relationship(back_populates="cases")
    repeat_of: Mapped["Case | None"] = relationship(remote_side=[id])
    events: Mapped[list["Event"]] = relationship(
        back_populates="case", order_by="Event.seq", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_cases_received_on", "received_on"),
        # Count and first page of the unfiltered list without reading the wide case rows.
        Index("ix_cases_voided_received", "voided", "received_on"),
        # A covering index: a substring search scans these few MB instead of the whole table.
        Index("ix_cases_text", "summary", "target"),
        Index("ix_cases_petitioner", "petitioner_id"),
        Index("ix_cases_status_received", "status", "received_on"),
        Index("ix_cases_handling_due", "handling_due"),
        Index("ix_cases_decision_due", "decision_due"),
        # Statistics: cases still open at a date (上期结转, 期末未结) without scanning every case.
        Index("ix_cases_final_received", "final_on", "received_on"),
    )
    # The version is raised once per transaction by versions.touch, not per flush; the mapper
    # still puts the loaded value in every UPDATE's WHERE.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Event(Base):
    """One step of a case's timeline. Steps are added at the end; the only removal is
    workflow.undo_last, which takes back the most recent step and records it in the audit log."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    on: Mapped[dt.date] = mapped_column(Date)
    # Action details: reason, to, deadline, days, approver, by, result, text, rating, opinion…
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_by: Mapped[str] = mapped_column(String(30), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)

    case: Mapped[Case] = relationship(back_populates="events")

    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),
        Index("ix_events_kind_on", "kind", "on"),
    )


class DictEntry(Base):
    """Editable dictionaries: channel, category, subcategory (parent = 一级), department, leader."""

    __tablename__ = "dictionary"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(50))
    parent: Mapped[str | None] = mapped_column(String(50))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("kind", "parent", "value", name="uq_dictionary_entry"),)


class Setting(Base):
    """Office settings (单位名称, limits…), JSON values; defaults live in settings.DEFAULTS."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class OfficeHoliday(Base):
    """The office's own rest days / make-up workdays for years the holiday package lacks."""

    __tablename__ = "office_holidays"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # True = a rest day (holiday), False = a make-up workday (调休) on a weekend.
    rest: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[str] = mapped_column(String(30), default="")


class NumberCounter(Base):
    """Last 编号 sequence used per prefix and year, so numbers are never reused."""

    __tablename__ = "number_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class LeaderReception(Base):
    """领导接访 register: one row per reception day and leader."""

    __tablename__ = "leader_receptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[dt.date] = mapped_column(Date, index=True)
    leader: Mapped[str] = mapped_column(String(30))
    batches: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class Screening(Base):
    """矛盾纠纷排查 register: one row per screening."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[dt.date] = mapped_column(Date, index=True)
    found: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    """Append-only audit log: who changed what, when, from what to what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    # SHA-256 over the previous row's chain and this row (app/audit.py, issue 16 item 10).
    chain: Mapped[str | None] = mapped_column(String(64))
    # The computer the entry was made from (issue 20); NULL on rows from before it was kept.
    computer: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class AuditAnchor(Base):
    """One row: the newest sealed audit row and its chain value, so deleting the newest
    audit rows is found too (a chain alone stays whole when its end is cut off)."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    chain: Mapped[str] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    # 管理员 / 登记员 / 查阅
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Set for the temporary passwords given when a database is encrypted (§9); changed at the
    # account's next login.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # 科室 for the data scope (app/cases/scope.py); None = not limited to one 科室.
    department: Mapped[str | None] = mapped_column(String(50))


class ReportNote(Base):
    """情况说明: what the clerk wrote for one report period, item by item (存在问题, 下一步打算,
    群体性事件 …). A report states such facts only from here (docs/rules.md, 文书)."""

    __tablename__ = "report_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    item: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(30), default="")

    __table_args__ = (
        UniqueConstraint("date_from", "date_to", "item", name="uq_report_notes_period_item"),
    )


class DocCounter(Base):
    """Last 发文字号 sequence used per 文书 type and year: numbers are never reused."""

    __tablename__ = "doc_counters"

    template: Mapped[str] = mapped_column(String(50), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class DocNumber(Base):
    """The 文号 a 文书 was issued under, kept on the case: regenerating the same document for the
    same case and event prints the same number (docs/rules.md, 文号)."""

    __tablename__ = "doc_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    template: Mapped[str] = mapped_column(String(50))
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(30), default="")

    __table_args__ = (
        UniqueConstraint("template", "case_id", "event_seq", name="uq_doc_numbers_document"),
    )


class Attachment(Base):
    """A file kept with a case (docs/rules.md, 附件). The bytes live in the content-addressed
    store under their SHA-256 (`app/attachments/store.py`), never in this row; a detached
    attachment keeps its row and its file, with who detached it, when and why."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))  # the original file name
    kind: Mapped[str] = mapped_column(String(10))  # 来信原件/照片/回执/答复材料/其他/文书
    doc_no: Mapped[str | None] = mapped_column(String(100))  # 文号 of a generated 文书
    added_by: Mapped[str] = mapped_column(String(30), default="")
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    detached_by: Mapped[str | None] = mapped_column(String(30))
    detached_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    detached_reason: Mapped[str | None] = mapped_column(String(200))


class SupervisionDismissal(Base):
    """A 督办 list hit the clerk dismissed with a note (docs/rules.md, 督办清单). It stays dismissed
    while the rule still holds from the same day (`since`); a later event that makes the rule
    hold again gives a later `since`, and the hit is listed again (§9)."""

    __tablename__ = "supervision_dismissals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    rule: Mapped[str] = mapped_column(String(20))
    since: Mapped[dt.date] = mapped_column(Date)
    on: Mapped[dt.date] = mapped_column(Date)  # the day it was dismissed (as-of lists respect it)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(30), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_supervision_dismissals_case_rule", "case_id", "rule"),)


class CaseLink(Base):
    """Two cases about the same matter (docs/rules.md, 关联), stored once with the smaller id
    first and read from both sides; `kind` 同一事项, or 重复登记 for a merged duplicate."""

    __tablename__ = "case_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_a_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    case_b_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(10), default="同一事项")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(30), default="")

    __table_args__ = (
        UniqueConstraint("case_a_id", "case_b_id", name="uq_case_links_pair"),
        Index("ix_case_links_b", "case_b_id"),
    )


class PeriodSnapshot(Base):
    """A closed period (封账, docs/rules.md): the §5 JSON of (from, to, as-of) frozen when the
    figures were reported, the counts behind it (so a report can be rebuilt from it), the case
    ids behind every count and the files issued for it. A reopened snapshot is kept (reopened_*
    set); at most one snapshot of an exact period is in force."""

    __tablename__ = "period_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    as_of: Mapped[dt.date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # exactly `xinfang stats --json`
    # {"this": {"counts", "breakdowns"}, "last": … | None}: what `Statistics` is built from.
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The case ids behind every count, compact (app/periods/service.py: case_ids, ids_of).
    case_ids: Mapped[dict[str, Any]] = mapped_column(JSON)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    closed_by: Mapped[str] = mapped_column(String(30), default="")
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reopened_by: Mapped[str | None] = mapped_column(String(30))
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_period_snapshots_in_force",
            "date_from",
            "date_to",
            "as_of",
            unique=True,
            sqlite_where=reopened_at.is_(None),
            # postgresql_where: `postgresql_options()`, when a server is opened.
        ),
    )


def postgresql_options() -> None:
    """The PostgreSQL spelling of the partial indexes, added when a server engine is made:
    naming `postgresql_where` in a model loads SQLAlchemy's PostgreSQL dialect, 18 ms of every
    start of the single-clerk program, which never uses it."""
    table = PeriodSnapshot.__table__
    for index in table.indexes:
        if index.name == "uq_period_snapshots_in_force":
            index.dialect_kwargs["postgresql_where"] = table.c.reopened_at.is_(None)


class PeriodCorrection(Base):
    """A write that changed a closed period's figures, with the clerk's 更正说明."""

    __tablename__ = "period_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("period_snapshots.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(30), default="")
    reason: Mapped[str] = mapped_column(Text)
    cases: Mapped[list[str]] = mapped_column(JSON, default=list)  # 编号 of the cases touched
    what: Mapped[str] = mapped_column(Text, default="")


class PeriodFile(Base):
    """A report or ledger generated for exactly one period, with its SHA-256: closing the period
    records the files issued for it in the snapshot."""

    __tablename__ = "period_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # 报告 / 台账
    name: Mapped[str] = mapped_column(String(100), default="")
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[str] = mapped_column(String(30), default="")

    __table_args__ = (Index("ix_period_files_period", "date_from", "date_to"),)


class StoredFile(Base):
    """A file kept in the database itself: on PostgreSQL the attachments (kind "attachment",
    name = SHA-256) and the office's templates (kind "template", name = the template's name;
    one put aside by "restore the default" becomes kind "template_old"), so every clerk sees
    them (domain.md §9). Created on SQLite too (models == migrations), where files stay in the
    data folder and this table stays empty."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(30), default="")

    __table_args__ = (UniqueConstraint("kind", "name", name="uq_stored_files_kind_name"),)
