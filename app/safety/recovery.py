"""Finishing what a killed process left half-done (issue 16 items 2, 3, 12).

A restore and a schema upgrade each write a small marker file beside the database before
their first irreversible step and remove it after their last. A start that finds a marker
finishes (or undoes) that step before anything opens the database, under the exclusive
database lock, so a power cut at any moment leaves either the old or the new database —
never none, never a half-upgraded one — and never a second full copy per retry.
"""

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import IO, Any

from app.safety import crypto, files

RESTORE_MARKER = ".restoring"
UPGRADE_MARKER = ".upgrading"
# The old restore (before 2026-12) renamed the live file to this before putting the copy in.
LEGACY_REPLACED = ".replaced"


def marker_path(db_path: Path, suffix: str) -> Path:
    return db_path.with_name(db_path.name + suffix)


def restore_tmp(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".restore.tmp")


def restore_keys_tmp(db_path: Path) -> Path:
    """The key file of an encrypted backup's copy, waiting beside it (app/safety/crypto.py)."""
    return crypto.keys_path(restore_tmp(db_path))


def sidecars(db_path: Path) -> list[Path]:
    return [db_path.with_name(db_path.name + s) for s in ("-wal", "-shm", "-journal")]


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows commits directory entries itself."""
    if sys.platform.startswith("win"):
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_marker(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    files.replace(tmp, path)
    fsync_dir(path.parent)


def read_marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remove_marker(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".tmp").unlink(missing_ok=True)
    if path.parent.exists():
        fsync_dir(path.parent)


def sound_database(path: Path, size: int | None = None) -> bool:
    """A whole SQLite file of this program (integrity ok, alembic_version present).

    An encrypted file opens with the key this process holds for it (or for the database it is
    a copy of). Without one it cannot be read: it counts as whole when it has its key file and
    the `size` the caller recorded once it had checked it (a restore's marker)."""
    if not path.is_file():
        return False
    key = crypto.key_for_copy(path)
    if key is None and crypto.is_encrypted(path):
        return size is not None and path.stat().st_size == size
    try:
        conn = crypto.connect(path, key=key, uri=files.sqlite_uri(path, mode="ro"))
        try:
            if [r[0] for r in conn.execute("PRAGMA quick_check")] != ["ok"]:
                return False
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            return "alembic_version" in names
        finally:
            conn.close()
    except (sqlite3.Error, UnicodeDecodeError, crypto.WrongKey):
        return False
    except crypto.errors():
        return False


def swap_in(tmp: Path, db_path: Path) -> None:
    """Put the whole, verified file `tmp` in place of `db_path` in one rename.

    The old database's -wal/-shm go first: a WAL left beside the new file would be replayed
    into it. Whatever they held is already in the 恢复前 copy the caller made.
    """
    for side in sidecars(db_path):
        side.unlink(missing_ok=True)
    files.replace(tmp, db_path)
    fsync_dir(db_path.parent)


def swap_in_keys(db_path: Path, marker: Path) -> None:
    """After `swap_in` of a restore: the restored file's key file replaces the live one (an
    encrypted backup), or the live one goes (a plain backup: no key file beside a plain
    database). Idempotent, so a start after a kill between the two renames finishes it."""
    data = read_marker(marker) or {}
    live = crypto.keys_path(db_path)
    if "keys" not in data:
        return  # a marker from before encryption: nothing recorded about keys
    if data["keys"] is None:
        live.unlink(missing_ok=True)
        return
    waiting = Path(str(data["keys"]))
    if waiting.exists():
        files.replace(waiting, live)
        fsync_dir(db_path.parent)


def pending(db_path: Path) -> bool:
    """True when a killed restore or upgrade must be finished before the database is used."""
    return (
        marker_path(db_path, RESTORE_MARKER).exists()
        or marker_path(db_path, UPGRADE_MARKER).exists()
        or restore_tmp(db_path).exists()
        or (not db_path.exists() and marker_path(db_path, LEGACY_REPLACED).exists())
    )


def finish_restore(db_path: Path) -> str | None:
    """Complete or undo a restore that was killed. Returns what was done (for the log), or
    None when there was nothing to do. The caller holds the exclusive database lock."""
    marker = marker_path(db_path, RESTORE_MARKER)
    legacy = marker_path(db_path, LEGACY_REPLACED)
    if not marker.exists() and restore_tmp(db_path).exists():
        # Killed while copying, before the marker: the database was never touched, and the
        # half-written copy holds personal data nobody will open (item 12).
        restore_tmp(db_path).unlink(missing_ok=True)
        restore_keys_tmp(db_path).unlink(missing_ok=True)
    if not marker.exists():
        if not db_path.exists() and legacy.exists():
            files.replace(legacy, db_path)  # killed between the old restore's two renames
            fsync_dir(db_path.parent)
            return "legacy-put-back"
        return None
    data = read_marker(marker) or {}
    tmp = Path(str(data.get("tmp") or restore_tmp(db_path)))
    aside = Path(str(data["aside"])) if data.get("aside") else None
    done: str
    size = data.get("size")
    if tmp.exists() and sound_database(tmp, size if isinstance(size, int) else None):
        # The marker is written only once the copy is whole and checked: finish the swap.
        swap_in(tmp, db_path)
        swap_in_keys(db_path, marker)
        done = "completed"
    else:
        swapped = not tmp.exists()
        tmp.unlink(missing_ok=True)
        if db_path.exists():
            if swapped:  # killed between the file's rename and its key file's: finish that
                swap_in_keys(db_path, marker)
            else:  # the copy was not whole: the old database and its key file stay
                restore_keys_tmp(db_path).unlink(missing_ok=True)
            done = "already-swapped"
        elif aside is not None and aside.exists():
            # Cannot happen with the marker order above; kept so no path ends without data.
            _copy(aside, db_path)  # a copy: the 恢复前 file stays as it was
            if crypto.keys_path(aside).exists():
                shutil.copy2(crypto.keys_path(aside), crypto.keys_path(db_path))
            done = "put-back-aside"
        else:
            done = "nothing-to-do"
    remove_marker(marker)
    return done


def _copy(src: Path, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".recover.tmp")
    shutil.copyfile(src, tmp)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    files.replace(tmp, dest)
    fsync_dir(dest.parent)


def rotate_copies(folder: Path, prefix: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` copies named `<prefix>…` (issue 16 item 12): the
    升级前 and 恢复前 copies hold every petitioner's data and used to pile up for ever."""
    if not folder.is_dir():
        return []
    copies = sorted(
        (p for p in folder.glob(f"{prefix}*.sqlite3") if p.is_file()),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
        reverse=True,
    )
    removed = copies[max(1, keep) :]
    for path in removed:
        path.unlink(missing_ok=True)
        for side in [*sidecars(path), crypto.keys_path(path)]:
            side.unlink(missing_ok=True)
    return removed


def hold(path: Path) -> IO[bytes]:
    """Open (creating) a temporary copy and lock it while it is written, so a cleanup in
    another process can tell a copy under way from one a killed process left (POSIX flock;
    on Windows the open file cannot be deleted anyway). Close the returned file when done."""
    f = open(path, "ab")  # noqa: SIM115 (held for the whole copy)
    if not sys.platform.startswith("win"):
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
    return f


def _in_use(path: Path) -> bool:
    if sys.platform.startswith("win"):
        return False  # deleting it fails while it is open, and the caller skips it
    import fcntl

    try:
        with open(path, "rb") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except OSError:
        return True
    return False


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Half-written copies a killed backup or upgrade left (`*.sqlite3.tmp`, item 12): full
    copies of the personal data nobody would ever open. Only names this program writes, and
    only those no running copy holds."""
    if not folder.is_dir():
        return []
    removed = []
    for pattern in ("*.sqlite3.tmp", "*.sqlite3.tmp-journal"):
        for path in folder.glob(pattern):
            if _in_use(path):
                continue
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed
