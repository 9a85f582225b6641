"""The 科室 data scope (§9, issue 20 item 5): with the setting on, a 登记员 with a 科室 sees and
handles only its 科室's cases and those without a 科室; 管理员 and 查阅 are not limited, and the
statistics stay office-wide. Runs on SQLite and (XINFANG_TEST_DATABASE_URL) on PostgreSQL."""

import datetime as dt
import io
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input
from sqlalchemy import func, select

from app import paths
from app.attachments.service import AttachmentService
from app.cases import scope
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cases.supervision_service import SupervisionService
from app.cli import main
from app.db import Database
from app.documents.service import DocumentService
from app.errors import DomainError
from app.ledger.service import LedgerService
from app.models import AuditEntry, DocNumber
from app.office.service import OfficeService
from app.safety import auth
from app.safety.auth import AuthService, CurrentUser
from app.stats.service import StatisticsService

D = dt.date
PASSWORD = "secret-1"


@pytest.fixture
def office(db: Database) -> dict[str, object]:
    """An administrator, three 登记员 (业务科, 法规科, none), a 查阅 in 业务科, and four cases:
    业务科 (one about 土地), 法规科 (also about 土地), one with no 科室; all of one petitioner."""
    first = AuthService(db, None)
    admin = first.create_first_admin("admin", PASSWORD, "管理员")
    accounts = AuthService(db, admin)
    accounts.add_user("ye", PASSWORD, auth.CLERK, "业务员", department="业务科")
    accounts.add_user("fa", PASSWORD, auth.CLERK, "法规员", department="法规科")
    accounts.add_user("free", PASSWORD, auth.CLERK, "未分科室")
    accounts.add_user("look", PASSWORD, auth.READER, "查阅员", department="业务科")
    admin_cases = CaseService(db, admin)

    def add(department: str | None, summary: str, received: D) -> str:
        data = case_input(
            received_on=received,
            name="张三",
            phone="13800138000",
            summary=summary,
            department=department,
        )
        return admin_cases.create(data).number

    numbers = {
        "ye": add("业务科", "反映土地承包问题", D(2025, 10, 1)),
        "ye2": add("业务科", "反映道路破损", D(2025, 10, 2)),
        "fa": add("法规科", "反映土地征收补偿", D(2025, 10, 3)),
        "none": add(None, "反映噪音扰民", D(2025, 10, 4)),
    }
    users = {name: first.login(name, PASSWORD) for name in ("admin", "ye", "fa", "free", "look")}
    return {"numbers": numbers, "users": users}


def _turn(db: Database, on: bool) -> None:
    OfficeService(db, TESTER).update_settings({scope.SETTING: on})


def _numbers(db: Database, user: CurrentUser, f: CaseFilter | None = None) -> set[str]:
    service = CaseService(db, user)
    f = f or CaseFilter()
    rows = service.page(f, limit=1000)
    ids = service.ids(f)
    # The list's count, its ids and its rows (by page and by id) all agree.
    assert service.count(f) == len(rows) == len(ids)
    assert {r.number for r in service.rows_by_id(ids)} == {r.number for r in rows}
    return {r.number for r in rows}


def test_login_carries_the_department(office: dict, db: Database) -> None:  # type: ignore[type-arg]
    users = office["users"]
    assert users["ye"].department == "业务科" and users["free"].department == ""
    views = {u.username: u for u in AuthService(db, users["admin"]).users()}
    assert views["fa"].department == "法规科"


def test_setting_off_everyone_sees_everything(office: dict, db: Database) -> None:  # type: ignore[type-arg]
    numbers, users = office["numbers"], office["users"]
    everything = set(numbers.values())
    for name in ("admin", "ye", "fa", "free", "look"):
        assert _numbers(db, users[name]) == everything
    assert CaseService(db, users["ye"]).detail(numbers["fa"]).number == numbers["fa"]


def test_setting_on_limits_a_clerk_to_its_department_and_the_unassigned(
    office: dict,  # type: ignore[type-arg]
    db: Database,
) -> None:
    numbers, users = office["numbers"], office["users"]
    _turn(db, True)
    ye, fa = users["ye"], users["fa"]
    assert _numbers(db, ye) == {numbers["ye"], numbers["ye2"], numbers["none"]}
    assert _numbers(db, fa) == {numbers["fa"], numbers["none"]}
    # Search: both 土地 cases match the text, only the own 科室's is found.
    assert _numbers(db, ye, CaseFilter(text="土地")) == {numbers["ye"]}
    assert _numbers(db, fa, CaseFilter(text="土地")) == {numbers["fa"]}
    assert _numbers(db, ye, CaseFilter(text="张三")) == {
        numbers["ye"],
        numbers["ye2"],
        numbers["none"],
    }
    # A filter cannot step outside: another 科室 asked for, a drill-down's ids, a scope passed in.
    assert _numbers(db, ye, CaseFilter(departments=["法规科"])) == set()
    service = CaseService(db, ye)
    all_ids = CaseService(db, users["admin"]).ids(CaseFilter())
    assert len(service.ids(CaseFilter(ids=all_ids))) == 3
    assert _numbers(db, ye, CaseFilter(department_scope="法规科")) == {
        numbers["ye"],
        numbers["ye2"],
        numbers["none"],
    }
    # 管理员, 查阅 and a clerk without a 科室 see every case.
    everything = set(numbers.values())
    for name in ("admin", "look", "free"):
        assert _numbers(db, users[name]) == everything


def test_another_departments_case_is_refused_by_number(office: dict, db: Database) -> None:  # type: ignore[type-arg]
    numbers, users = office["numbers"], office["users"]
    _turn(db, True)
    service = CaseService(db, users["ye"])
    other = numbers["fa"]
    for attempt in (
        lambda: service.detail(other),
        lambda: service.act(other, "受理", D(2025, 10, 5)),
        lambda: service.update(other, case_input(received_on=D(2025, 10, 3), name="张三")),
        lambda: service.reveal(other, "phone"),
        lambda: service.undo_last(other),
    ):
        with pytest.raises(DomainError, match="只能查看和办理本科室（业务科）"):
            attempt()
    # Nothing was written: the 法规科 case is still waiting for its decision.
    admin = CaseService(db, users["admin"])
    assert admin.detail(other).status == "待受理"
    # Its own 科室 and the unassigned case can be handled.
    assert service.act(numbers["ye"], "受理", D(2025, 10, 5)).status == "办理中"
    assert service.act(numbers["none"], "受理", D(2025, 10, 5)).status == "办理中"
    # 查阅 is not limited by 科室 but still may not change a case.
    reader = CaseService(db, users["look"])
    assert reader.detail(other).number == other
    with pytest.raises(DomainError, match="无权修改信访件"):
        reader.act(other, "受理", D(2025, 10, 5))


def test_supervision_list_is_scoped(office: dict, db: Database) -> None:  # type: ignore[type-arg]
    numbers, users = office["numbers"], office["users"]
    admin = CaseService(db, users["admin"])
    for key in ("ye", "fa", "none"):
        admin.act(numbers[key], "受理", D(2025, 10, 5))
    _turn(db, True)
    # Half the handling period gone by 31 December: all three are on the 督办 list.
    everyone_hits = SupervisionService(db, users["admin"]).supervision_list()
    everyone = {h.number for h in everyone_hits}
    assert {numbers["ye"], numbers["fa"], numbers["none"]} <= everyone
    sup = SupervisionService(db, users["ye"])
    mine = {h.number for h in sup.supervision_list()}
    assert numbers["fa"] not in mine and {numbers["ye"], numbers["none"]} <= mine
    assert sup.supervision_count() == len(sup.supervision_list()) < len(everyone_hits)


def test_person_page_urge_and_ledger_are_scoped(
    office: dict,  # type: ignore[type-arg]
    db: Database,
    tmp_path: Path,
) -> None:
    numbers, users = office["numbers"], office["users"]
    _turn(db, True)
    sup = SupervisionService(db, users["ye"])
    # The person page: 张三 has cases in both 科室.
    person = {r.number for r in sup.person_cases(numbers["ye"])}
    assert person == {numbers["ye"], numbers["ye2"], numbers["none"]}
    admin_sup = SupervisionService(db, users["admin"])
    assert len(admin_sup.person_cases(numbers["ye"])) == 4
    with pytest.raises(DomainError, match="本科室"):
        sup.person_cases(numbers["fa"])
    with pytest.raises(DomainError, match="本科室"):
        sup.urge(numbers["fa"], "请尽快反馈")
    # The 台账 export of a scoped clerk holds its cases only.
    result = LedgerService(db, users["ye"]).export(CaseFilter(), tmp_path / "台账.xlsx")
    assert result.rows == 3
    assert LedgerService(db, users["admin"]).export(CaseFilter(), tmp_path / "全部.xlsx").rows == 4


def _written(db: Database) -> tuple[int, int]:
    """Audit rows and 文号 kept: every write the refused calls could have made leaves one."""
    with db.read() as s:
        audited = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
        numbered = s.scalar(select(func.count()).select_from(DocNumber)) or 0
    return audited, numbered


def test_documents_and_attachments_of_another_departments_case_are_refused(
    office: dict,  # type: ignore[type-arg]
    db: Database,
    tmp_path: Path,
) -> None:
    numbers, users = office["numbers"], office["users"]
    paths.set_data_dir(tmp_path / "data")
    try:
        other = numbers["fa"]
        CaseService(db, users["admin"]).act(other, "受理", D(2025, 10, 5))  # a 受理告知书 is due
        letter = tmp_path / "来信.pdf"
        letter.write_bytes(b"%PDF a letter")
        admin_files = AttachmentService(db, users["admin"])
        ((kept, _),) = admin_files.attach(other, [letter], "来信原件")
        _turn(db, True)
        files = AttachmentService(db, users["ye"])
        docs = DocumentService(db, users["ye"])
        out = tmp_path / "out"
        before = _written(db)
        for attempt in (
            lambda: files.attachments(other),
            lambda: files.attach(other, [letter]),
            lambda: files.attach_data(other, "粘贴.png", b"\x89PNG pasted"),
            lambda: files.read(kept.id),
            lambda: files.copy_out(kept.id, out),
            lambda: files.detach(other, kept.id, "误传"),
            lambda: files.case_file(other, out / "卷宗.docx"),
            lambda: docs.case_document(other, "受理告知书", out / "告知书.docx"),
            lambda: docs.case_documents(other),
            lambda: docs.case_variables(other),
        ):
            with pytest.raises(DomainError, match="只能查看和办理本科室（业务科）"):
                attempt()
        # Nothing was written: no audit row, no 文号, no file; the attachment is still on.
        assert _written(db) == before
        assert not out.exists()
        assert admin_files.attachments(other, detached=True) == [kept]
        # The 文书 reference's example is the newest case the clerk may see.
        newest = CaseService(db, users["admin"]).create(
            case_input(received_on=D(2025, 10, 6), name="李四", department="法规科")
        )
        assert DocumentService(db, users["admin"]).example_case() == newest.number
        assert docs.example_case() == numbers["none"]
        assert docs.case_variables()  # the example's values, without a refusal
        # Its own 科室's case: the files and the 文书 as before.
        mine = numbers["ye"]
        CaseService(db, users["ye"]).act(mine, "受理", D(2025, 10, 5))
        ((view, created),) = files.attach(mine, [letter], "来信原件")
        assert created and files.read(view.id) == letter.read_bytes()
        assert files.copy_out(view.id, out).read_bytes() == letter.read_bytes()
        assert docs.case_document(mine, "受理告知书", out / "告知书.docx").path.exists()
        assert files.case_file(mine, out / "卷宗.docx").exists()
        assert dict((i.name, why) for i, why in docs.case_documents(mine))["受理告知书"] == ""
        assert files.detach(mine, view.id, "误传").detached
    finally:
        paths.set_data_dir(None)


def test_statistics_stay_office_wide(office: dict, db: Database) -> None:  # type: ignore[type-arg]
    users = office["users"]
    period = (D(2025, 1, 1), D(2025, 12, 31))
    before = StatisticsService(db, users["admin"]).compute(*period).to_json()
    _turn(db, True)
    for name in ("admin", "ye", "fa"):
        figures = StatisticsService(db, users[name]).compute(*period).to_json()
        assert figures == before and figures["total"] == 4


def test_department_must_be_in_the_dictionary_and_can_be_changed(
    office: dict,  # type: ignore[type-arg]
    db: Database,
) -> None:
    users = office["users"]
    accounts = AuthService(db, users["admin"])
    with pytest.raises(DomainError, match="不在科室字典中"):
        accounts.add_user("x", PASSWORD, auth.CLERK, department="不存在的科")
    with pytest.raises(DomainError, match="不在科室字典中"):
        accounts.set_details("ye", department="不存在的科")
    assert accounts.set_details("ye", department="法规科").department == "法规科"
    assert accounts.set_details("ye", department="").department == ""
    assert AuthService(db, None).login("ye", PASSWORD).department == ""
    with pytest.raises(DomainError, match="无权管理账号"):
        AuthService(db, users["fa"]).set_details("ye", department="法规科")


def test_cli_user_add_and_edit_department(
    office: dict,  # type: ignore[type-arg]
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XINFANG_PASSWORD", PASSWORD)

    def run(*args: str, stdin: str = "") -> tuple[int, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        # On a server the command line signs in (§9); a plain file's command line is its
        # administrator (signing in there would encrypt the file).
        account = ["--user", "admin"] if db.is_server else []
        code = main(["--data-dir", str(tmp_path), *account, *args])
        out, err = capsys.readouterr()
        return code, out + err

    code, out = run(
        "user", "add", "zhou", "--role", "登记员", "--department", "综合科", stdin="secret-2\n"
    )
    assert code == 0 and "综合科" in out, out
    assert AuthService(db, None).login("zhou", "secret-2").department == "综合科"
    code, out = run("user", "edit", "zhou", "--department", "")
    assert code == 0 and "科室 （无）" in out
    code, out = run("user", "edit", "zhou", "--department", "无此科")
    assert code != 0 and "不在科室字典中" in out
    code, out = run("user", "list")
    assert code == 0 and "zhou" in out and "业务科" in out
