"""Attachments of a case (docs/rules.md, 附件): add, list, detach (kept, audited), read, copy out,
and the 卷宗 that prints them with the case.

The bytes go to the store (`store.py`) before the row is written; a file whose row never got
written is an unreferenced file in a content-addressed store, which harms nothing. A detached
attachment keeps its row (who, when, why) and its file: nothing the clerk adds is deleted.
"""

import datetime as dt
import hashlib
import io
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock, paths
from app.attachments.names import GENERATED, KINDS, is_image, size_text
from app.attachments.store import (
    DatabaseStore,
    FileStore,
    FolderStore,
    Stored,
    TooLarge,
    too_large_message,
)
from app.cases import scope
from app.db import Database
from app.errors import DomainError
from app.models import Attachment, Case
from app.office import settings
from app.safety import auth


@dataclass(frozen=True)
class AttachmentView:
    id: int
    case_number: str
    name: str
    kind: str
    size: int
    sha256: str
    doc_no: str
    added_by: str
    added_at: dt.datetime
    detached_by: str = ""
    detached_at: dt.datetime | None = None
    detached_reason: str = ""

    @property
    def detached(self) -> bool:
        return self.detached_at is not None

    @property
    def is_image(self) -> bool:
        return is_image(self.name)

    @property
    def size_text(self) -> str:
        return size_text(self.size)


def store_for(db_path: Path) -> FolderStore:
    """The store of the database at `db_path` (its data folder's 附件/)."""
    return FolderStore(paths.attachments_dir(Path(db_path).parent))


def store_of(db: Database, user: str = "") -> FileStore:
    """Where this database's attachments live: its data folder's 附件/ beside a SQLite file,
    the database itself on a server (domain.md §9, every clerk sees them)."""
    if db.is_server:
        return DatabaseStore(db, user)
    return store_for(db.path)


def limit_bytes(session: Session) -> int:
    return int(settings.get(session, "attachment_max_mb")) * 1_048_576


def _view(a: Attachment, number: str) -> AttachmentView:
    return AttachmentView(
        a.id,
        number,
        a.name,
        a.kind,
        a.size,
        a.sha256,
        a.doc_no or "",
        a.added_by,
        a.added_at,
        a.detached_by or "",
        a.detached_at,
        a.detached_reason or "",
    )


def _case(session: Session, key: int | str) -> Case:
    if isinstance(key, int):
        case = session.get(Case, key)
    else:
        case = session.scalar(select(Case).where(Case.number == key.strip()))
    if case is None:
        raise DomainError(f"找不到信访件 {key}。")
    return case


def _clean_name(name: str) -> str:
    # Only the last part: a name pasted with a folder ("C:\\扫描\\来信.pdf") keeps "来信.pdf".
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (base or "附件")[:255]


def _record(
    session: Session,
    case: Case,
    stored: Stored,
    name: str,
    kind: str,
    user: str,
    doc_no: str | None = None,
) -> tuple[Attachment, bool]:
    """The case's attachment for these bytes: the one it already has (same hash, not detached),
    else a new row, audited. Returns (row, created)."""
    same = session.scalar(
        select(Attachment).where(
            Attachment.case_id == case.id,
            Attachment.sha256 == stored.sha256,
            Attachment.detached_at.is_(None),
        )
    )
    if same is not None:
        if doc_no and not same.doc_no:
            same.doc_no = doc_no
        return same, False
    row = Attachment(
        case_id=case.id,
        sha256=stored.sha256,
        size=stored.size,
        name=_clean_name(name),
        kind=kind,
        doc_no=doc_no or None,
        added_by=user,
        added_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, user, "添加附件", "case", case.number, "附件", None, f"{kind}：{row.name}"
    )
    return row, True


def keep_generated(
    db: Database, number: str, path: Path, template: str, doc_no: str, user: str
) -> AttachmentView:
    """A 文书 just generated for the case, kept as its attachment of kind 文书 with its 文号.
    The same bytes again (the same document regenerated unchanged) are the same attachment.
    Called by DocumentService after its own permission and 科室 scope checks."""
    store = store_of(db, user)
    with db.read() as s:
        case_id = _case(s, number).id
        earlier = list(
            s.scalars(
                select(Attachment).where(
                    Attachment.case_id == case_id,
                    Attachment.kind == GENERATED,
                    Attachment.doc_no == (doc_no or None),
                    Attachment.detached_at.is_(None),
                )
            )
        )
        for row in earlier:
            s.expunge(row)
    # A .docx written again differs only in its zip entries' timestamps: the same document.
    same = content_identity(Path(path))
    for row in earlier:
        if store.exists(row.sha256):
            with store.open(row.sha256) as kept:
                if content_identity(kept) == same:
                    return _view(row, number)
    with open(path, "rb") as f:
        stored = store.put(f)
    with db.session() as s:
        case = _case(s, number)
        name = f"{template}（{doc_no}）.docx" if doc_no else f"{template}.docx"
        new, _created = _record(s, case, stored, name, GENERATED, user, doc_no)
        return _view(new, case.number)


def content_identity(source: Path | BinaryIO) -> str:
    """SHA-256 over a .docx's parts (names and bytes), not the zip's own timestamps; the file's
    hash for anything that is not a zip. `source`: a file, or an open binary stream (a stored
    attachment)."""
    try:
        with zipfile.ZipFile(source) as z:
            h = hashlib.sha256()
            for name in sorted(z.namelist()):
                h.update(name.encode("utf-8") + b"\0" + z.read(name) + b"\0")
            return h.hexdigest()
    except zipfile.BadZipFile:
        from app.attachments.store import file_hash

        if isinstance(source, Path):
            return file_hash(source)
        source.seek(0)
        return hashlib.sha256(source.read()).hexdigest()


class AttachmentService:
    """The files of a case for one signed-in account: reading needs `view_case`, copying a
    file out or printing the 卷宗 `export`, adding or detaching `edit_case`."""

    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        self.user = user
        self.store = store_of(db, user.label)

    def _case(self, s: Session, key: int | str) -> Case:
        """The case, refused outside the account's 科室 scope (app/cases/scope.py): a 编号 or
        an attachment id typed on the command line reaches no case the list would hide."""
        case = _case(s, key)
        scope.check(s, self.user, case)
        return case

    def attachments(self, case: int | str, detached: bool = False) -> list[AttachmentView]:
        """The case's attachments in the order they were added (with `detached`, also those
        taken off the case)."""
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            c = self._case(s, case)
            query = select(Attachment).where(Attachment.case_id == c.id)
            if not detached:
                query = query.where(Attachment.detached_at.is_(None))
            return [_view(a, c.number) for a in s.scalars(query.order_by(Attachment.id))]

    def limit_mb(self) -> int:
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            return limit_bytes(s) // 1_048_576

    def attach(
        self, case: int | str, files: list[Path], kind: str = "其他"
    ) -> list[tuple[AttachmentView, bool]]:
        """Add files to the case: (attachment, True) for each new one, (the existing one, False)
        for a file the case already has. Every file is checked before any is added."""
        auth.require(self.user, "edit_case")
        kind = _kind(kind)
        with self.db.read() as s:
            self._case(s, case)
            limit = limit_bytes(s)
        files = [Path(f).expanduser() for f in files]
        if not files:
            raise DomainError("没有选择要添加的文件。")
        for f in files:
            if not f.is_file():
                raise DomainError(f"找不到文件：{f}")
            if f.stat().st_size > limit:
                raise TooLarge(too_large_message(f.stat().st_size, limit, f.name))
        out = []
        for f in files:
            try:
                with open(f, "rb") as src:
                    stored = self.store.put(src, limit)
            except OSError as exc:
                raise DomainError(f"无法读取文件 {f}（{exc.strerror or exc}）。") from None
            out.append(self._add(case, stored, f.name, kind))
        return out

    def attach_data(
        self, case: int | str, name: str, data: bytes, kind: str = "照片"
    ) -> tuple[AttachmentView, bool]:
        """Bytes that are not a file yet (an image pasted from the clipboard)."""
        auth.require(self.user, "edit_case")
        kind = _kind(kind)
        with self.db.read() as s:
            self._case(s, case)
            limit = limit_bytes(s)
        if len(data) > limit:
            raise TooLarge(too_large_message(len(data), limit, name))
        stored = self.store.put(io.BytesIO(data), limit)
        return self._add(case, stored, name, kind)

    def _add(
        self, case: int | str, stored: Stored, name: str, kind: str
    ) -> tuple[AttachmentView, bool]:
        with self.db.session() as s:
            c = self._case(s, case)
            row, created = _record(s, c, stored, name, kind, self.user.label)
            return _view(row, c.number), created

    def detach(self, case: int | str, attachment_id: int, reason: str) -> AttachmentView:
        """Take an attachment off the case: the row and the file are kept, the reason audited."""
        auth.require(self.user, "edit_case")
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("请填写移除附件的原因。", field="reason")
        if len(reason) > 200:
            raise DomainError("移除原因不能超过 200 字。", field="reason")
        with self.db.session() as s:
            c = self._case(s, case)
            row = s.get(Attachment, attachment_id)
            if row is None or row.case_id != c.id:
                raise DomainError(f"信访件 {c.number} 没有编号为 {attachment_id} 的附件。")
            if row.detached_at is not None:
                raise DomainError(f"附件“{row.name}”已于 {row.detached_at:%Y-%m-%d} 移除。")
            row.detached_at, row.detached_by = clock.now(), self.user.label
            row.detached_reason = reason
            audit.record(
                s,
                self.user.label,
                "移除附件",
                "case",
                c.number,
                "附件",
                row.name,
                f"移除：{reason}",
            )
            return _view(row, c.number)

    def _row(self, attachment_id: int) -> Attachment:
        with self.db.read() as s:
            row = s.get(Attachment, attachment_id)
            if row is None:
                raise DomainError(f"没有编号为 {attachment_id} 的附件。")
            # By id alone, so the case it belongs to is checked here (the 科室 scope).
            self._case(s, row.case_id)
            s.expunge(row)
            return row

    def read(self, attachment_id: int) -> bytes:
        """The file's bytes (the in-app image preview)."""
        auth.require(self.user, "view_case")
        row = self._row(attachment_id)
        with self.store.open(row.sha256) as f:
            return f.read()

    def copy_out(self, attachment_id: int, folder: Path) -> Path:
        """A copy under its original name in `folder` (to open in the system's program)."""
        auth.require(self.user, "export")
        row = self._row(attachment_id)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _clean_name(row.name)
        with self.store.open(row.sha256) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)
        return target

    def case_file(self, case: int | str, out: Path) -> Path:
        """The 卷宗 (docs/rules.md, 卷宗): an internal file, printed in full (Art.30 exempt)."""
        auth.require(self.user, "export")
        from app.documents import case_file

        with self.db.read() as s:
            number = self._case(s, case).number
        path = case_file.render(self.db, number, Path(out), self._open)
        with self.db.session() as s:
            audit.record(s, self.user.label, "生成卷宗", "case", number, None, None, path.name)
        return path

    def _open(self, sha256: str) -> BinaryIO:
        return self.store.open(sha256)


def _kind(kind: str) -> str:
    kind = (kind or "其他").strip()
    if kind not in KINDS:
        raise DomainError(f"附件类别“{kind}”不对，可选：{'、'.join(KINDS)}。", field="kind")
    return kind
