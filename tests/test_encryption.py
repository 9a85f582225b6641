"""Personal data encrypted at rest (issue 16 item 13, domain §7 "At rest", §9)."""

import dataclasses
import datetime as dt
import io
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app import logging_setup, paths
from app.bootstrap import open_database
from app.cases.intake import CaseInput
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cli import main
from app.errors import DomainError
from app.models import User
from app.safety import backup, crypto, encrypt, unlock
from app.safety.auth import ADMIN, CLERK, AuthService

ID_NUMBER = "110101199003074514"
NAME = "王秀英"
PHONE = "13912345678"
SECRETS = [s.encode("utf-8") for s in (ID_NUMBER, NAME, PHONE)]


@pytest.fixture(autouse=True)
def fresh_keys() -> Iterator[None]:
    """Each test starts like a new process: no key held for any file."""
    crypto._keys.clear()
    yield
    crypto._keys.clear()


def _case(received: dt.date = dt.date(2025, 6, 3)) -> CaseInput:
    return CaseInput(
        received_on=received,
        form="来访",
        name=NAME,
        id_number=ID_NUMBER,
        phone=PHONE,
        summary="反映小区供暖不达标",
        category="城乡建设",
        nature="申诉求决类",
    )


def _leaks(folder: Path) -> dict[str, list[bytes]]:
    """Every file under `folder` that holds one of the secrets in its bytes."""
    found: dict[str, list[bytes]] = {}
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = f.read_bytes()
        hits = [s for s in SECRETS if s in data]
        if hits:
            found[str(f.relative_to(folder))] = hits
    return found


def _first_admin(path: Path) -> tuple[unlock.Database, str]:
    db = open_database(path)
    user, recovery_key = unlock.create_first_admin(db, "admin", "secret-1")
    assert user.role == ADMIN
    return db, recovery_key


def test_no_personal_data_in_database_wal_backup_or_log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = paths.database_path(data)
    log = logging_setup.setup_logging(folder=data / "logs")
    try:
        db, _key = _first_admin(path)
        services = CaseService(db, unlock.CurrentUser("admin", "admin", ADMIN))
        created = services.create(_case())
        logging.getLogger("xinfang").info("登记 %s", created.number)
        assert services.count(CaseFilter()) == 1
        # The WAL holds the new case's pages while the database is open: it is checked now.
        wal = path.with_name(path.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        info = backup.make_backup(db, folder=data / "backups")
        assert info.cases == 1 and crypto.keys_path(info.path).exists()
        assert _leaks(data) == {}, "personal data in clear while open"
        db.close()
        assert _leaks(data) == {}, "personal data in clear after closing"
        assert log.exists()
        # The grep can find what it looks for: the administrator's plain copy holds all three.
        crypto.unlock_with_password(path, "admin", "secret-1")
        out = tmp_path / "plain.sqlite3"
        encrypt.decrypt_to(path, out)
        assert _leaks(tmp_path)["plain.sqlite3"] == SECRETS
    finally:
        logging.getLogger("xinfang").handlers.clear()


def test_wrong_password_refused_right_one_and_recovery_key_open(tmp_path: Path) -> None:
    path = tmp_path / "xinfang.sqlite3"
    db, recovery_key = _first_admin(path)
    CaseService(db, unlock.CurrentUser("admin", "admin", ADMIN)).create(_case())
    db.close()
    crypto.forget(path)
    # Without a key the file is neither opened nor taken for a damaged one.
    with pytest.raises(crypto.Locked):
        open_database(path)
    with pytest.raises(DomainError, match="用户名或密码不正确"):
        unlock.sign_in(path, "admin", "secret-2")
    with pytest.raises(DomainError, match="用户名或密码不正确"):
        unlock.sign_in(path, "nobody", "secret-1")
    assert crypto.key_for(path) is None
    # Nor does a raw SQLCipher connection with a wrong key read anything.
    with pytest.raises(crypto.WrongKey):
        crypto.connect(path, key=bytes(32))
    done = unlock.sign_in(path, "admin", "secret-1")
    assert CaseService(done.db, done.user).count(CaseFilter()) == 1
    done.db.close()
    # Every password lost and the key file gone: the recovery key still opens the database.
    crypto.forget(path)
    crypto.keys_path(path).unlink()
    with pytest.raises(crypto.WrongKey):
        unlock.recover(path, crypto.new_recovery_key(), "admin", "secret-3")
    db = unlock.recover(path, recovery_key.lower().replace("-", " "), "admin", "secret-3")
    db.close()
    crypto.forget(path)
    done = unlock.sign_in(path, "admin", "secret-3")
    assert CaseService(done.db, done.user).count(CaseFilter()) == 1
    done.db.close()


def test_wrong_passwords_make_the_next_try_wait(tmp_path: Path) -> None:
    path = tmp_path / "xinfang.sqlite3"
    _first_admin(path)[0].close()
    crypto.forget(path)
    now = dt.datetime(2026, 12, 1, 9, 0)
    for _ in range(3):
        with pytest.raises(crypto.WrongKey):
            crypto.unlock_with_password(path, "admin", "guess-123", now=now)
    with pytest.raises(crypto.LoginDelayed) as waited:
        crypto.unlock_with_password(path, "admin", "secret-1", now=now)
    assert waited.value.seconds == 5
    # A clock set back does not lock the account for longer than the delay.
    with pytest.raises(crypto.LoginDelayed) as waited:
        crypto.unlock_with_password(path, "admin", "secret-1", now=now - dt.timedelta(days=365))
    assert waited.value.seconds <= 5
    crypto.unlock_with_password(path, "admin", "secret-1", now=now + dt.timedelta(seconds=6))
    assert crypto.read_keys(path).slot("admin")["failed"] == 0  # type: ignore[union-attr]


def test_password_change_rewraps_without_reencrypting(tmp_path: Path) -> None:
    path = tmp_path / "xinfang.sqlite3"
    db, _key = _first_admin(path)
    admin = unlock.CurrentUser("admin", "admin", ADMIN)
    accounts = AuthService(db, admin)
    accounts.add_user("li", "clerk-pw-1", CLERK)
    before = path.read_bytes()
    key = crypto.key_for(path)
    accounts.set_password("li", "clerk-pw-2")
    accounts.set_role("li", CLERK, active=True)
    db.close()
    assert path.read_bytes()[:4096] == before[:4096]  # page 1 (salt, schema) not re-encrypted
    crypto.forget(path)
    with pytest.raises(crypto.WrongKey):
        crypto.unlock_with_password(path, "li", "clerk-pw-1")
    assert crypto.unlock_with_password(path, "li", "clerk-pw-2") == key
    # A disabled account's password no longer opens the file.
    db = open_database(path)
    AuthService(db, admin).set_role("li", CLERK, active=False)
    db.close()
    crypto.forget(path)
    with pytest.raises(crypto.WrongKey):
        crypto.unlock_with_password(path, "li", "clerk-pw-2")


def test_restore_needs_a_password_valid_for_that_backup(tmp_path: Path) -> None:
    path = tmp_path / "data" / "xinfang.sqlite3"
    db, recovery_key = _first_admin(path)
    admin = unlock.CurrentUser("admin", "admin", ADMIN)
    CaseService(db, admin).create(_case())
    made = backup.make_backup(db, folder=tmp_path / "usb")
    assert not crypto.has_plain_header(made.path)
    AuthService(db, admin).set_password("admin", "secret-new")
    CaseService(db, admin).create(_case(dt.date(2025, 6, 4)))
    db.close()
    # A new process that has not unlocked anything cannot read the backup.
    crypto._keys.clear()
    assert backup.inspect(made.path).cases is None
    with pytest.raises(crypto.Locked):
        backup.check_backup_file(made.path)
    # Today's password is not that backup's; the password at the time is.
    with pytest.raises(crypto.WrongKey):
        crypto.unlock_with_password(made.path, "admin", "secret-new")
    crypto.unlock_with_password(made.path, "admin", "secret-1")
    assert backup.check_backup_file(made.path) == 1
    result = backup.restore(path, made.path)
    assert result.cases == 1
    assert result.kept_aside is not None and not crypto.has_plain_header(result.kept_aside)
    crypto._keys.clear()
    # The restored file carries the backup's key file: the password of then opens it.
    done = unlock.sign_in(path, "admin", "secret-1")
    assert CaseService(done.db, done.user).count(CaseFilter()) == 1
    done.db.close()
    # The recovery key is valid for the backup too, even without its key file.
    crypto._keys.clear()
    crypto.keys_path(made.path).unlink()
    crypto.unlock_with_recovery(made.path, recovery_key)
    assert backup.check_backup_file(made.path) == 1


def test_existing_accounts_encrypted_at_first_admin_login(
    template_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "xinfang.sqlite3"
    path.write_bytes(template_db.read_bytes())
    db = open_database(path)
    AuthService(db, None).create_first_admin("admin", "secret-1")
    AuthService(db, unlock.CurrentUser("admin", "admin", ADMIN)).add_user("li", "clerk-1", CLERK)
    CaseService(db, unlock.CurrentUser("admin", "admin", ADMIN)).create(_case())
    db.close()
    assert crypto.has_plain_header(path)  # what an upgraded office has today
    # A clerk's login does not encrypt; the administrator's does.
    done = unlock.sign_in(path, "li", "clerk-1")
    assert done.recovery_key is None
    done.db.close()
    done = unlock.sign_in(path, "admin", "secret-1")
    assert done.recovery_key and set(done.temporary) == {"li"}
    assert crypto.is_encrypted(path) and _leaks(tmp_path) == {}
    assert CaseService(done.db, done.user).count(CaseFilter()) == 1
    done.db.close()
    crypto._keys.clear()
    with pytest.raises(DomainError):
        unlock.sign_in(path, "li", "clerk-1")
    clerk = unlock.sign_in(path, "li", done.temporary["li"])
    assert clerk.user.must_change_password and clerk.user.role == CLERK
    AuthService(clerk.db, clerk.user).set_password("li", "clerk-2")
    with clerk.db.read() as s:
        assert not s.scalar(select(User.must_change_password).where(User.username == "li"))
    clerk.db.close()


def test_encryption_interrupted_between_renames_keeps_the_plain_database(tmp_path: Path) -> None:
    path = tmp_path / "xinfang.sqlite3"
    db = open_database(path)
    AuthService(db, None).create_first_admin("admin", "secret-1")
    db.close()
    real_replace = encrypt.files.replace
    killed: list[Path] = []

    def dies_once(src: Path, dst: Path) -> None:
        if Path(dst) == path and Path(src).name.endswith(".encrypt.tmp") and not killed:
            killed.append(Path(src))
            raise KeyboardInterrupt  # the kill, after the plain file was moved aside
        real_replace(src, dst)

    encrypt.files.replace = dies_once  # type: ignore[assignment]
    try:
        with pytest.raises(KeyboardInterrupt):
            encrypt.encrypt_file(path, {"admin": "secret-1"})
    finally:
        encrypt.files.replace = real_replace  # type: ignore[assignment]
    assert killed
    # The error path put it back; a hard kill would leave .plain-old, which recover() returns.
    assert crypto.has_plain_header(path) and not crypto.keys_path(path).exists()
    path.rename(path.with_name(path.name + ".plain-old"))
    open_database(path).close()  # the next start puts it back, not a new empty database
    assert crypto.has_plain_header(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_raw_fast_paths_run_on_the_encrypted_connection(tmp_path: Path) -> None:
    """search._fetch_ids and reprojection use the driver connection: SQLCipher's here."""
    path = tmp_path / "xinfang.sqlite3"
    db, _key = _first_admin(path)
    service = CaseService(db, unlock.CurrentUser("admin", "admin", ADMIN))
    for day in range(1, 6):
        service.create(_case(dt.date(2025, 6, day)))
    with db.read() as s:
        raw = s.connection().connection.driver_connection
        assert type(raw).__module__.startswith("sqlcipher3")
        raw.execute("CREATE TEMP TABLE t (a)")
        raw.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
        assert raw.execute("SELECT sum(a) FROM t").fetchone() == (3,)
    assert len(service.ids(CaseFilter(text=NAME))) == 5
    from app.cases.reprojection import reproject_all

    with db.session() as s:
        reproject_all(s)
    assert [r.received_on.day for r in service.page(CaseFilter(), sort="received_on")] == [
        5,
        4,
        3,
        2,
        1,
    ]
    db.close()


def test_cli_needs_an_account_once_encrypted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--data-dir", str(tmp_path), *args])
        out, err = capsys.readouterr()
        return code, out, err

    try:
        key_file = tmp_path / "恢复密钥.txt"
        code, out, _ = run(
            "user", "add", "admin", "--save-recovery-key", str(key_file), stdin="secret-1\n"
        )
        assert code == 0 and "恢复密钥" in out and key_file.exists()
        code, _, err = run("case", "list")
        assert code == 2 and "--user" in err
        monkeypatch.setenv("XINFANG_PASSWORD", "wrong-pw")
        code, _, err = run("--user", "admin", "case", "list")
        assert code == 1 and "密码不正确" in err
        monkeypatch.setenv("XINFANG_PASSWORD", "secret-1")
        code, out, _ = run("--user", "admin", "check")
        assert code == 0 and "数据库完好" in out
        monkeypatch.delenv("XINFANG_PASSWORD")
        crypto._keys.clear()
        code, out, _ = run(
            "user", "recover", "--recovery-key-file", str(key_file), stdin="secret-9\n"
        )
        assert code == 0
        monkeypatch.setenv("XINFANG_USER", "admin")
        monkeypatch.setenv("XINFANG_PASSWORD", "secret-9")
        plain = tmp_path / "明文.sqlite3"
        code, out, _ = run("decrypt", "--out", str(plain))
        assert code == 0 and crypto.has_plain_header(plain)
    finally:
        paths.set_data_dir(None)


def test_demo_and_account_less_databases_stay_plain(tmp_path: Path) -> None:
    path = tmp_path / "xinfang.sqlite3"
    db = open_database(path)
    CaseService(db, unlock.CurrentUser("测试员", "测试员", ADMIN)).create(_case())
    db.close()
    assert crypto.has_plain_header(path) and not crypto.is_encrypted(path)
    assert not crypto.keys_path(path).exists()


def test_slot_tamper_is_a_wrong_password(tmp_path: Path) -> None:
    key = b"k" * 32
    slot = crypto.wrap(key, "admin", "secret-1")
    assert crypto.unwrap(slot, "secret-1") == key
    forged = dataclasses.replace(crypto.KeyFile("x", [dict(slot, user="li")]))
    assert crypto.unwrap(forged.slots[0], "secret-1") is None


def test_backups_made_before_the_first_account_are_encrypted_too(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = paths.database_path(data)
    db = open_database(path)
    CaseService(db, unlock.CurrentUser("测试员", "测试员", ADMIN)).create(_case())
    old = backup.make_backup(db, folder=paths.backups_dir(data))
    assert _leaks(data)[str(old.path.relative_to(data))] == SECRETS  # in clear until now
    unlock.create_first_admin(db, "admin", "secret-1")
    db.close()
    assert _leaks(data) == {}
    crypto._keys.clear()
    crypto.unlock_with_password(old.path, "admin", "secret-1")
    assert backup.check_backup_file(old.path) == 1


def test_backup_of_another_key_opens_with_its_password_or_recovery_key(tmp_path: Path) -> None:
    other, other_key = _first_admin(tmp_path / "other" / "xinfang.sqlite3")
    CaseService(other, unlock.CurrentUser("admin", "admin", ADMIN)).create(_case())
    foreign = backup.make_backup(other, folder=tmp_path / "usb").path
    other.close()
    crypto._keys.clear()
    db, _ = _first_admin(tmp_path / "data" / "xinfang.sqlite3")
    service = backup.BackupService(db, unlock.CurrentUser("admin", "admin", ADMIN))
    with pytest.raises(crypto.Locked):
        service.check(foreign)  # this database's key does not open it
    with pytest.raises(crypto.WrongKey):
        service.unlock_backup(foreign, "not-the-password")
    service.unlock_backup(foreign, other_key)
    assert service.check(foreign) == 1
    assert service.restore(foreign).cases == 1
    service.resume()
    assert CaseService(db, unlock.CurrentUser("admin", "admin", ADMIN)).count(CaseFilter()) == 1
    db.close()


def test_check_reports_the_audit_chain_whole_on_an_encrypted_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        db, _ = _first_admin(paths.database_path(tmp_path))
        CaseService(db, unlock.CurrentUser("admin", "admin", ADMIN)).create(_case())
        db.close()
        crypto._keys.clear()
        monkeypatch.setenv("XINFANG_PASSWORD", "secret-1")
        code = main(["--data-dir", str(tmp_path), "--user", "admin", "check"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "[正常] 审计记录：校验链完整" in out and "[正常] 完整性检查：正常" in out
    finally:
        paths.set_data_dir(None)


def test_upgrade_of_an_encrypted_database_runs_in_one_transaction(tmp_path: Path) -> None:
    """The upgrade's single transaction (app/migrate.py) on SQLCipher: an encrypted file at an
    older revision is brought to head, its 升级前 copy stays encrypted with its key file, and
    the audit chain is whole afterwards."""
    from alembic import command

    from app import migrate
    from app.safety import backup_check

    path = tmp_path / "data" / "xinfang.sqlite3"
    db, _ = _first_admin(path)
    CaseService(db, unlock.CurrentUser("admin", "admin", ADMIN)).create(_case())
    db.close()
    command.downgrade(migrate.alembic_config(path), "0006_docs")
    assert migrate.current_revision(path) == "0006_docs"
    crypto._keys.clear()
    done = unlock.sign_in(path, "admin", "secret-1")
    done.db.close()
    assert migrate.current_revision(path) == migrate.SCHEMA_HEAD
    assert migrate.schema_differences(path) == []
    copies = list(paths.backups_dir(path.parent).glob(f"{migrate.UPGRADE_PREFIX}*.sqlite3"))
    assert len(copies) == 1 and not crypto.has_plain_header(copies[0])
    assert crypto.keys_path(copies[0]).exists()
    conn = crypto.connect(path)
    try:
        assert backup_check.audit_problem(conn) is None
    finally:
        conn.close()
    assert _leaks(tmp_path) == {}


@pytest.mark.parametrize("renamed", [False, True])
def test_restore_of_an_encrypted_backup_killed_midway_is_finished_with_its_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renamed: bool
) -> None:
    """A kill after the marker (before the file's rename, or between it and the key file's):
    the next start puts the backup and ITS key file in place, so the password of that backup
    opens it, even though that start held no key to read the copy with."""
    from app.safety import recovery

    path = tmp_path / "data" / "xinfang.sqlite3"
    db, _ = _first_admin(path)
    admin = unlock.CurrentUser("admin", "admin", ADMIN)
    CaseService(db, admin).create(_case())
    made = backup.make_backup(db, folder=tmp_path / "usb")
    AuthService(db, admin).set_password("admin", "secret-new")
    CaseService(db, admin).create(_case(dt.date(2025, 6, 4)))
    db.close()
    real_swap = recovery.swap_in

    def killed(tmp: Path, db_path: Path) -> None:
        if renamed:
            real_swap(tmp, db_path)
        raise KeyboardInterrupt

    monkeypatch.setattr(recovery, "swap_in", killed)
    with pytest.raises(KeyboardInterrupt):
        backup.restore(path, made.path)
    monkeypatch.undo()
    assert recovery.pending(path)
    crypto._keys.clear()  # the next start: a new process
    with pytest.raises(crypto.WrongKey):
        unlock.sign_in(path, "admin", "secret-new")  # the backup's key file is in place now
    assert not recovery.pending(path)
    crypto._keys.clear()
    done = unlock.sign_in(path, "admin", "secret-1")
    assert CaseService(done.db, done.user).count(CaseFilter()) == 1
    done.db.close()
    assert not recovery.restore_keys_tmp(path).exists()
