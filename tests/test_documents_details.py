"""文书 details (domain.md §8, §9): 文号 patterns and counters, addressee rules, 依据 and 复查途径,
复查/复核意见书 in the 复查/复核机关's name, 经本机关负责人批准, layout."""

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from accounts import TESTER
from factories import case_input

from app import paths
from app.cases.service import CaseService
from app.db import Database
from app.documents import filters
from app.documents.service import DocumentService
from app.errors import DomainError
from app.office import settings

D = dt.date


@pytest.fixture
def docs(db: Database, tmp_path: Path) -> Iterator[DocumentService]:
    paths.set_data_dir(tmp_path / "data")
    with db.session() as s:
        settings.put(s, "office_name", "某某县水务局")
        settings.put(s, "doc_code", "县水")
        settings.put(s, "superior_org", "某某县人民政府")
        settings.put(s, "recheck_org", "某某市人民政府")
    yield DocumentService(db, TESTER)
    paths.set_data_dir(None)


def _new(cases: CaseService, **kw: object) -> str:
    base: dict[str, object] = dict(
        received_on=D(2025, 9, 1),
        form="来信",
        name="张三",
        summary="反映饮用水浑浊",
        category="水利",
        nature="申诉求决类",
    )
    base.update(kw)
    return cases.create(case_input(**base)).number  # type: ignore[arg-type]


def _text(path: Path) -> str:
    d = docx.Document(path)
    return "\n".join(
        [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
    )


def test_doc_numbers_count_per_type_and_year_and_are_kept(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    a, b = _new(cases), _new(cases)
    cases.act(a, "受理", D(2025, 9, 2))
    cases.act(b, "受理", D(2025, 9, 3))
    first = _text(docs.case_document(a, "受理告知书", tmp_path / "a.docx").path)
    second = _text(docs.case_document(b, "受理告知书", tmp_path / "b.docx").path)
    again = _text(docs.case_document(a, "受理告知书", tmp_path / "a2.docx").path)
    assert "县水信受〔2025〕1号" in first and "县水信受〔2025〕2号" in second
    assert "县水信受〔2025〕1号" in again  # regenerating keeps the number
    assert "〔2025〕XF" not in first and "编号：" + a in first
    cases.act(a, "答复", D(2025, 10, 1), {"result": "支持", "text": "已处理"})
    assert "县水信处〔2025〕1号" in _text(
        docs.case_document(a, "信访事项处理意见书", tmp_path / "o.docx").path
    )


def test_a_refused_document_takes_no_number(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    a = _new(cases, target="县自来水公司")
    cases.act(a, "转送", D(2025, 9, 2), {"to": "县自来水公司"})
    with pytest.raises(DomainError):
        docs.case_document(a, "转送函", tmp_path / "x.docx")
    b = _new(cases)
    cases.act(b, "转送", D(2025, 9, 2), {"to": "县自来水公司"})
    assert "县水信转〔2025〕1号" in _text(docs.case_document(b, "转送函", tmp_path / "y.docx").path)


def test_addressee_rules(cases: CaseService, docs: DocumentService, tmp_path: Path) -> None:
    group = _new(cases, form="来访", persons=31)  # a 集体访, not marked 联名
    cases.act(group, "受理", D(2025, 9, 2))
    text = _text(docs.case_document(group, "受理告知书", tmp_path / "g.docx").path)
    assert "张三等31人：" in text and "你们于" in text and "你（你们）" not in text
    one = _new(cases)
    cases.act(one, "受理", D(2025, 9, 2))
    text = _text(docs.case_document(one, "受理告知书", tmp_path / "o.docx").path)
    assert "张三：" in text and "你于" in text and "你们" not in text
    anon = _new(cases, name="", anonymous=True)
    cases.act(anon, "受理", D(2025, 9, 2))
    with pytest.raises(DomainError, match="匿名"):
        docs.case_document(anon, "受理告知书", tmp_path / "a.docx")
    why = {i.name: w for i, w in docs.case_documents(anon)}
    assert "匿名" in why["受理告知书"]


def test_opinion_review_and_recheck_carry_their_organs(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    n = _new(cases)
    cases.act(n, "受理", D(2025, 9, 2))
    cases.act(
        n,
        "答复",
        D(2025, 10, 1),
        {"result": "不予支持", "text": "经核实……", "basis": "《中华人民共和国水法》第二十九条"},
    )
    text = _text(docs.case_document(n, "信访事项处理意见书", tmp_path / "o.docx").path)
    assert "依据：《中华人民共和国水法》第二十九条" in text
    assert "30日内向某某县人民政府请求复查" in text and "原办理机关的上一级机关" not in text
    assert "一、信访人的请求" in text and "本机关不予支持" in text
    cases.act(n, "办结", D(2025, 10, 2))
    cases.act(n, "复查申请", D(2025, 10, 10))
    cases.act(
        n, "复查意见", D(2025, 11, 1), {"opinion": "维持原处理意见", "text": "复查查明管网已更换"}
    )
    text = _text(docs.case_document(n, "复查意见书", tmp_path / "r.docx").path)
    assert "复查查明管网已更换" in text and "30日内向某某市人民政府请求复核" in text
    last_lines = [line.strip("\u3000\u2002") for line in text.splitlines()[-2:]]
    assert last_lines == ["某某县人民政府", "2025年11月1日"]  # signed by the 复查机关
    cases.act(n, "复核申请", D(2025, 11, 10))
    cases.act(n, "复核意见", D(2025, 12, 1), {"opinion": "维持复查意见"})
    text = _text(docs.case_document(n, "复核意见书", tmp_path / "c.docx").path)
    assert text.splitlines()[-2].strip("\u3000\u2002") == "某某市人民政府"
    assert "【请填写：复核认定的事实和理由】" in text  # no text entered: marked, not invented


def test_missing_basis_is_marked(cases: CaseService, docs: DocumentService, tmp_path: Path) -> None:
    n = _new(cases)
    cases.act(n, "受理", D(2025, 9, 2))
    cases.act(n, "答复", D(2025, 10, 1), {"result": "支持"})
    result = docs.case_document(n, "信访事项处理意见书", tmp_path / "o.docx")
    assert "【请填写：处理意见的法律法规依据】" in result.markers


def test_signature_is_centred_over_the_date_and_kept_with_the_body(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    n = _new(cases)
    cases.act(n, "受理", D(2025, 9, 2))
    out = docs.case_document(n, "受理告知书", tmp_path / "a.docx").path
    paras = docx.Document(out).paragraphs
    office, date = paras[-2].text, paras[-1].text
    w = filters._width
    o_left = len(office) - len(office.lstrip("\u3000\u2002"))
    assert date.strip("\u3000\u2002") == "2025年9月2日"
    # The date ends four characters from the right of a 28-character line; the name is centred.
    pad = lambda t: w(t) - w(t.lstrip("\u3000\u2002")) + 0  # noqa: E731
    assert pad(date) + w(date.strip()) == pytest.approx(28 - 4, abs=0.5)
    assert pad(office) + w(office.strip()) / 2 == pytest.approx(
        pad(date) + w(date.strip()) / 2, abs=0.5
    )
    assert o_left > 0
    for p in paras[-4:-1]:  # the last body paragraph, the blank line and the name keep with next
        assert p.paragraph_format.keep_with_next, p.text
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/styles.xml").decode()
    assert 'w:spacing w:val="-5"' in xml  # 28 characters a line (GB/T 9704)


def test_supervision_label_fits(docs: DocumentService) -> None:
    from app.documents import catalog

    d = docx.Document(catalog.find("督办单").path)
    cell = next(r.cells[0] for r in d.tables[0].rows if r.cells[0].text == "督办单位（领导）")
    # EMU → pt, less Word's default cell margins (5.4 pt each side), in 12 pt characters.
    width_chars = (cell.width / 12700 - 10.8) / 12
    assert width_chars >= len(cell.text) + 0.5


def test_table_titles_keep_with_their_tables(docs: DocumentService) -> None:
    from app.documents import catalog

    for name in ("月度统计表", "年度信访工作报告"):
        d = docx.Document(catalog.find(name).path)
        assert d.styles["表题"].paragraph_format.keep_with_next, name
