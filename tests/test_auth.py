"""Accounts, roles, the growing delay after wrong passwords, and who the audit log names."""

import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from factories import case_input
from sqlalchemy import func, select

from app.cases.service import CaseService
from app.db import Database
from app.errors import DomainError
from app.models import AuditEntry, Case, User
from app.safety import auth
from app.safety.auth import ADMIN, CLERK, READER, AuthService, LoginDelayed

T0 = dt.datetime(2025, 12, 31, 9, 0, 0)


@pytest.fixture
def accounts(db: Database) -> AuthService:
    service = AuthService(db, None)  # before a login: login and the first administrator only
    admin = service.create_first_admin("admin", "secret-1", "王管理")
    managing = AuthService(db, admin)
    managing.add_user("clerk", "secret-2", CLERK, "李登记")
    managing.add_user("reader", "secret-3", READER, "赵查阅")
    return service


def test_first_start_asks_for_an_administrator_once(db: Database) -> None:
    service = AuthService(db, None)
    assert service.needs_setup()
    user = service.create_first_admin("admin", "secret-1")
    assert user.role == ADMIN and not service.needs_setup()
    with pytest.raises(DomainError, match="已经设置过管理员"):
        service.create_first_admin("other", "secret-9")
    with db.read() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "admin"))
    assert stored.startswith("$argon2id$") and "secret-1" not in stored


def test_short_password_is_refused(db: Database) -> None:
    with pytest.raises(DomainError, match="至少需要 6 位"):
        AuthService(db, None).create_first_admin("admin", "12345")


def test_login_gives_the_role(accounts: AuthService) -> None:
    assert accounts.login("clerk", "secret-2", T0) == auth.CurrentUser("clerk", "李登记", CLERK)
    assert accounts.login(" reader ", "secret-3", T0).role == READER


def test_unknown_user_and_wrong_password_get_the_same_message(accounts: AuthService) -> None:
    with pytest.raises(DomainError) as unknown:
        accounts.login("nobody", "secret-1", T0)
    with pytest.raises(DomainError) as wrong:
        accounts.login("admin", "wrong-pass", T0)
    assert str(unknown.value).startswith("用户名或密码不正确")
    assert str(wrong.value).startswith("用户名或密码不正确")


def test_wrong_passwords_are_delayed_more_and_more(db: Database, accounts: AuthService) -> None:
    assert [auth.delay_after(n) for n in range(1, 9)] == [0, 0, 5, 10, 20, 40, 80, 160]
    now = T0
    for _ in range(2):  # two typos cost nothing
        with pytest.raises(DomainError, match="请重试"):
            accounts.login("admin", "typo-typo", now)
    with pytest.raises(DomainError, match="请 5 秒后再试"):
        accounts.login("admin", "typo-typo", now)
    # During the wait even the right password is refused, without being checked.
    with pytest.raises(LoginDelayed) as delayed:
        accounts.login("admin", "secret-1", now + dt.timedelta(seconds=2))
    assert delayed.value.seconds == 3
    # The count lives in the database: a restarted program (new service) still waits.
    assert (
        AuthService(Database(db.path), None).wait_seconds("admin", now + dt.timedelta(seconds=1))
        == 4
    )
    now += dt.timedelta(seconds=5)
    with pytest.raises(DomainError, match="请 10 秒后再试"):
        accounts.login("admin", "typo-typo", now)
    with pytest.raises(LoginDelayed):
        accounts.login("admin", "secret-1", now + dt.timedelta(seconds=9))
    user = accounts.login("admin", "secret-1", now + dt.timedelta(seconds=10))
    assert user.role == ADMIN
    # A good login clears the count: the next typo is free again.
    assert accounts.wait_seconds("admin", now) == 0
    with db.read() as s:
        assert s.scalar(select(User.failed_attempts).where(User.username == "admin")) == 0


def test_a_reader_cannot_change_a_case(db: Database, accounts: AuthService) -> None:
    admin = CaseService(db, auth.CurrentUser("admin", "admin", ADMIN))
    created = admin.create(
        case_input(received_on=dt.date(2025, 12, 1), form="来信", name="张三", phone="13800138000")
    )
    reader = accounts.login("reader", "secret-3", T0)
    service = CaseService(db, reader)
    before = service.detail(created.number)
    attempts = [
        lambda: service.create(case_input(received_on=dt.date(2025, 12, 2), form="来电")),
        lambda: service.update(created.number, dataclasses.replace(before.input, name="李四")),
        lambda: service.act(created.number, "受理", dt.date(2025, 12, 3)),
        lambda: service.undo_last(created.number),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError, match=r"^当前账号（查阅）无权修改信访件。$"):
            attempt()
    after = service.detail(created.number)
    assert after.input.name == "张三" and after.status == "待受理" and len(after.events) == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
    # Reading is allowed, including the logged reveal of a full ID number.
    assert service.reveal(created.number, "phone") == "13800138000"


def test_a_clerk_handles_cases_but_not_accounts(db: Database, accounts: AuthService) -> None:
    clerk = accounts.login("clerk", "secret-2", T0)
    service = CaseService(db, clerk)
    created = service.create(case_input(received_on=dt.date(2025, 12, 1), form="来访", name="张三"))
    assert service.act(created.number, "受理", dt.date(2025, 12, 2)).status == "办理中"
    with pytest.raises(DomainError, match="当前账号（登记员）无权管理账号。"):
        AuthService(accounts.db, clerk).add_user("x1", "secret-x", READER)
    with pytest.raises(DomainError, match="无权从备份恢复数据"):
        auth.require(clerk, "restore")
    auth.require(clerk, "backup")


def test_the_last_administrator_cannot_be_removed(accounts: AuthService) -> None:
    admin = AuthService(accounts.db, accounts.login("admin", "secret-1", T0))
    with pytest.raises(DomainError, match="至少要保留一个"):
        admin.set_role("admin", CLERK)
    admin.set_role("clerk", ADMIN)
    admin.set_role("admin", READER)
    assert {u.username: u.role for u in admin.users()}["admin"] == READER


def test_a_disabled_account_cannot_log_in(accounts: AuthService) -> None:
    admin = AuthService(accounts.db, accounts.login("admin", "secret-1", T0))
    admin.set_role("reader", READER, active=False)
    with pytest.raises(DomainError, match="用户名或密码不正确"):
        accounts.login("reader", "secret-3", T0)


def test_audit_log_records_user_field_old_and_new(db: Database, accounts: AuthService) -> None:
    clerk = accounts.login("clerk", "secret-2", T0)
    service = CaseService(db, clerk)
    created = service.create(
        case_input(received_on=dt.date(2025, 12, 1), form="来信", name="张三", phone="13800138000")
    )
    data = service.detail(created.number).input
    service.update(created.number, dataclasses.replace(data, persons=3, phone="13900139000"))
    service.act(created.number, "受理", dt.date(2025, 12, 2))
    with db.read() as s:
        rows = s.execute(
            select(
                AuditEntry.user, AuditEntry.action, AuditEntry.field, AuditEntry.old, AuditEntry.new
            )
            .where(AuditEntry.entity == "case", AuditEntry.entity_id == created.number)
            .order_by(AuditEntry.id)
        ).all()
    assert ("clerk(李登记)", "修改", "persons", "1", "3") in rows
    assert ("clerk(李登记)", "修改", "phone", "13800138000", "13900139000") in rows
    assert ("clerk(李登记)", "受理", "status", "待受理", "办理中") in rows
    assert all(r.user == "clerk(李登记)" for r in rows)
    history = service.detail(created.number).history
    assert any(h.field == "persons" and h.old == "1" and h.new == "3" for h in history)


def test_cli_user_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import paths
    from app.cli import main
    from app.safety import crypto, unlock

    def run(*args: str, stdin: str = "", user: str | None = "admin") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        account = ["--user", user] if user else []
        code = main(["--data-dir", str(tmp_path), *account, "user", *args])
        out, err = capsys.readouterr()
        return code, out, err

    try:
        # The first account needs no login and encrypts the database (§7 "At rest").
        code, out, _err = run("add", "admin", "--role", "管理员", stdin="secret-1\n", user=None)
        assert code == 0 and "恢复密钥" in out
        assert crypto.is_encrypted(paths.database_path())
        # From then on the command line signs in, and the account's role applies.
        monkeypatch.setenv("XINFANG_PASSWORD", "secret-1")
        code, _out, err = run("list", user=None)
        assert code == 2 and "--user" in err
        assert run("add", "li", "--name", "李登记", stdin="secret-2\n")[0] == 0
        code, _out, err = run("add", "wang", stdin="123\n")
        assert code == 1 and "至少需要 6 位" in err
        assert run("role", "li", "查阅")[0] == 0
        code, out, _err = run("list")
        assert "admin\tadmin\t管理员\t可用" in out and "li\t李登记\t查阅\t可用" in out
        assert "共 2 个账号" in out
        monkeypatch.setenv("XINFANG_PASSWORD", "secret-2")
        code, _out, err = run("list", user="li")
        assert code == 1 and "无权管理账号" in err
        monkeypatch.setenv("XINFANG_PASSWORD", "secret-1")
        assert run("passwd", "admin", stdin="secret-9\n")[0] == 0
        crypto.forget(paths.database_path())
        done = unlock.sign_in(paths.database_path(), "admin", "secret-9")
        assert done.user.role == ADMIN
        done.db.close()
    finally:
        crypto.forget(paths.database_path())
        paths.set_data_dir(None)
