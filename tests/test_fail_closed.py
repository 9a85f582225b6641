"""Services fail closed: each takes the signed-in account (no default) and every public operation
checks its permission in the service, so a caller that forgets the role gets no rights.

The walk finds the public methods of every service class by introspection; a method missing from
`TABLE` fails the test, so a new operation cannot slip in unchecked.
"""

import datetime as dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from accounts import READER_USER
from factories import case_input
from sqlalchemy import select

from app.attachments.service import AttachmentService
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cases.supervision_service import SupervisionService
from app.db import Database, ServerOnlyError
from app.documents import catalog
from app.documents.service import DocumentService
from app.errors import DomainError
from app.ledger.service import LedgerService
from app.models import AuditEntry
from app.office.holiday_notice import parse as parse_notice
from app.office.registers import Reception, RegisterService
from app.office.service import OfficeService
from app.office.units import UnitService
from app.periods.service import PeriodService
from app.safety import auth
from app.safety.auth import AuthService, CurrentUser
from app.safety.backup import BackupService
from app.services import Services
from app.stats.service import StatisticsService

D = dt.date
FROM, TO = D(2025, 1, 1), D(2025, 12, 31)
ID_NUMBER, PHONE = "11010519491231002X", "13800138000"
NOBODY = CurrentUser("无名", "无名", "")  # an account without a role: refused everything
SERVICES: list[type] = [
    CaseService,
    OfficeService,
    RegisterService,
    StatisticsService,
    DocumentService,
    AuthService,
    BackupService,
    LedgerService,
    AttachmentService,
    UnitService,
    SupervisionService,
    PeriodService,
]


@dataclass
class World:
    db: Database
    tmp: Path
    number: str  # a case registered by the administrator
    case_id: int
    report: str  # a report template
    document: str  # a 文书 template the case allows


Call = Callable[[Any, World], Any]
# (service class, method) -> (the permission it needs, or None: no account needed; a call).
TABLE: dict[tuple[type, str], tuple[str | None, Call]] = {
    # ---- cases ----
    (CaseService, "create"): (
        "edit_case",
        lambda s, w: s.create(case_input(received_on=TO, form="来信")),
    ),
    (CaseService, "update"): (
        "edit_case",
        lambda s, w: s.update(w.number, case_input(received_on=TO, form="来信")),
    ),
    (CaseService, "edit"): (
        "edit_case",
        lambda s, w: s.edit(w.number, case_input(received_on=TO, form="来信")),
    ),
    (CaseService, "act"): ("edit_case", lambda s, w: s.act(w.number, "受理", TO)),
    (CaseService, "undo_last"): ("edit_case", lambda s, w: s.undo_last(w.number)),
    (CaseService, "detail"): ("view_case", lambda s, w: s.detail(w.number)),
    (CaseService, "reveal"): ("reveal", lambda s, w: s.reveal(w.number, "id_number")),
    (CaseService, "note_full_listing"): ("reveal", lambda s, w: s.note_full_listing([w.number])),
    (CaseService, "earlier_cases"): ("view_case", lambda s, w: s.earlier_cases("张三")),
    (CaseService, "count"): ("view_case", lambda s, w: s.count(CaseFilter())),
    (CaseService, "page"): ("view_case", lambda s, w: s.page(CaseFilter())),
    (CaseService, "ids"): ("view_case", lambda s, w: s.ids(CaseFilter())),
    (CaseService, "rows_by_id"): ("view_case", lambda s, w: s.rows_by_id([w.case_id])),
    (CaseService, "numbers_like"): ("view_case", lambda s, w: s.numbers_like("XF")),
    (CaseService, "collective_threshold"): ("view_case", lambda s, w: s.collective_threshold()),
    (CaseService, "max_extension_days"): ("view_case", lambda s, w: s.max_extension_days()),
    (CaseService, "reply_bases"): ("view_case", lambda s, w: s.reply_bases()),
    # ---- settings, dictionaries, holidays ----
    (OfficeService, "settings"): ("view_case", lambda s, w: s.settings()),
    (OfficeService, "needs_first_run"): ("view_case", lambda s, w: s.needs_first_run()),
    (OfficeService, "dictionary"): ("view_case", lambda s, w: s.dictionary("department")),
    (OfficeService, "coverage"): ("view_case", lambda s, w: s.coverage()),
    (OfficeService, "holidays"): ("view_case", lambda s, w: s.holidays(2025)),
    (OfficeService, "missing_holiday_year"): ("view_case", lambda s, w: s.missing_holiday_year()),
    (OfficeService, "choices"): ("view_case", lambda s, w: s.choices()),
    (OfficeService, "update_settings"): (
        "settings",
        lambda s, w: s.update_settings({"handling_days": 30}),
    ),
    (OfficeService, "first_run"): ("settings", lambda s, w: s.first_run("某局", ["办公室"])),
    (OfficeService, "add_value"): ("settings", lambda s, w: s.add_value("department", "新科")),
    (OfficeService, "rename_value"): (
        "settings",
        lambda s, w: s.rename_value("department", "办公室", "综合科"),
    ),
    (OfficeService, "move_value"): ("settings", lambda s, w: s.move_value("department", "x", 1)),
    (OfficeService, "set_active"): (
        "settings",
        lambda s, w: s.set_active("department", "x", False),
    ),
    (OfficeService, "remove_value"): ("settings", lambda s, w: s.remove_value("department", "x")),
    (OfficeService, "put_holidays"): (
        "settings",
        lambda s, w: s.put_holidays(D(2025, 5, 1), D(2025, 5, 2), True, "劳动节"),
    ),
    (OfficeService, "import_holidays"): (
        "settings",
        lambda s, w: s.import_holidays(parse_notice("一、元旦：1月1日放假。", year=2099)),
    ),
    (OfficeService, "remove_holidays"): (
        "settings",
        lambda s, w: s.remove_holidays([D(2025, 5, 1)]),
    ),
    # ---- registers ----
    (RegisterService, "receptions"): ("view_case", lambda s, w: s.receptions()),
    (RegisterService, "leaders"): ("view_case", lambda s, w: s.leaders()),
    (RegisterService, "screenings"): ("view_case", lambda s, w: s.screenings()),
    (RegisterService, "reception_totals"): ("view_case", lambda s, w: s.reception_totals()),
    (RegisterService, "screening_totals"): ("view_case", lambda s, w: s.screening_totals()),
    (RegisterService, "save"): ("registers", lambda s, w: s.save(Reception(TO, "王局长", 1, 1))),
    (RegisterService, "delete"): ("registers", lambda s, w: s.delete(Reception, 1)),
    # ---- statistics ----
    (StatisticsService, "compute"): ("view_case", lambda s, w: s.compute(FROM, TO)),
    (StatisticsService, "dashboard"): ("view_case", lambda s, w: s.dashboard(FROM, TO)),
    (StatisticsService, "case_ids"): ("view_case", lambda s, w: s.case_ids("total", FROM, TO)),
    # ---- reports, 文书, templates ----
    (DocumentService, "statistics"): ("view_case", lambda s, w: s.statistics(FROM, TO)),
    (DocumentService, "preview"): ("view_case", lambda s, w: s.preview(FROM, TO)),
    (DocumentService, "report"): (
        "export",
        lambda s, w: s.report(w.report, FROM, TO, None, w.tmp / "报告.docx"),
    ),
    (DocumentService, "case_document"): (
        "export",
        lambda s, w: s.case_document(w.number, w.document, w.tmp / "文书.docx"),
    ),
    (DocumentService, "case_documents"): ("view_case", lambda s, w: s.case_documents(w.number)),
    (DocumentService, "templates"): ("view_case", lambda s, w: s.templates()),
    (DocumentService, "check_template"): ("view_case", lambda s, w: s.check_template(w.report)),
    (DocumentService, "repair_template"): ("settings", lambda s, w: s.repair_template(w.report)),
    (DocumentService, "make_editable"): ("settings", lambda s, w: s.make_editable(w.report)),
    (DocumentService, "restore_default"): ("settings", lambda s, w: s.restore_default(w.report)),
    (DocumentService, "install_template"): (
        "settings",
        lambda s, w: s.install_template(w.report, catalog.default_dir() / f"{w.report}.docx"),
    ),
    (DocumentService, "export_template"): (
        "view_case",
        lambda s, w: s.export_template(w.report, w.tmp / "导出的模板.docx"),
    ),
    (DocumentService, "report_variables"): ("view_case", lambda s, w: s.report_variables()),
    (DocumentService, "example_case"): ("view_case", lambda s, w: s.example_case()),
    (DocumentService, "case_variables"): ("view_case", lambda s, w: s.case_variables()),
    (DocumentService, "report_notes"): ("view_case", lambda s, w: s.report_notes(FROM, TO)),
    (DocumentService, "save_report_notes"): (
        "edit_case",
        lambda s, w: s.save_report_notes(FROM, TO, {"存在问题": "无"}),
    ),
    # ---- accounts (login itself needs no account) ----
    (AuthService, "needs_setup"): (None, lambda s, w: s.needs_setup()),
    (AuthService, "create_first_admin"): (None, lambda s, w: s.create_first_admin("x", "pw-123")),
    (AuthService, "login"): (None, lambda s, w: s.login("reader", "secret-3")),
    (AuthService, "wait_seconds"): (None, lambda s, w: s.wait_seconds("reader")),
    (AuthService, "users"): ("accounts", lambda s, w: s.users()),
    (AuthService, "departments"): ("accounts", lambda s, w: s.departments()),
    (AuthService, "set_details"): ("accounts", lambda s, w: s.set_details("admin", None, "x")),
    (AuthService, "add_user"): ("accounts", lambda s, w: s.add_user("x1", "pw-1234", auth.ADMIN)),
    (AuthService, "set_password"): ("accounts", lambda s, w: s.set_password("admin", "pw-1234")),
    (AuthService, "set_role"): ("accounts", lambda s, w: s.set_role("admin", auth.READER)),
    # ---- backups ----
    (BackupService, "folder"): ("view_case", lambda s, w: s.folder()),
    (BackupService, "keep"): ("view_case", lambda s, w: s.keep()),
    (BackupService, "backups"): ("view_case", lambda s, w: s.backups()),
    (BackupService, "make"): ("backup", lambda s, w: s.make(out=w.tmp / "copy.sqlite3")),
    (BackupService, "auto"): ("backup", lambda s, w: s.auto()),
    (BackupService, "check"): ("restore", lambda s, w: s.check(w.tmp / "copy.sqlite3")),
    (BackupService, "restore"): ("restore", lambda s, w: s.restore(w.tmp / "copy.sqlite3")),
    (BackupService, "unlock_backup"): (
        "restore",
        lambda s, w: s.unlock_backup(w.tmp / "copy.sqlite3", "secret-1"),
    ),
    (BackupService, "resume"): ("restore", lambda s, w: s.resume()),
    (BackupService, "set_folder"): ("settings", lambda s, w: s.set_folder(str(w.tmp))),
    (BackupService, "set_keep"): ("settings", lambda s, w: s.set_keep(3)),
    # ---- the Excel 台账 ----
    (LedgerService, "dry_run"): ("import", lambda s, w: s.dry_run(w.tmp / "台账.csv")),
    (LedgerService, "check"): ("import", lambda s, w: s.check(None)),
    (LedgerService, "import_"): ("import", lambda s, w: s.import_(None)),
    (LedgerService, "read"): ("import", lambda s, w: s.read(w.tmp / "台账.csv")),
    (LedgerService, "remembered_mapping"): ("import", lambda s, w: s.remembered_mapping(None)),
    (LedgerService, "remember_mapping"): ("import", lambda s, w: s.remember_mapping(None, {})),
    (LedgerService, "dry_run_register"): (
        "import",
        lambda s, w: s.dry_run_register(w.tmp / "领导接访.csv", "领导接访"),
    ),
    (LedgerService, "import_register"): ("import", lambda s, w: s.import_register(None)),
    (LedgerService, "export"): ("export", lambda s, w: s.export(CaseFilter(), w.tmp / "台账.xlsx")),
    # ---- attachments and the 卷宗 ----
    (AttachmentService, "attachments"): ("view_case", lambda s, w: s.attachments(w.number)),
    (AttachmentService, "limit_mb"): ("view_case", lambda s, w: s.limit_mb()),
    (AttachmentService, "read"): ("view_case", lambda s, w: s.read(_attachment(w))),
    (AttachmentService, "copy_out"): ("export", lambda s, w: s.copy_out(_attachment(w), w.tmp)),
    (AttachmentService, "case_file"): (
        "export",
        lambda s, w: s.case_file(w.number, w.tmp / "卷宗.docx"),
    ),
    (AttachmentService, "attach"): (
        "edit_case",
        lambda s, w: s.attach(w.number, [_file(w, "来信.pdf", b"%PDF")], "来信原件"),
    ),
    (AttachmentService, "attach_data"): (
        "edit_case",
        lambda s, w: s.attach_data(w.number, "粘贴.png", b"png", "照片"),
    ),
    (AttachmentService, "detach"): (
        "edit_case",
        lambda s, w: s.detach(w.number, _attachment(w), "传错了"),
    ),
    # ---- the 承办单位 register ----
    (UnitService, "register"): ("view_case", lambda s, w: s.register()),
    (UnitService, "cases"): ("view_case", lambda s, w: s.cases("业务科")),
    # ---- 督办清单, 预警, 关联 (issue 17) ----
    (SupervisionService, "supervision_list"): ("view_case", lambda s, w: s.supervision_list()),
    (SupervisionService, "supervision_count"): ("view_case", lambda s, w: s.supervision_count()),
    (SupervisionService, "supervision_defaults"): (
        "view_case",
        lambda s, w: s.supervision_defaults(w.number),
    ),
    (SupervisionService, "dismiss"): ("edit_case", lambda s, w: s.dismiss(w.number, "理由")),
    (SupervisionService, "supervise"): (
        "edit_case",
        lambda s, w: s.supervise(w.number, "县信访局", "城建科", TO + dt.timedelta(days=7)),
    ),
    (SupervisionService, "urge"): ("edit_case", lambda s, w: s.urge(w.number, "请加快")),
    (SupervisionService, "alerts"): ("view_case", lambda s, w: s.alerts()),
    (SupervisionService, "links"): ("view_case", lambda s, w: s.links(w.number)),
    (SupervisionService, "link"): ("edit_case", lambda s, w: s.link(w.number, w.number)),
    (SupervisionService, "unlink"): ("edit_case", lambda s, w: s.unlink(w.number, w.number)),
    (SupervisionService, "merge"): ("edit_case", lambda s, w: s.merge(w.number, w.number)),
    (SupervisionService, "person_cases"): ("view_case", lambda s, w: s.person_cases(w.number)),
    # ---- closed periods (封账) ----
    (PeriodService, "close"): ("edit_case", lambda s, w: s.close(FROM, TO)),
    (PeriodService, "reopen"): ("settings", lambda s, w: s.reopen(FROM, TO, "更正")),
    (PeriodService, "list_all"): ("view_case", lambda s, w: s.list_all()),
    (PeriodService, "is_closed"): ("view_case", lambda s, w: s.is_closed(FROM, TO)),
    (PeriodService, "frozen"): ("view_case", lambda s, w: _closed(w) and s.frozen(FROM, TO)),
    (PeriodService, "frozen_json"): (
        "view_case",
        lambda s, w: _closed(w) and s.frozen_json(FROM, TO),
    ),
    (PeriodService, "diff"): ("view_case", lambda s, w: _closed(w) and s.diff(FROM, TO)),
    (PeriodService, "moved"): ("view_case", lambda s, w: s.moved()),
    (PeriodService, "record_file"): (
        "export",
        lambda s, w: s.record_file(
            FROM, TO, None, "报告", "报告", _file(w, "报告.docx", b"report")
        ),
    ),
}


def _file(w: "World", name: str, data: bytes) -> Path:
    path = w.tmp / name
    path.write_bytes(data)
    return path


def _attachment(w: "World") -> int:
    """An attachment of the world's case, added by the administrator."""
    admin = CurrentUser("admin", "admin", auth.ADMIN)
    return AttachmentService(w.db, admin).attach_data(w.number, "a.txt", b"kept", "其他")[0].id


def _closed(w: "World") -> bool:
    """Close FROM–TO (as the administrator) when it is not closed yet: reading a snapshot
    needs one to exist."""
    admin = PeriodService(w.db, CurrentUser("admin", "admin", auth.ADMIN))
    if not admin.is_closed(FROM, TO):
        admin.close(FROM, TO)
    return True


def public_methods(cls: type) -> list[str]:
    return [n for n, _ in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")]


def service(cls: type, db: Database, user: CurrentUser) -> Any:
    if cls is AuthService and not user.role:
        return AuthService(db, None)  # before a login
    return cls(db, user)


@pytest.fixture
def world(db: Database, tmp_path: Path) -> World:
    admin = AuthService(db, None).create_first_admin("admin", "secret-1")
    AuthService(db, admin).add_user("reader", "secret-3", auth.READER)
    created = CaseService(db, admin).create(
        case_input(
            received_on=D(2025, 12, 1), form="来信", name="张三", id_number=ID_NUMBER, phone=PHONE
        )
    )
    CaseService(db, admin).act(created.number, "受理", D(2025, 12, 2))  # so a 文书 applies
    documents = DocumentService(db, admin)
    allowed = [info.name for info, why in documents.case_documents(created.number) if not why]
    assert allowed, "no 文书 template can be produced for the test case"
    report = catalog.available(catalog.REPORT)[0].name
    return World(db, tmp_path, created.number, created.id, report, allowed[0])


def test_every_public_method_is_in_the_table() -> None:
    missing = [
        f"{cls.__name__}.{name}"
        for cls in SERVICES
        for name in public_methods(cls)
        if (cls, name) not in TABLE
    ]
    assert not missing, f"new public service methods: say which permission each needs: {missing}"
    stale = [f"{c.__name__}.{n}" for c, n in TABLE if n not in public_methods(c)]
    assert not stale, f"methods in the table that no longer exist: {stale}"


@pytest.mark.parametrize("cls", SERVICES, ids=lambda c: c.__name__)
def test_a_service_without_an_account_is_a_type_error(db: Database, cls: type) -> None:
    with pytest.raises(TypeError):
        cls(db)


def _refused(call: Callable[[], Any], role: str, action: str, label: str = "") -> None:
    with pytest.raises(DomainError) as refused:
        call()
    assert refused.value.message == f"当前账号（{role}）无权{auth.ACTIONS[action]}。", label


def test_a_reader_is_refused_every_write_and_allowed_every_read(world: World) -> None:
    allowed = auth.PERMISSIONS[auth.READER]
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for (cls, name), (action, call) in TABLE.items():
        svc = service(cls, world.db, READER_USER)
        label = f"{cls.__name__}.{name}"
        if action is None:  # no account needed: never a permission refusal
            try:
                call(svc, world)
            except DomainError as exc:
                assert "无权" not in exc.message, label
            continue
        if action in allowed:
            try:
                call(svc, world)  # must succeed for 查阅
            except ServerOnlyError:
                # On PostgreSQL the file-backup reads answer "only for a database file"
                # (docs/rules.md, 多人使用): allowed, not refused.
                assert world.db.is_server, label
            done.append(label)
        else:
            _refused(lambda svc=svc, call=call: call(svc, world), auth.READER, action, label)
            refused.append((action, label))
    assert "LedgerService.export" in done and "CaseService.reveal" in done
    assert {"backup", "restore", "import", "settings", "accounts", "registers", "edit_case"} <= {
        action for action, _label in refused
    }
    # Nothing was written by the refused calls: the one case is as the administrator left it.
    detail = CaseService(world.db, READER_USER).detail(world.number)
    assert detail.status == "办理中" and detail.input.name == "张三"
    assert CaseService(world.db, READER_USER).count(CaseFilter()) == 1


def test_an_account_without_a_role_is_refused_everything(world: World) -> None:
    """Every checked method refuses the permission the table names — export and reveal too,
    which every real role has — so each method is shown to check, and to check the right one."""
    for (cls, name), (action, call) in TABLE.items():
        if action is None:
            continue
        svc = service(cls, world.db, NOBODY)
        label = f"{cls.__name__}.{name}"
        _refused(lambda svc=svc, call=call: call(svc, world), "未登录", action, label)


def test_a_reader_changes_their_own_password_only(world: World) -> None:
    reader = AuthService(world.db, CurrentUser("reader", "reader", auth.READER))
    reader.set_password("reader", "secret-new")
    assert AuthService(world.db, None).login("reader", "secret-new").role == auth.READER
    _refused(lambda: reader.set_password("admin", "secret-new"), auth.READER, "accounts")


def test_reveal_is_audited(world: World) -> None:
    service = CaseService(world.db, READER_USER)
    assert service.reveal(world.number, "id_number") == ID_NUMBER
    assert service.reveal(world.number, "phone") == PHONE
    with pytest.raises(DomainError):
        service.reveal(world.number, "address")  # only the masked fields
    with world.db.read() as s:
        rows = s.execute(
            select(AuditEntry.user, AuditEntry.action, AuditEntry.field).where(
                AuditEntry.entity == "case", AuditEntry.entity_id == world.number
            )
        ).all()
    assert ("李查阅", "查看完整身份证号", "id_number") in rows
    assert ("李查阅", "查看完整联系电话", "phone") in rows


def test_an_unmasked_ledger_export_is_audited(world: World) -> None:
    ledger = LedgerService(world.db, READER_USER)
    ledger.export(CaseFilter(), world.tmp / "打码.xlsx")
    ledger.export(CaseFilter(), world.tmp / "完整.xlsx", mask=False)
    with world.db.read() as s:
        rows = s.execute(
            select(AuditEntry.user, AuditEntry.entity_id).where(
                AuditEntry.action == "导出完整身份证号和电话"
            )
        ).all()
    assert rows == [("李查阅", "完整.xlsx")]


def test_backup_settings_go_through_the_validated_audited_path(world: World) -> None:
    admin = BackupService(world.db, CurrentUser("admin", "admin", auth.ADMIN))
    admin.set_keep(5)
    assert admin.keep() == 5
    with pytest.raises(DomainError, match="完整路径"):
        admin.set_folder("relative/folder")
    with world.db.read() as s:
        actions = s.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.entity == "setting")
        ).all()
    assert "backup_keep" in actions


def test_the_services_bundle_gives_every_service_the_account(db: Database) -> None:
    bundle = Services(db, READER_USER)
    for name in ("cases", "office", "registers", "statistics", "documents", "accounts"):
        assert getattr(bundle, name).user is READER_USER
    assert bundle.backup.user is READER_USER and bundle.ledger.user is READER_USER
    assert bundle.supervision.user is READER_USER
    assert bundle.cases is bundle.cases  # cached
