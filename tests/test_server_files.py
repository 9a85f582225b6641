"""Issue 20 on both dialects: the date arithmetic of app/dialect.py, the attachment store in the
database, and the office's templates kept in the database on a server (domain.md §9).

Every test here runs on SQLite and, with XINFANG_TEST_DATABASE_URL, on PostgreSQL; those
about the server's table say so.
"""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input
from sqlalchemy import Date, Integer, String, literal, select, text, update

from app import paths
from app.attachments.service import AttachmentService, store_of
from app.attachments.store import DatabaseStore, FolderStore, TooLarge
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.dialect import add_days, as_date, days_between
from app.documents import catalog
from app.documents.service import DocumentService
from app.errors import DomainError
from app.models import StoredFile
from app.safety import server_check
from app.safety.integrity import BAD, OK, HealthItem

D = dt.date

# Month ends, year ends and leap days, forwards and back.
BOUNDARIES = [
    (D(2024, 2, 28), 1),
    (D(2024, 2, 29), 1),
    (D(2025, 2, 28), 1),
    (D(2024, 3, 1), -1),
    (D(2025, 3, 1), -1),
    (D(2025, 12, 31), 1),
    (D(2026, 1, 1), -1),
    (D(2025, 1, 31), 30),
    (D(2024, 1, 1), 366),
    (D(2025, 3, 3), -7),
    (D(2025, 5, 6), 0),
]


@pytest.mark.parametrize(("day", "n"), BOUNDARIES)
def test_add_days_on_this_dialect(db: Database, day: dt.date, n: int) -> None:
    want = day + dt.timedelta(days=n)
    with db.read() as s:
        # An int, an integer expression, a date and ISO text (a JSON 期限) all give the date.
        got = s.execute(
            select(
                add_days(literal(day, Date()), n),
                add_days(literal(day, Date()), literal(n, Integer()) + 0),
                add_days(literal(day.isoformat(), String()), n),
                as_date(literal(day.isoformat(), String())),
                days_between(literal(want, Date()), literal(day, Date())),
            )
        ).one()
    assert tuple(got[:4]) == (want, want, want, day)
    assert int(got[4]) == n


def test_add_days_of_a_column_in_a_where_clause(db: Database) -> None:
    cases = CaseService(db, TESTER)
    number = cases.create(case_input(received_on=D(2024, 2, 29), name="李四")).number
    from app.models import Case

    with db.read() as s:
        row = s.execute(
            select(add_days(Case.received_on, 1), add_days(Case.received_on, -366)).where(
                Case.number == number, add_days(Case.received_on, 1) == D(2024, 3, 1)
            )
        ).one()
    assert tuple(row) == (D(2024, 3, 1), D(2023, 2, 28))


# --- attachments in the database --------------------------------------------------------------


def test_database_store_round_trip(db: Database) -> None:
    store = DatabaseStore(db, "测试员")
    data = b"\x00\x01scan of a letter\xff" * 1000
    stored = store.put(io.BytesIO(data))
    again = store.put(io.BytesIO(data))  # content-addressed: stored once
    assert again == stored and stored.size == len(data)
    assert store.exists(stored.sha256) and store.verify(stored.sha256)
    with store.open(stored.sha256) as f:
        assert f.read() == data
    assert list(store.hashes()) == [stored.sha256]
    with db.read() as s:
        rows = s.execute(select(StoredFile.kind, StoredFile.size, StoredFile.created_by)).all()
    assert rows == [("attachment", len(data), "测试员")]
    # Changed behind the program's back: verify says so.
    with db.session() as s:
        s.execute(update(StoredFile).values(content=b"edited"))
    assert store.exists(stored.sha256) and not store.verify(stored.sha256)
    missing = "0" * 64
    assert not store.exists(missing)
    with pytest.raises(DomainError, match="附件不见了"):
        store.open(missing)


def test_database_store_refuses_a_file_over_the_limit(db: Database) -> None:
    store = DatabaseStore(db)
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"x" * 2000), limit=1000)
    assert list(store.hashes()) == []


def test_attachments_go_where_the_database_keeps_them(db: Database, tmp_path: Path) -> None:
    paths.set_data_dir(tmp_path / "data")
    cases = CaseService(db, TESTER)
    number = cases.create(case_input(received_on=D(2025, 3, 3), name="张三")).number
    photo = tmp_path / "照片.jpg"
    photo.write_bytes(b"\xff\xd8 a photo")
    service = AttachmentService(db, TESTER)
    ((view, created),) = service.attach(number, [photo], "照片")
    assert created and service.read(view.id) == photo.read_bytes()
    with db.read() as s:
        in_table = s.scalar(select(StoredFile.id).where(StoredFile.name == view.sha256))
    if db.is_server:
        assert isinstance(store_of(db), DatabaseStore) and in_table is not None
        # Nothing beside a database file: there is none.
        assert not paths.attachments_dir().exists() or not any(paths.attachments_dir().iterdir())
    else:
        assert isinstance(store_of(db), FolderStore) and in_table is None
        assert store_of(db).verify(view.sha256)


# --- the office's templates -------------------------------------------------------------------


def _docx_with(text: str) -> bytes:
    """The bundled 月度统计表 with one more paragraph: a template the office changed."""
    from docx import Document

    doc = Document(str(catalog.default_dir() / "月度统计表.docx"))
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_office_templates_listed_overridden_and_restored(db: Database, tmp_path: Path) -> None:
    paths.set_data_dir(tmp_path / "data")
    service = DocumentService(db, TESTER)
    before = {t.name: t.source for t in service.templates()}
    assert before["月度统计表"] == "默认模板"
    edited = tmp_path / "月度统计表.docx"
    edited.write_bytes(_docx_with("本单位补充的一段话"))
    service.install_template("月度统计表", edited)
    info = catalog.find("月度统计表", db=db)
    assert info.source == "本单位修改版" and "本单位补充的一段话" in _text(info.path)
    # A new template of the office's own.
    own = tmp_path / "专项报告.docx"
    own.write_bytes(_docx_with("专项报告正文"))
    service.install_template("专项报告", own)
    listed = {t.name: t.source for t in service.templates()}
    assert listed["专项报告"] == "本单位自建" and len(listed) == len(before) + 1
    # The report is generated from the office's version.
    out = service.report("月度统计表", D(2025, 1, 1), D(2025, 3, 31), None, tmp_path / "out.docx")
    assert "本单位补充的一段话" in _text(Path(out.path))
    # Restoring the default puts the office's copy aside, never deletes it.
    moved = service.restore_default("月度统计表")
    assert moved is not None
    assert catalog.find("月度统计表", db=db).source == "默认模板"
    with db.read() as s:
        kinds = sorted(s.scalars(select(StoredFile.kind).where(StoredFile.kind != "attachment")))
    folder = list(paths.templates_dir().glob("*.docx"))
    if db.is_server:
        # In the database, for every clerk; the data folder holds no template at all.
        assert kinds == ["template", "template_old"] and folder == []
        assert "服务器数据库" in str(moved)
    else:
        assert kinds == [] and sorted(p.name for p in folder) == ["专项报告.docx"]
        assert Path(moved).parent.name == catalog.OLD_DIR and Path(moved).is_file()
    # Not a Word document: refused, nothing stored.
    bad = tmp_path / "坏模板.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DomainError, match="不是 Word 文档"):
        service.install_template("坏模板", bad)
    assert "坏模板" not in {t.name for t in service.templates()}


@pytest.mark.postgres_only
def test_a_template_saved_by_one_clerk_is_seen_by_another(db: Database, tmp_path: Path) -> None:
    """Two clerks: two connections and two data folders; the template lives on the server."""
    first = tmp_path / "first"
    second = tmp_path / "second"
    other = Database(db.url.render_as_string(hide_password=False))  # type: ignore[union-attr]
    try:
        paths.set_data_dir(first)
        edit = catalog.make_editable("受理告知书", db)
        assert edit.is_relative_to(first) and edit.is_file()
        edit.write_bytes(_docx_with("第一位专干改的"))
        DocumentService(db, TESTER).install_template("受理告知书", edit)
        paths.set_data_dir(second)
        seen = catalog.find("受理告知书", db=other)
        assert seen.source == "本单位修改版" and seen.path.is_relative_to(second)
        assert "第一位专干改的" in _text(seen.path)
        # Changed again by the first clerk: the second reads the new version (a new hash).
        DocumentService(db, TESTER).install_template("受理告知书", _write(tmp_path, "再改"))
        assert "再改" in _text(catalog.find("受理告知书", db=other).path)
    finally:
        other.close()
        paths.set_data_dir(None)


def _write(folder: Path, text: str) -> Path:
    path = folder / f"{text}.docx"
    path.write_bytes(_docx_with(text))
    return path


# --- xinfang check on a server ------------------------------------------------------------------


@pytest.mark.postgres_only
def test_check_on_a_server_names_an_altered_or_missing_file_by_case_and_template(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the folder store's check says on SQLite (test_attachments.py), for the files the
    server keeps in `stored_files`: a row changed or removed behind the program's back."""
    paths.set_data_dir(tmp_path / "data")
    number = CaseService(db, TESTER).create(case_input(received_on=D(2025, 3, 3), name="张三"))
    files = AttachmentService(db, TESTER)
    for name, data in (("回执.jpg", b"\xff\xd8 receipt"), ("来信.pdf", b"%PDF letter")):
        (tmp_path / name).write_bytes(data)
        files.attach(number.number, [tmp_path / name], "来信原件")
    receipt, letter = (v.sha256 for v in files.attachments(number.number))
    DocumentService(db, TESTER).install_template("月度统计表", _write(tmp_path, "本单位的"))

    def items() -> dict[str, HealthItem]:
        return {i.label: i for i in server_check.health(db).items}

    sound = items()
    assert sound["附件"].value == "2 个文件，内容校验一致" and sound["附件"].state == OK
    assert sound["模板"].value == "本单位模板 1 个，内容校验一致" and sound["模板"].state == OK
    with db.engine.begin() as conn:
        change = text("UPDATE stored_files SET content = :c WHERE name = :n")
        conn.execute(change, {"c": b"edited outside the program", "n": receipt})
        conn.execute(change, {"c": b"PK not the template", "n": "月度统计表"})
        conn.execute(text("DELETE FROM stored_files WHERE name = :n"), {"n": letter})
    found = items()
    assert found["附件"].state == BAD and found["模板"].state == BAD
    assert f"缺少 1 个文件：{number.number}：来信.pdf" in found["附件"].value
    assert f"1 个文件内容被改动：{number.number}：回执.jpg" in found["附件"].value
    assert "“月度统计表”的内容与保存时不一致" in found["模板"].value
    # The command says so and fails.
    assert main(["--data-dir", str(tmp_path / "data"), "check"]) == 1
    out = capsys.readouterr().out
    assert f"[错误] 附件：共 2 个文件，缺少 1 个文件：{number.number}：来信.pdf" in out
    assert "[错误] 模板：" in out and "结论：数据库有问题" in out
