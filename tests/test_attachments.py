"""Attachments of a case (issue 18): attach, list, detach, the size limit, backup and restore of
the files, `check` naming an altered file, a killed backup, the 卷宗, generated 文书 kept."""

import dataclasses
import datetime as dt
import hashlib
import shutil
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from accounts import READER_USER, TESTER
from factories import case_input
from sqlalchemy import select

from app import paths
from app.attachments import copies, store
from app.attachments.service import AttachmentService, store_for, store_of
from app.bootstrap import open_database
from app.cases.service import CaseService
from app.db import Database
from app.documents.service import DocumentService
from app.errors import DomainError
from app.models import AuditEntry
from app.office import settings
from app.safety import backup, integrity

T = dt.datetime(2025, 12, 31, 18, 0)
BACKUP_IS_A_FILE_COPY = (
    "a backup copies the database file and its 附件 folder; on a server the office backs up "
    "with pg_dump (the files are in the database)"
)


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG (no Pillow in the environment): solid colour, 8-bit RGB."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path) -> Iterator[None]:
    paths.set_data_dir(tmp_path / "data")  # the office's template folder for these tests
    yield
    paths.set_data_dir(None)


@pytest.fixture
def number(cases: CaseService, db: Database) -> str:
    with db.session() as s:
        settings.put(s, "office_name", "某某县信访局")
        settings.put(s, "doc_code", "县")
    created = cases.create(
        case_input(
            received_on=dt.date(2025, 11, 3),
            form="来信",
            name="张秀英",
            id_number="11010519491231002X",
            phone="13800138000",
            summary="反映村内饮用水水质浑浊",
            category="水利",
            nature="申诉求决类",
            department="业务科",
        )
    )
    cases.act(created.number, "受理", dt.date(2025, 11, 5))
    return created.number


@pytest.fixture
def svc(db: Database) -> AttachmentService:
    return AttachmentService(db, TESTER)


def _file(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_attach_list_and_the_file_is_stored_by_hash_outside_the_database(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    letter = _file(tmp_path / "in", "来信扫描.pdf", b"%PDF-1.4 letter")
    photo = _file(tmp_path / "in", "现场.png", png(40, 30))
    added = svc.attach(number, [letter], "来信原件") + svc.attach(number, [photo], "照片")
    assert [created for _v, created in added] == [True, True]
    listed = svc.attachments(number)
    assert [(a.name, a.kind, a.size) for a in listed] == [
        ("来信扫描.pdf", "来信原件", len(b"%PDF-1.4 letter")),
        ("现场.png", "照片", photo.stat().st_size),
    ]
    if db.is_server:
        # In the server's database, so every clerk sees it (domain.md §9); no folder here.
        with store_of(db).open(listed[0].sha256) as f:
            assert f.read() == b"%PDF-1.4 letter"
        assert not paths.attachments_dir().exists()
    else:
        stored = store_for(db.path).path(listed[0].sha256)
        assert stored.read_bytes() == b"%PDF-1.4 letter"
        assert stored.parent.parent == db.path.parent / "附件"
        assert b"%PDF-1.4 letter" not in db.path.read_bytes()  # never inside the SQLite file
    assert svc.read(listed[1].id) == photo.read_bytes()
    # The same file again is the same attachment, not a second copy.
    again = svc.attach(number, [letter], "来信原件")
    assert again[0][1] is False and len(svc.attachments(number)) == 2
    with db.read() as s:
        actions = list(s.scalars(select(AuditEntry.new).where(AuditEntry.action == "添加附件")))
    assert actions == ["来信原件：来信扫描.pdf", "照片：现场.png"]


def test_detach_keeps_the_row_and_the_file_and_is_audited(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    photo = _file(tmp_path / "in", "错传.png", png(10, 10))
    view = svc.attach(number, [photo], "照片")[0][0]
    with pytest.raises(DomainError, match="原因"):
        svc.detach(number, view.id, "  ")
    done = svc.detach(number, view.id, "传错了案件")
    assert done.detached and done.detached_reason == "传错了案件"
    assert svc.attachments(number) == []
    kept = svc.attachments(number, detached=True)
    assert [(a.name, a.detached_by) for a in kept] == [("错传.png", "测试员")]
    assert store_of(db).verify(view.sha256)  # the file is kept
    with db.read() as s:
        row = s.execute(
            select(AuditEntry.user, AuditEntry.old, AuditEntry.new).where(
                AuditEntry.action == "移除附件"
            )
        ).one()
    assert tuple(row) == ("测试员", "错传.png", "移除：传错了案件")
    with pytest.raises(DomainError, match="已于"):
        svc.detach(number, view.id, "再次")


def test_a_file_over_the_limit_is_refused_with_a_clear_message(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        settings.put(s, "attachment_max_mb", 1)
    big = _file(tmp_path / "in", "大扫描件.tif", b"\0" * (1_048_576 + 1))
    small = _file(tmp_path / "in", "小.txt", b"ok")
    with pytest.raises(store.TooLarge) as refused:
        svc.attach(number, [small, big])
    assert "“大扫描件.tif”超过附件大小上限 1 MB" in refused.value.message
    assert svc.attachments(number) == []  # checked before any was added
    with pytest.raises(store.TooLarge):
        svc.attach_data(number, "粘贴.png", b"\0" * (1_048_576 + 1))
    assert not list(store_of(db).hashes())


def test_the_default_limit_is_50_mb(db: Database) -> None:
    with db.read() as s:
        assert settings.get(s, "attachment_max_mb") == 50


def test_a_reader_may_list_but_not_attach(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    svc.attach(number, [_file(tmp_path / "in", "a.txt", b"a")])
    reader = AttachmentService(db, READER_USER)
    assert len(reader.attachments(number)) == 1
    with pytest.raises(DomainError, match="无权"):
        reader.attach(number, [tmp_path / "in" / "a.txt"])


def _restore_world(db: Database, svc: AttachmentService, number: str, tmp: Path) -> list[bytes]:
    blobs = [png(30, 20, (i * 40, 10, 10)) for i in range(3)] + [b"reply text " * 100]
    names = ["p0.png", "p1.png", "p2.png", "答复.docx"]
    for name, blob in zip(names, blobs, strict=True):
        svc.attach(number, [_file(tmp / "in", name, blob)], "照片")
    return blobs


@pytest.mark.sqlite_only(BACKUP_IS_A_FILE_COPY)
def test_backup_then_restore_into_a_new_data_folder_brings_every_file(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    blobs = _restore_world(db, svc, number, tmp_path)
    folder = tmp_path / "U盘"
    first = backup.make_backup(db, folder=folder, now=T)
    assert first.files_copied == 4 and first.bytes_copied == sum(map(len, blobs))
    second = backup.make_backup(db, folder=folder, now=T + dt.timedelta(minutes=1))
    assert second.files_copied == 0  # incremental: nothing new
    svc.attach(number, [_file(tmp_path / "in", "new.txt", b"later")])
    third = backup.make_backup(db, folder=folder, now=T + dt.timedelta(minutes=2))
    assert third.files_copied == 1

    new_db = tmp_path / "另一台电脑" / "xinfang.sqlite3"
    new_db.parent.mkdir()
    backup.restore(new_db, first.path, now=T)
    restored = Database(new_db)
    try:
        views = AttachmentService(restored, TESTER).attachments(number)
        assert len(views) == 4
        live = store_for(new_db)
        for v, blob in zip(views, blobs, strict=True):
            assert v.sha256 == _sha(blob)
            assert store.file_hash(live.path(v.sha256)) == v.sha256
        assert integrity.health(new_db).ok
    finally:
        restored.close()


@pytest.mark.sqlite_only(BACKUP_IS_A_FILE_COPY)
def test_restore_refuses_a_backup_whose_files_are_missing_or_altered_and_changes_nothing(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    _restore_world(db, svc, number, tmp_path)
    folder = tmp_path / "bk"
    info = backup.make_backup(db, folder=folder, now=T)
    victim = sorted((folder / "附件").rglob("*"))[-1]
    assert victim.is_file()
    victim.write_bytes(b"tampered")
    new_db = tmp_path / "new" / "xinfang.sqlite3"
    new_db.parent.mkdir()
    with pytest.raises(DomainError, match="内容已改变") as refused:
        backup.restore(new_db, info.path, now=T)
    assert number in refused.value.message
    assert not new_db.exists()
    assert not list(store_for(new_db).hashes())  # all or nothing: no file came in either
    victim.unlink()
    with pytest.raises(DomainError, match="缺少 1 个附件文件"):
        backup.restore(new_db, info.path, now=T)
    assert not new_db.exists()


@pytest.mark.sqlite_only(
    "xinfang check reads the data folder's 附件 store; on a server the files are in the database"
)
def test_check_names_an_altered_and_a_missing_attachment_by_case(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    svc.attach(number, [_file(tmp_path / "in", "回执.jpg", b"\xff\xd8 receipt")], "回执")
    svc.attach(number, [_file(tmp_path / "in", "来信.pdf", b"%PDF letter")], "来信原件")
    report = integrity.health(db.path)
    assert [i.value for i in report.items if i.label == "附件"] == ["2 个文件，内容校验一致"]
    views = svc.attachments(number)
    store_for(db.path).path(views[0].sha256).write_bytes(b"edited outside the program")
    store_for(db.path).path(views[1].sha256).unlink()
    report = integrity.health(db.path)
    item = next(i for i in report.items if i.label == "附件")
    assert item.state == integrity.BAD and not report.ok
    assert f"缺少 1 个文件：{number}：来信.pdf" in item.value
    assert f"1 个文件内容被改动：{number}：回执.jpg" in item.value


class _Interrupted(Exception):
    pass


@pytest.mark.sqlite_only(BACKUP_IS_A_FILE_COPY)
def test_a_killed_backup_leaves_no_half_copied_file_that_counts_as_good(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path, monkeypatch: Any
) -> None:
    big = bytes(range(256)) * 12_000  # ~3 MB: several chunks
    svc.attach(number, [_file(tmp_path / "in", "扫描.tif", big)], "来信原件")
    sha = _sha(big)
    real_open = store.FolderStore.open

    class Dying:
        """The source of the copy: dies after the first chunk (the process killed mid-file)."""

        def __init__(self, f: Any) -> None:
            self.f, self.reads = f, 0

        def read(self, n: int = -1) -> bytes:
            self.reads += 1
            if self.reads > 1:
                raise _Interrupted()
            return bytes(self.f.read(n))

        def __enter__(self) -> "Dying":
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

    monkeypatch.setattr(store.FolderStore, "open", lambda self, h: Dying(real_open(self, h)))
    folder = tmp_path / "bk"
    with pytest.raises(_Interrupted):
        backup.make_backup(db, folder=folder, now=T)
    target = store.FolderStore(folder / "附件")
    assert not target.exists(sha)  # nothing under the hash name
    # A kill (no except clause runs) leaves a temporary file: the next backup does not count
    # it, clears it and copies the file whole.
    (folder / "附件" / ".leftover.tmp").write_bytes(big[:1000])
    monkeypatch.setattr(store.FolderStore, "open", real_open)
    info = backup.make_backup(db, folder=folder, now=T + dt.timedelta(minutes=1))
    assert info.files_copied == 1
    assert target.verify(sha)
    assert not list((folder / "附件").glob(".*.tmp"))


@pytest.mark.sqlite_only(BACKUP_IS_A_FILE_COPY)
def test_a_backup_that_cannot_copy_its_files_is_not_left_as_good(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path, monkeypatch: Any
) -> None:
    svc.attach(number, [_file(tmp_path / "in", "a.txt", b"abc")])

    def full(*_a: Any, **_k: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(copies, "copy_verified", full)
    folder = tmp_path / "bk"
    with pytest.raises(DomainError, match="附件没有备份完整"):
        backup.make_backup(db, folder=folder, now=T)
    assert not list(folder.glob("*.sqlite3"))


def _doc_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.append("|".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_the_case_file_has_the_cover_register_events_numbers_and_images(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    docs = DocumentService(db, TESTER)
    docs.case_document(number, "受理告知书", tmp_path / "受理告知书.docx")
    CaseService(db, TESTER).act(
        number,
        "延期",
        dt.date(2025, 11, 20),
        {"reason": "需现场核实", "approver": "局长", "days": 10},
    )
    CaseService(db, TESTER).act(
        number, "答复", dt.date(2025, 12, 1), {"result": "支持", "basis": "《信访工作条例》"}
    )
    svc.attach(number, [_file(tmp_path / "in", "现场1.png", png(400, 300))], "照片")
    svc.attach(number, [_file(tmp_path / "in", "现场2.png", png(300, 600, (20, 90, 200)))], "照片")
    svc.attach(number, [_file(tmp_path / "in", "来信.pdf", b"%PDF letter")], "来信原件")
    gone = svc.attach(number, [_file(tmp_path / "in", "错.txt", b"x")])[0][0]
    svc.detach(number, gone.id, "重复")
    out = svc.case_file(number, tmp_path / "卷宗.docx")
    text = _doc_text(out)
    assert "信访事项卷宗" in text and "内部材料，不得提供给被反映对象" in text
    assert f"编　　号|{number}" in text and "信 访 人|张秀英" in text
    assert "登记日期|2025年11月3日" in text and "办结日期|尚未办结" in text
    # 登记表: the full registration (internal file: the ID number is printed, Art.30 exempt).
    assert "身份证号|11010519491231002X" in text and "反映问题|反映村内饮用水水质浑浊" in text
    # Every event of the timeline.
    assert "1|2025年11月3日|登记|" in text and "2|2025年11月5日|受理|" in text
    assert "4|2025年12月1日|答复|" in text and "答复结果：支持" in text
    assert "理由：需现场核实" in text and "批准人：局长" in text and "延期天数：10" in text
    assert "法律法规依据：《信访工作条例》" in text and "basis" not in text  # no raw data key
    # The 文书 issued, with its 文号; and kept as an attachment of kind 文书.
    assert "受理告知书|县信受〔2025〕1号" in text
    assert "受理告知书（县信受〔2025〕1号）.docx|文书" in text
    assert "现场1.png|照片" in text and "图片附后" in text and "来信.pdf|来信原件" in text
    assert "已移除的附件（文件仍保留）：错.txt（" in text and "重复" in text
    assert "附件2　现场1.png" in text and "附件3　现场2.png" in text
    d = docx.Document(str(out))
    images = [s for s in d.inline_shapes]
    assert len(images) == 2
    # Scaled to the page: the tall one fits in 175 mm of height, neither wider than 150 mm.
    assert all(s.width <= docx.shared.Mm(150) + 1 for s in images)
    assert images[1].height <= docx.shared.Mm(175) + 1
    with db.read() as s:
        assert (
            s.scalar(select(AuditEntry.new).where(AuditEntry.action == "生成卷宗")) == "卷宗.docx"
        )


def test_a_generated_document_is_kept_as_an_attachment_with_its_number(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    docs = DocumentService(db, TESTER)
    out = tmp_path / "受理告知书.docx"
    docs.case_document(number, "受理告知书", out)
    kept = svc.attachments(number)
    assert [(a.kind, a.doc_no, a.name) for a in kept] == [
        ("文书", "县信受〔2025〕1号", "受理告知书（县信受〔2025〕1号）.docx")
    ]
    assert kept[0].sha256 == _sha(out.read_bytes())
    # Regenerated (a second later: the .docx differs in its zip timestamps only): the same
    # 文号 and the same attachment, never a pile of copies.
    clock_later = time.time() + 2
    while time.time() < clock_later:
        time.sleep(0.2)
    docs.case_document(number, "受理告知书", tmp_path / "again.docx")
    assert (tmp_path / "again.docx").read_bytes() != out.read_bytes()
    assert [a.id for a in svc.attachments(number)] == [kept[0].id]
    # The case changed, so the document reads differently: kept too, under the same 文号.
    CaseService(db, TESTER).update(
        number, dataclasses.replace(CaseService(db, TESTER).detail(number).input, summary="改了")
    )
    docs.case_document(number, "受理告知书", tmp_path / "changed.docx")
    changed = svc.attachments(number)
    assert [a.doc_no for a in changed] == ["县信受〔2025〕1号"] * 2
    assert changed[1].sha256 == _sha((tmp_path / "changed.docx").read_bytes())


def test_cli_attach_list_detach_and_file(
    number: str, db: Database, tmp_path: Path, capsys: Any
) -> None:
    from app.cli import main

    data = tmp_path / "cli"
    data.mkdir()
    if not db.is_server:  # on a server the command reaches the same database (the URL)
        backup.make_backup(db, out=data / "xinfang.sqlite3")  # a whole copy, WAL included
    photo = _file(tmp_path / "in", "照片.png", png(20, 20))
    base = ["--data-dir", str(data), "case"]
    assert main([*base, "attach", number, str(photo), "--kind", "照片"]) == 0
    assert "已添加：[1] 照片 照片.png" in capsys.readouterr().out
    assert main([*base, "attachments", number]) == 0
    assert "共 1 个附件" in capsys.readouterr().out
    assert main([*base, "file", number, "--out", str(tmp_path / "卷宗.docx")]) == 0
    assert "已生成卷宗" in capsys.readouterr().out
    assert len(docx.Document(str(tmp_path / "卷宗.docx")).inline_shapes) == 1
    assert main([*base, "detach", number, "1", "--reason", "拍错了"]) == 0
    assert main([*base, "attachments", number, "--all"]) == 0
    assert "已移除" in capsys.readouterr().out
    assert main([*base, "attach", number, str(photo), "--kind", "乱写"]) == 2
    if not db.is_server:
        assert open_database(data / "xinfang.sqlite3") is not None


@pytest.mark.sqlite_only(BACKUP_IS_A_FILE_COPY)
def test_the_check_before_confirming_refuses_a_backup_without_its_files(
    svc: AttachmentService, number: str, db: Database, tmp_path: Path
) -> None:
    from app.safety.backup import BackupService

    svc.attach(number, [_file(tmp_path / "in", "来信.pdf", b"%PDF letter")], "来信原件")
    info = backup.make_backup(db, folder=tmp_path / "bk", now=T)
    service = BackupService(db, TESTER)
    assert service.check(info.path) == 1
    shutil.rmtree(tmp_path / "bk" / "附件")
    # The files are in the data folder still, so this one could be restored here …
    assert service.check(info.path) == 1
    # … but not on another PC, whose data folder lacks them.
    other = tmp_path / "other" / "xinfang.sqlite3"
    other.parent.mkdir()
    with pytest.raises(DomainError, match=f"缺少 1 个附件文件（{number}：来信.pdf）"):
        backup.restore(other, info.path, now=T)


@pytest.mark.sqlite_only(BACKUP_IS_A_FILE_COPY)
def test_a_case_without_files_leaves_no_attachment_folders(db: Database, tmp_path: Path) -> None:
    info = backup.make_backup(db, folder=tmp_path / "bk", now=T)
    assert not (tmp_path / "bk" / "附件").exists()
    assert not (db.path.parent / "附件").exists()
    assert [i for i in integrity.health(db.path).items if i.label == "附件"] == []
    assert info.files_copied == 0
