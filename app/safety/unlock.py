"""Signing in to a database that may be encrypted (§7 "At rest", §9), for the GUI and the CLI.

The order matters: an encrypted file cannot be opened (nor migrated, nor checked) before a
password has unlocked its key, so `sign_in` unlocks first, then opens, then checks the account
as on a plain database. The first administrator login on a plain database that already has
accounts encrypts it in place; the other accounts get temporary passwords to hand out.
"""

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app import audit
from app.bootstrap import finish_interrupted, open_database
from app.db import Database
from app.errors import DomainError
from app.models import User
from app.safety import crypto, encrypt
from app.safety.auth import ADMIN, AuthService, CurrentUser, _hasher

# Temporary passwords: no 0/O, 1/l/I to misread when read out or copied from paper.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


@dataclass
class SignedIn:
    db: Database
    user: CurrentUser
    # Set when this sign-in encrypted the database: shown once, then gone.
    recovery_key: str | None = None
    temporary: dict[str, str] = field(default_factory=dict)


def temporary_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def open_unlocked(path: Path, username: str, password: str) -> Database:
    """Unlock (when encrypted) and open the database at `path`, without the account check."""
    finish_interrupted(path)  # a killed restore or encryption first: its key file decides
    if crypto.is_encrypted(path) and crypto.key_for(path) is None:
        crypto.unlock_with_password(path, username, password)
    return open_database(path)


def sign_in(path: Path, username: str, password: str, encrypt_plain: bool = True) -> SignedIn:
    """Unlock, open, log in. On a plain database with accounts, an administrator's login
    encrypts it (unless `encrypt_plain` is False)."""
    db = open_unlocked(path, username, password)
    try:
        user = AuthService(db, None).login(username, password)
        result = SignedIn(db, user)
        if encrypt_plain and user.role == ADMIN and not crypto.is_encrypted(path):
            result.recovery_key, result.temporary = encrypt_existing(db, user, password)
    except BaseException:
        db.close()
        raise
    return result


def encrypt_existing(db: Database, admin: CurrentUser, password: str) -> tuple[str, dict[str, str]]:
    """§9: encrypt a plain database that already has accounts, at its first administrator
    login. Every other active account gets a temporary password (its old one cannot be
    wrapped: only its hash is known), changed at its next login. Returns the recovery key and
    the temporary passwords."""
    temporary: dict[str, str] = {}
    with db.session() as s:
        for user in s.scalars(select(User).where(User.active.is_(True))):
            if user.username == admin.username:
                continue
            temp = temporary_password()
            temporary[user.username] = temp
            user.password_hash = _hasher.hash(temp)
            user.must_change_password = True
            user.failed_attempts = 0
            user.last_failed_at = None
            audit.record(s, admin.label, "设置临时密码（数据库加密）", "user", user.username)
        audit.record(s, admin.label, "加密数据库", "database", db.path.name)
    done = encrypt.encrypt_database(db, {admin.username: password, **temporary})
    return done.recovery_key, temporary


def create_first_admin(
    db: Database, username: str, password: str, display_name: str = ""
) -> tuple[CurrentUser, str]:
    """The first account of a real database: an administrator, and the database is encrypted
    in place. Returns the account and the recovery key (to be shown once)."""
    user = AuthService(db, None).create_first_admin(username, password, display_name)
    with db.session() as s:
        audit.record(s, user.label, "加密数据库", "database", db.path.name)
    done = encrypt.encrypt_database(db, {user.username: password})
    return user, done.recovery_key


def recover(path: Path, recovery_key: str, username: str, new_password: str) -> Database:
    """`xinfang user recover`: the recovery key opens the database and `username` (an
    administrator; created when missing) gets `new_password` and a new key slot."""
    finish_interrupted(path)  # a killed restore or encryption first: its key file decides
    if not path.is_file() or crypto.has_plain_header(path):
        raise DomainError("数据库没有加密，不需要恢复密钥。可直接用 xinfang user passwd 重设密码。")
    crypto.unlock_with_recovery(path, recovery_key)
    if crypto.read_keys(path) is None:
        crypto.write_keys(path, crypto.KeyFile(crypto.key_check(crypto.key_for(path) or b""), []))
    db = open_database(path)
    rescuer = CurrentUser("恢复密钥", "恢复密钥", ADMIN)
    service = AuthService(db, rescuer)
    with db.read() as s:
        existing = s.scalar(select(User).where(User.username == username.strip()))
    if existing is None:
        service.add_user(username, new_password, ADMIN)
    else:
        service.set_password(username, new_password)
        if existing.role != ADMIN or not existing.active:
            service.set_role(username, ADMIN, active=True)
    return db


class Gate:
    """What the login and first-start dialogs talk to, before or after the database is open:
    the same calls as AuthService (needs_setup, wait_seconds, login, create_first_admin), but
    an encrypted file is unlocked by the login and a plain one is encrypted by the first
    account or the first administrator login. What must be shown once (the recovery key, the
    temporary passwords) is left in `recovery_key` and `temporary`."""

    def __init__(self, path: Path, db: Database | None = None) -> None:
        self.path = Path(path)
        self.db = db
        self.recovery_key: str | None = None
        self.temporary: dict[str, str] = {}

    def _locked(self) -> bool:
        return crypto.is_encrypted(self.path) and crypto.key_for(self.path) is None

    def needs_setup(self) -> bool:
        if self._locked():
            return False  # an encrypted file always has an account
        return AuthService(self._open(), None).needs_setup()

    def wait_seconds(self, username: str) -> int:
        if self._locked():
            return crypto.wait_seconds(self.path, username)
        return AuthService(self._open(), None).wait_seconds(username)

    def login(self, username: str, password: str) -> CurrentUser:
        if self.db is None or self._locked():
            if self.db is not None:
                self.db.close()
            self.db = open_unlocked(self.path, username, password)
        user = AuthService(self.db, None).login(username, password)
        if user.role == ADMIN and not crypto.is_encrypted(self.path):
            self.recovery_key, self.temporary = encrypt_existing(self.db, user, password)
        return user

    def create_first_admin(
        self, username: str, password: str, display_name: str = ""
    ) -> CurrentUser:
        user, self.recovery_key = create_first_admin(self._open(), username, password, display_name)
        return user

    def _open(self) -> Database:
        if self.db is None:
            self.db = open_database(self.path)
        return self.db
