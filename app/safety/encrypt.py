"""Encrypting a plain database in place (copy, verify, swap) and writing a plain copy out.

In place: the plain file is exported into an encrypted copy under a temporary name, the copy is
checked (SQLCipher's page check, SQLite's integrity check, the same row count in every table),
the key file is written, and only then does the copy replace the plain file. The plain file is
overwritten with zeros before it is deleted, so its bytes do not stay readable on the disk.
A power cut at any step leaves either the plain database or the encrypted one (see `recover`).
"""

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app import paths
from app.db import Database
from app.errors import DomainError
from app.safety import crypto, files
from app.safety.db_lock import DatabaseLock

# How long the swap waits for other processes that have the database open (as a restore).
ENCRYPT_WAIT_SECONDS = 30.0
ENCRYPT_BUSY = (
    "另一个程序（信访工作台窗口或命令）正在使用数据库，现在不能加密它，数据库未做改动。"
    "请关闭其他信访工作台窗口和命令后再试。"
)


@dataclass(frozen=True)
class Encrypted:
    recovery_key: str
    tables: int
    rows: int


def _tmp(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".encrypt.tmp")


def _old(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".plain-old")


def _row_counts(conn: object) -> dict[str, int]:
    execute = conn.execute  # type: ignore[attr-defined]
    names = [
        r[0]
        for r in execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    # FTS shadow tables are rebuilt with their virtual table; count only ordinary ones.
    return {n: int(execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}


def _wipe(path: Path) -> None:
    """Overwrite with zeros, then delete: a deleted plain file must not stay readable."""
    if not path.exists():
        return
    size = path.stat().st_size
    with open(path, "r+b") as f:
        chunk = b"\0" * (1 << 20)
        left = size
        while left > 0:
            f.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


def pending(db_path: Path) -> bool:
    """True when a killed encryption left something `recover` must finish (under the
    exclusive database lock, app/bootstrap.py)."""
    return (
        _old(db_path).exists()
        or _tmp(db_path).exists()
        or (crypto.has_plain_header(db_path) and crypto.keys_path(db_path).exists())
    )


def recover(db_path: Path) -> None:
    """Finish or undo an encryption a power cut interrupted (called before opening, with the
    database lock held exclusively)."""
    old, tmp = _old(db_path), _tmp(db_path)
    if not db_path.exists() and old.exists():
        # Killed between the two renames: the plain file comes back; its key file is stale.
        files.replace(old, db_path)
        crypto.keys_path(db_path).unlink(missing_ok=True)
    elif (
        old.exists() and not crypto.has_plain_header(db_path) and crypto.keys_path(db_path).exists()
    ):
        _wipe(old)  # the encrypted file is in place: the plain one only waited to be wiped
    tmp.unlink(missing_ok=True)
    if db_path.exists() and crypto.has_plain_header(db_path):
        # A key file beside a plain database is one the swap never reached.
        crypto.keys_path(db_path).unlink(missing_ok=True)


def _export(src: Path, dest: Path, key: bytes) -> None:
    lib = crypto._sqlcipher()
    conn = lib.connect(os.fspath(src))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ATTACH DATABASE ? AS encrypted KEY ?", (os.fspath(dest), ""))
        # The raw key cannot go as a bound parameter in hex form; set it on the attached file.
        conn.execute(f"PRAGMA encrypted.key = \"x'{key.hex()}'\"")
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()


def _verify(plain: Path, encrypted: Path, key: bytes) -> tuple[int, int]:
    source = sqlite3.connect(plain)
    try:
        expected = _row_counts(source)
    finally:
        source.close()
    conn = crypto.connect(encrypted, key=key)
    try:
        if conn.execute("PRAGMA cipher_integrity_check").fetchall():
            raise DomainError("加密后的副本校验未通过（页面校验），数据库未做改动。")
        if [r[0] for r in conn.execute("PRAGMA integrity_check")] != ["ok"]:
            raise DomainError("加密后的副本校验未通过（完整性检查），数据库未做改动。")
        got = _row_counts(conn)
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    if got != expected:
        raise DomainError("加密后的副本与原数据库不一致，数据库未做改动。")
    return len(got), sum(got.values())


def encrypt_file(db_path: Path, passwords: dict[str, str]) -> Encrypted:
    """Encrypt the closed plain database at `db_path`; each account in `passwords` gets a key
    slot. Returns the recovery key (to be shown once). The key is remembered for `db_path`."""
    if not crypto.has_plain_header(db_path):
        raise DomainError("数据库已经加密，或不是信访工作台的数据库。")
    recovery = crypto.new_recovery_key()
    key = crypto.key_from_recovery(recovery)
    keys = crypto.KeyFile(
        crypto.key_check(key), [crypto.wrap(key, u, pw) for u, pw in passwords.items()]
    )
    # The file is replaced: every other process that has it open is waited for, and none can
    # open it meanwhile (the same exclusive lock a restore takes, app/safety/db_lock.py).
    lock = DatabaseLock(db_path)
    lock.acquire(exclusive=True, timeout=ENCRYPT_WAIT_SECONDS, message=ENCRYPT_BUSY)
    try:
        tables, rows = _swap_in_encrypted(db_path, key, keys)
    finally:
        lock.release()
    crypto.remember(db_path, key)
    return Encrypted(recovery, tables, rows)


def _swap_in_encrypted(db_path: Path, key: bytes, keys: crypto.KeyFile) -> tuple[int, int]:
    """Copy, verify, swap: the plain file at `db_path` becomes encrypted with `key`."""
    tmp, old = _tmp(db_path), _old(db_path)
    tmp.unlink(missing_ok=True)
    try:
        _export(db_path, tmp, key)
        tables, rows = _verify(db_path, tmp, key)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        crypto.write_keys(db_path, keys)
        files.replace(db_path, old)
        for sidecar in ("-wal", "-shm"):
            # Checkpointed and empty, but the plain file's WAL must never meet the new file.
            db_path.with_name(db_path.name + sidecar).unlink(missing_ok=True)
        files.replace(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if old.exists() and not db_path.exists():
            files.replace(old, db_path)
        if crypto.has_plain_header(db_path):
            crypto.keys_path(db_path).unlink(missing_ok=True)
        raise
    _wipe(old)
    return tables, rows


def encrypt_copies(folder: Path, key: bytes, keys: crypto.KeyFile) -> list[Path]:
    """Backups and safety copies made before the database was encrypted hold everything in
    clear: each plain copy in `folder` is encrypted the same way, with the same key (so the
    accounts' passwords of today and the recovery key open them). A copy that cannot be read
    is left as it is. Returns the copies encrypted."""
    done: list[Path] = []
    if not folder.is_dir():
        return done
    for path in sorted(folder.glob("*.sqlite3")):
        if not path.is_file() or not crypto.has_plain_header(path):
            continue
        try:
            _swap_in_encrypted(path, key, keys)
        except crypto.errors() + (DomainError, OSError):
            continue
        done.append(path)
    return done


def encrypt_database(db: Database, passwords: dict[str, str]) -> Encrypted:
    """`encrypt_file` for the open database of this process: every session is waited for and
    the engine reconnects with the key afterwards."""
    db.quiesce()
    try:
        result = encrypt_file(db.path, passwords)
    finally:
        db.rebind()
        db.resume()
    key, keys = crypto.key_for(db.path), crypto.read_keys(db.path)
    assert key is not None and keys is not None
    from app.safety import backup

    for folder in {paths.backups_dir(db.path.parent), backup.configured_folder(db)}:
        encrypt_copies(folder, key, keys)
    return result


def decrypt_to(db_path: Path, out: Path) -> None:
    """A plain copy of the encrypted database at `db_path` (its key must be unlocked)."""
    key = crypto.key_for(db_path)
    if key is None:
        raise crypto.Locked("数据库已加密，需要先用管理员账号登录。")
    out = Path(out).expanduser()
    if out.exists():
        raise DomainError(f"文件 {out} 已存在，请换一个文件名。")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = crypto.connect(db_path, key=key)
    try:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (os.fspath(tmp),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    plain = sqlite3.connect(tmp)
    try:
        ok = [r[0] for r in plain.execute("PRAGMA integrity_check")] == ["ok"]
    finally:
        plain.close()
    if not ok:
        tmp.unlink(missing_ok=True)
        raise DomainError("解密后的副本校验未通过，已放弃。")
    files.replace(tmp, out)
