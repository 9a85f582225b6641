"""Personal data encrypted at rest (domain §7 "At rest", §9): key slots and the open database key.

A database with accounts is a SQLCipher file encrypted with one random 32-byte key. That key is
never stored in clear: the key file beside the database (`xinfang.sqlite3-keys`, and beside
every backup) holds it once per account, wrapped with a key derived from that account's password
(argon2id), like LUKS key slots. Changing or resetting a password re-wraps one slot; the
database is never re-encrypted.

The recovery key is the root: the database key is derived from it (HMAC-SHA256), so it opens
the database and every backup even when their key files are lost. It is shown once at set-up.

Wrapping uses only the standard library: argon2id gives 64 bytes from the password and a fresh
random salt; the first 32 are a one-time pad for the 32-byte key (never reused: every wrap has
its own salt) and the last 32 key an HMAC over the slot, which tells a wrong password from a
right one without touching the database.

Once unlocked, the key is kept in this process only (`remember`), by database path, so every
connection this program opens to that file (the engine, migrations, backups, checks) uses it.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw

from app.errors import DomainError

KEYS_SUFFIX = "-keys"  # like -wal: the globs for *.sqlite3 backups never pick it up
FORMAT = "xinfang-keys-1"
SQLITE_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32
RECOVERY_BYTES = 25  # 200 bits, 40 base32 characters in 8 groups of 5

# argon2-cffi's defaults (RFC 9106 low-memory profile), the same cost as the login hash.
ARGON2 = {"t": 3, "m": 65536, "p": 4}

# Wrong passwords that cost nothing, then a doubling wait (as app/safety/auth.py does for the
# login on a plain database; here the count lives in the key file, since a wrong password
# cannot write into the database it failed to open).
FREE_ATTEMPTS = 2
FIRST_DELAY_S = 5
MAX_DELAY_S = 300


class LoginDelayed(DomainError):
    """Too many wrong passwords: `seconds` to wait before the next try."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"密码错误次数过多，请 {seconds} 秒后再试。")
        self.seconds = seconds


class WrongKey(DomainError):
    """The password or recovery key does not open this database."""


class Locked(DomainError):
    """The database is encrypted and this process has no key for it yet (nobody logged in)."""


_keys: dict[str, bytes] = {}
_lock = threading.Lock()


def _norm(path: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.abspath(os.fspath(path)))


def remember(path: str | os.PathLike[str], key: bytes) -> None:
    """From now on every connection of this process to `path` uses `key`."""
    with _lock:
        _keys[_norm(path)] = bytes(key)


def forget(path: str | os.PathLike[str]) -> None:
    with _lock:
        _keys.pop(_norm(path), None)


def key_for(path: str | os.PathLike[str]) -> bytes | None:
    with _lock:
        return _keys.get(_norm(path))


def key_for_copy(path: str | os.PathLike[str]) -> bytes | None:
    """The key for a copy of a database this process has unlocked (a backup made here carries
    the same key): the key held for `path`, else a held key that the copy's key file names."""
    if has_plain_header(Path(path)):
        return None
    key = key_for(path)
    if key is not None:
        return key
    try:
        keys = read_keys(Path(path))
    except DomainError:
        return None
    if keys is None:
        return None
    with _lock:
        held = list(_keys.values())
    return next((k for k in held if hmac.compare_digest(key_check(k), keys.check)), None)


def keys_path(db_path: str | os.PathLike[str]) -> Path:
    p = Path(db_path)
    return p.with_name(p.name + KEYS_SUFFIX)


def has_plain_header(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_HEADER
    except OSError:
        return False


def is_encrypted(path: Path) -> bool:
    """An existing, non-empty file that is not plain SQLite and has a key file (or a key in
    this process): an encrypted database, not a damaged one."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0 or has_plain_header(path):
        return False
    return keys_path(path).exists() or key_for(path) is not None


# ---- SQLCipher --------------------------------------------------------------------------


def _sqlcipher() -> Any:
    """The binding, imported on first use (a plain database never loads it)."""
    import sqlcipher3

    if not getattr(sqlcipher3, "_xinfang_quiet", False):
        # SQLCipher logs every failed page check to stderr by default: a wrong password would
        # print "hmac check failed" lines into the terminal and the log.
        conn = sqlcipher3.connect(":memory:")
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.close()
        sqlcipher3._xinfang_quiet = True
    return sqlcipher3


def errors() -> tuple[type[Exception], ...]:
    """sqlite3's and SQLCipher's error classes, for `except` (they share no base class)."""
    return (sqlite3.Error, _sqlcipher().Error)


def database_errors() -> tuple[type[Exception], ...]:
    return (sqlite3.DatabaseError, _sqlcipher().DatabaseError)


def operational_errors() -> tuple[type[Exception], ...]:
    return (sqlite3.OperationalError, _sqlcipher().OperationalError)


def key_pragma(key: bytes) -> str:
    # A raw key (x'…'): SQLCipher skips its own PBKDF2, so opening costs nothing extra.
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(
    path: str | os.PathLike[str], key: bytes | None = None, uri: str | None = None, **kw: Any
) -> Any:
    """A DB-API connection to `path`: stdlib sqlite3 for a plain database, SQLCipher keyed with
    `key` (default: the key this process holds for `path`) for an encrypted one.

    `uri` opens that `file:` URI instead of the path (read-only, immutable …); the key is still
    looked up by `path`. Raises WrongKey when the key does not open the file.
    """
    key = key if key is not None else key_for(path)
    target = uri if uri is not None else os.fspath(path)
    if key is None:
        return sqlite3.connect(target, uri=uri is not None, **kw)
    lib = _sqlcipher()
    conn = lib.connect(target, uri=uri is not None, **kw)
    try:
        conn.execute(key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except lib.DatabaseError:
        conn.close()
        raise WrongKey("密钥不能打开这个数据库文件。") from None
    return conn


# SQLCipher decrypts (and checks the HMAC of) every page it reads from the OS, where plain
# SQLite only copies it: the decrypted working set must stay in SQLite's own page cache. With
# the default 2 MiB a filtered case list at 100,000 cases decrypted the same pages on every
# keystroke (2.6× plain); with 64 MiB it is as fast as plain (benchmarks/encryption.py). The
# cache grows only as pages are read, per connection.
ENCRYPTED_CACHE_KIB = 65536


def tune_connection(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.execute(f"PRAGMA cache_size = -{ENCRYPTED_CACHE_KIB}")


def engine_url(path: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL for `path`: SQLCipher's dialect with the raw key when this process
    holds one (the engine prints it as ***), else plain pysqlite."""
    key = key_for(path)
    if key is None:
        return f"sqlite:///{os.fspath(path)}"
    return f"sqlite+pysqlcipher://:x'{key.hex()}'@/{os.fspath(path)}"


# ---- keys, slots, recovery --------------------------------------------------------------


def new_recovery_key() -> str:
    raw = secrets.token_bytes(RECOVERY_BYTES)
    text = base64.b32encode(raw).decode("ascii")
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def _recovery_bytes(recovery_key: str) -> bytes:
    text = "".join(ch for ch in recovery_key.upper() if ch.isalnum())
    # People copy O for 0 and I/L for 1; base32 has neither 0 nor 1, so map them back.
    text = text.translate(str.maketrans("018", "OIB"))
    try:
        raw = base64.b32decode(text)
    except ValueError:
        raise WrongKey("恢复密钥格式不对：应为 8 组、每组 5 个字母或数字。") from None
    if len(raw) != RECOVERY_BYTES:
        raise WrongKey("恢复密钥格式不对：应为 8 组、每组 5 个字母或数字。")
    return raw


def key_from_recovery(recovery_key: str) -> bytes:
    """The database key a recovery key stands for (no key file needed)."""
    return hmac.new(_recovery_bytes(recovery_key), b"xinfang database key", "sha256").digest()


def key_check(key: bytes) -> str:
    """Stored in the key file: tells a right recovery key without opening the database."""
    return hmac.new(key, b"xinfang key check", "sha256").hexdigest()


def _derive(password: str, salt: bytes, t: int, m: int, p: int) -> tuple[bytes, bytes]:
    out = hash_secret_raw(password.encode("utf-8"), salt, t, m, p, 64, Type.ID)
    return out[:32], out[32:]


def _slot_mac(mac_key: bytes, slot: dict[str, Any]) -> str:
    signed = f"{slot['user']}|{slot['t']}|{slot['m']}|{slot['p']}|{slot['salt']}|{slot['wrapped']}"
    return hmac.new(mac_key, signed.encode("utf-8"), "sha256").hexdigest()


def wrap(key: bytes, user: str, password: str) -> dict[str, Any]:
    salt = secrets.token_bytes(16)
    pad, mac_key = _derive(password, salt, ARGON2["t"], ARGON2["m"], ARGON2["p"])
    slot: dict[str, Any] = {
        "user": user,
        "kdf": "argon2id",
        **ARGON2,
        "salt": salt.hex(),
        "wrapped": bytes(a ^ b for a, b in zip(key, pad, strict=True)).hex(),
        "failed": 0,
        "last_failed": None,
    }
    slot["tag"] = _slot_mac(mac_key, slot)
    return slot


def unwrap(slot: dict[str, Any], password: str) -> bytes | None:
    """The database key, or None when the password is wrong."""
    pad, mac_key = _derive(password, bytes.fromhex(slot["salt"]), slot["t"], slot["m"], slot["p"])
    if not hmac.compare_digest(_slot_mac(mac_key, slot), slot["tag"]):
        return None
    return bytes(a ^ b for a, b in zip(bytes.fromhex(slot["wrapped"]), pad, strict=True))


@dataclass
class KeyFile:
    check: str
    slots: list[dict[str, Any]]

    def slot(self, user: str) -> dict[str, Any] | None:
        return next((s for s in self.slots if s["user"] == user), None)

    def set_slot(self, slot: dict[str, Any]) -> None:
        self.slots = [s for s in self.slots if s["user"] != slot["user"]] + [slot]

    def drop_slot(self, user: str) -> None:
        self.slots = [s for s in self.slots if s["user"] != user]


def read_keys(path: Path) -> KeyFile | None:
    """The key file of database `path` (None when there is none)."""
    kp = keys_path(path)
    if not kp.exists():
        return None
    try:
        data = json.loads(kp.read_text("utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(data.get("format"))
        return KeyFile(str(data["check"]), list(data["slots"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise DomainError(
            f"密钥文件 {kp} 无法读取或已损坏。可以用恢复密钥打开数据库"
            "（xinfang user recover --recovery-key-file 文件）。"
        ) from None


def write_keys(path: Path, keys: KeyFile) -> None:
    """Atomically (temporary name, fsync, rename), so a power cut leaves the old or the new."""
    from app.safety import files

    kp = keys_path(path)
    tmp = kp.with_name(kp.name + ".tmp")
    body = {"format": FORMAT, "cipher": "sqlcipher4", "check": keys.check, "slots": keys.slots}
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    files.replace(tmp, kp)


def copy_keys(src_db: Path, dest_db: Path) -> None:
    """The key file goes with every copy of an encrypted database (backups, safety copies)."""
    keys = read_keys(src_db)
    if keys is not None:
        write_keys(dest_db, keys)


def _delay_after(failed: int) -> int:
    if failed <= FREE_ATTEMPTS:
        return 0
    return min(FIRST_DELAY_S * 2 ** (failed - FREE_ATTEMPTS - 1), MAX_DELAY_S)


def _remaining_wait(slot: dict[str, Any], now: dt.datetime) -> int:
    if not slot.get("last_failed"):
        return 0
    last = dt.datetime.fromisoformat(slot["last_failed"])
    delay = _delay_after(int(slot.get("failed") or 0))
    # A clock set back must not make the wait longer than the delay itself.
    return max(0, min(delay, int((last + dt.timedelta(seconds=delay) - now).total_seconds())))


_DUMMY_SALT = bytes(16)


def unlock_with_password(
    path: Path, username: str, password: str, now: dt.datetime | None = None
) -> bytes:
    """Open the key slot of `username` with `password`: the database key, remembered for
    `path`. A wrong password is counted in the key file and makes the next try wait."""
    now = now or dt.datetime.now()
    keys = read_keys(path)
    if keys is None:
        raise DomainError(
            f"数据库已加密，但找不到密钥文件 {keys_path(path)}。请用恢复密钥打开"
            "（xinfang user recover --recovery-key-file 文件）。"
        )
    slot = keys.slot(username.strip())
    if slot is None:
        # The same work and message as a wrong password: names are not revealed.
        _derive(password, _DUMMY_SALT, ARGON2["t"], ARGON2["m"], ARGON2["p"])
        raise WrongKey("用户名或密码不正确。")
    wait = _remaining_wait(slot, now)
    if wait > 0:
        raise LoginDelayed(wait)
    key = unwrap(slot, password)
    if key is None:
        slot["failed"] = int(slot.get("failed") or 0) + 1
        slot["last_failed"] = now.isoformat(timespec="seconds")
        write_keys(path, keys)
        delay = _delay_after(slot["failed"])
        raise WrongKey(f"用户名或密码不正确，{f'请 {delay} 秒后再试。' if delay else '请重试。'}")
    if slot.get("failed"):
        slot["failed"], slot["last_failed"] = 0, None
        write_keys(path, keys)
    remember(path, key)
    return key


def wait_seconds(path: Path, username: str, now: dt.datetime | None = None) -> int:
    """How long the login must wait before trying this account's slot again."""
    try:
        keys = read_keys(path)
    except DomainError:
        return 0
    slot = keys.slot(username.strip()) if keys else None
    return _remaining_wait(slot, now or dt.datetime.now()) if slot else 0


def unlock_with_recovery(path: Path, recovery_key: str) -> bytes:
    """The database key from the recovery key, checked against the key file (or, without one,
    by opening the database), and remembered for `path`."""
    key = key_from_recovery(recovery_key)
    keys = read_keys(path) if keys_path(path).exists() else None
    if keys is not None:
        if not hmac.compare_digest(keys.check, key_check(key)):
            raise WrongKey("恢复密钥不正确，不能打开这个数据库。")
    else:
        try:
            connect(path, key=key).close()
        except WrongKey:
            raise WrongKey("恢复密钥不正确，不能打开这个数据库。") from None
    remember(path, key)
    return key


def set_password_slot(path: Path, username: str, password: str) -> None:
    """(Re-)wrap the key this process holds for `path` under `username`'s new password."""
    key = key_for(path)
    keys = read_keys(path)
    if key is None or keys is None:
        return  # a plain database: nothing to wrap
    keys.set_slot(wrap(key, username, password))
    write_keys(path, keys)


def drop_password_slot(path: Path, username: str) -> None:
    """A disabled account's password no longer opens the file."""
    keys = read_keys(path)
    if keys is None or key_for(path) is None:
        return
    keys.drop_slot(username)
    write_keys(path, keys)


def fingerprint(key: bytes) -> str:
    """A short, non-secret name of a key (logs, messages): which key, not the key."""
    return hashlib.sha256(b"xinfang fingerprint" + key).hexdigest()[:12]
