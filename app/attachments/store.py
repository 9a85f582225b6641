"""Where attachment bytes live: one small interface, `FileStore`, and the folder store.

Content-addressed: a file is stored once under its SHA-256, whatever its name or how many
cases hold it, so a backup copies only names it does not have and `check` can tell an altered
file from a sound one. On PostgreSQL (domain.md §9, several clerks) a store in the database
replaces `FolderStore` behind the same four calls.

Every write goes to a temporary name in the store, is flushed to disk (fsync) and only then
renamed to its hash: a killed write leaves a `.…tmp` file that nothing counts, never a file
under a hash whose bytes are not that hash.
"""

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.errors import DomainError
from app.models import StoredFile
from app.safety import files

CHUNK = 1 << 20
TMP_SUFFIX = ".tmp"


class TooLarge(DomainError):
    """The file is over the size limit (setting `attachment_max_mb`)."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


class FileStore(Protocol):
    def put(self, source: BinaryIO, limit: int | None = None) -> Stored: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def verify(self, sha256: str) -> bool: ...

    def hashes(self) -> Iterator[str]: ...


def valid_hash(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise DomainError(f"附件编号“{sha256}”不是有效的 SHA-256。")
    return sha256


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def copy_verified(
    source: BinaryIO,
    tmp_dir: Path,
    target_for: Callable[[str], Path],
    expect: str | None = None,
) -> Stored:
    """Copy `source` to `target_for(its sha256)` through a temporary file in `tmp_dir` (same
    disk), fsync, rename; the hash is computed on the way. With `expect`, a copy whose hash
    differs is discarded (DomainError) and nothing is written under the target name."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=TMP_SUFFIX, dir=tmp_dir)
    h, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                h.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if expect is not None and digest != expect:
            raise DomainError(f"复制附件时内容不一致（{expect[:12]}…），已放弃这份副本。")
        target = target_for(digest)
        if target.exists():
            os.unlink(tmp)  # the same bytes are there already (content-addressed)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            files.replace(tmp, target)
        return Stored(digest, size)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def too_large_message(size: int, limit: int, name: str = "") -> str:
    what = f"“{name}”" if name else "这个文件"
    return (
        f"{what}超过附件大小上限 {limit / 1_048_576:.0f} MB（文件至少 {size / 1_048_576:.1f} MB），"
        "没有添加。请压缩或拆分后再添加；上限可由管理员在设置中修改（attachment_max_mb）。"
    )


class _Limited:
    """A reader that refuses to go past `limit` bytes: a stream's size is known only at its
    end, so a pasted image or a file that grew after the check is cut off once too big."""

    def __init__(self, source: BinaryIO, limit: int) -> None:
        self.source, self.limit, self.seen = source, limit, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.source.read(n)
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise TooLarge(too_large_message(self.seen, self.limit))
        return chunk


class FolderStore:
    """Files under `root/<first two hex digits>/<sha256>` (two levels keep a folder small)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        valid_hash(sha256)
        return self.root / sha256[:2] / sha256

    def put(self, source: BinaryIO, limit: int | None = None) -> Stored:
        # Hashed into a temporary file at the root: the final name is known only at the end.
        reader: Any = _Limited(source, limit) if limit is not None else source
        return copy_verified(reader, self.root, self.path)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError:
            raise DomainError(
                f"附件文件不见了（{sha256[:12]}…）。请运行 xinfang check 查看。"
            ) from None

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def verify(self, sha256: str) -> bool:
        path = self.path(sha256)
        return path.is_file() and file_hash(path) == sha256

    def hashes(self) -> Iterator[str]:
        for sub in sorted(self.root.glob("??")):
            for p in sorted(sub.iterdir()):
                if len(p.name) == 64 and p.name[:2] == sub.name:
                    yield p.name

    def remove_temporaries(self) -> None:
        """What a killed write left: never a stored file (those have no dot)."""
        for p in self.root.glob(f".*{TMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                p.unlink()


ATTACHMENT = "attachment"  # stored_files.kind of an attachment (its name is its SHA-256)


class DatabaseStore:
    """Attachments in the database's `stored_files` table (PostgreSQL, domain.md §9: every
    clerk sees them). The same four calls as `FolderStore`; content-addressed the same way, so
    two clerks adding the same file store it once."""

    def __init__(self, db: Any, user: str = "") -> None:
        self.db = db
        self.user = user

    def put(self, source: BinaryIO, limit: int | None = None) -> Stored:
        reader: Any = _Limited(source, limit) if limit is not None else source
        h, parts = hashlib.sha256(), []
        for chunk in iter(lambda: reader.read(CHUNK), b""):
            h.update(chunk)
            parts.append(chunk)
        data = b"".join(parts)
        stored = Stored(h.hexdigest(), len(data))
        if self.exists(stored.sha256):
            return stored
        try:
            with self.db.session() as s:
                s.add(
                    StoredFile(
                        kind=ATTACHMENT,
                        name=stored.sha256,
                        content=data,
                        size=stored.size,
                        sha256=stored.sha256,
                        created_at=clock.now(),
                        created_by=self.user[:30],
                    )
                )
        except IntegrityError:
            # Another clerk stored the same bytes a moment ago: they are there.
            with self.db.read() as s:
                there = s.scalar(select(StoredFile.id).where(*self._row(stored.sha256)))
            if there is None:
                raise
        return stored

    @staticmethod
    def _row(sha256: str) -> tuple[Any, Any]:
        return StoredFile.kind == ATTACHMENT, StoredFile.name == valid_hash(sha256)

    def read(self, sha256: str) -> bytes | None:
        with self.db.read() as s:
            return s.scalar(select(StoredFile.content).where(*self._row(sha256)))

    def open(self, sha256: str) -> BinaryIO:
        data = self.read(sha256)
        if data is None:
            raise DomainError(f"附件不见了（{sha256[:12]}…），服务器数据库中没有这份文件。")
        return io.BytesIO(data)

    def exists(self, sha256: str) -> bool:
        with self.db.read() as s:
            return s.scalar(select(StoredFile.id).where(*self._row(sha256))) is not None

    def verify(self, sha256: str) -> bool:
        data = self.read(sha256)
        return data is not None and hashlib.sha256(data).hexdigest() == sha256

    def hashes(self) -> Iterator[str]:
        with self.db.read() as s:
            names = list(
                s.scalars(
                    select(StoredFile.name)
                    .where(StoredFile.kind == ATTACHMENT)
                    .order_by(StoredFile.name)
                )
            )
        yield from names
