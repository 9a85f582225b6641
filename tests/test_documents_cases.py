"""Per-case 文书: filled from the case and its timeline; 条例 Art.30 for 检举控告 letters."""

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
from app.documents.service import DocumentService
from app.documents.template_check import leftover_tags
from app.errors import DomainError
from app.office import settings

NAME, ID, PHONE, ADDRESS = "张秀英", "11010519491231002X", "13800138000", "城关镇东关村12号"


@pytest.fixture
def docs(db: Database, tmp_path: Path) -> Iterator[DocumentService]:
    paths.set_data_dir(tmp_path / "data")
    with db.session() as s:
        settings.put(s, "office_name", "某某县水务局")
    yield DocumentService(db, TESTER)
    paths.set_data_dir(None)


def _case(cases: CaseService, nature: str = "申诉求决类", target: str = "") -> str:
    data = case_input(
        received_on=dt.date(2025, 11, 3),
        form="来信",
        name=NAME,
        id_number=ID,
        phone=PHONE,
        address=ADDRESS,
        summary="反映村内饮用水水质浑浊",
        category="水利",
        nature=nature,
        target=target,
        department="业务科",
    )
    return cases.create(data).number


def _all_text(path: Path) -> str:
    """Every character of the .docx, body, tables, headers and footers alike."""
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def _paragraphs(path: Path) -> str:
    d = docx.Document(path)
    assert leftover_tags(d) == []
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_acceptance_notice(cases: CaseService, docs: DocumentService, tmp_path: Path) -> None:
    number = _case(cases)
    cases.act(number, "受理", dt.date(2025, 11, 5))
    out = docs.case_document(number, "受理告知书", tmp_path / "告知书.docx").path
    text = _paragraphs(out)
    detail = cases.detail(number)
    assert f"{NAME}：" in text and "“反映村内饮用水水质浑浊”" in text
    assert "2025年11月3日以来信形式" in text and "受理之日（2025年11月5日）" in text
    due = detail.handling_due
    assert due is not None and f"办理期限至{due.year}年{due.month}月{due.day}日" in text
    assert "某某县水务局" in text and f"编号：{number}" in text


def test_extension_and_opinion(cases: CaseService, docs: DocumentService, tmp_path: Path) -> None:
    number = _case(cases)
    cases.act(number, "受理", dt.date(2025, 11, 5))
    detail = cases.act(
        number,
        "延期",
        dt.date(2025, 12, 1),
        {"reason": "需要现场检测水质", "approver": "王建国", "days": 20},
    )
    text = _paragraphs(docs.case_document(number, "延期办理告知书", tmp_path / "延期.docx").path)
    due = detail.handling_due
    assert due is not None
    # The approver's name is internal: the letter says who approved by office, not by name.
    assert "因需要现场检测水质" in text and "经本机关负责人批准，办理期限延长20日" in text
    assert "王建国" not in text
    assert f"延长后的办理期限至{due.year}年{due.month}月{due.day}日" in text
    cases.act(
        number,
        "答复",
        dt.date(2025, 12, 20),
        {"result": "支持", "text": "经检测，水质不达标，已更换管网。"},
    )
    text = _paragraphs(
        docs.case_document(number, "信访事项处理意见书", tmp_path / "意见书.docx").path
    )
    assert "经检测，水质不达标，已更换管网。" in text and "本机关予以支持" in text
    assert "30日内" in text and "2025年12月20日" in text


def test_a_notice_the_timeline_does_not_support_is_refused(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    number = _case(cases)
    with pytest.raises(DomainError, match="还没有“不予受理”的办理记录"):
        docs.case_document(number, "不予受理告知书", tmp_path / "x.docx")
    with pytest.raises(DomainError, match="统计报告模板"):
        docs.case_document(number, "年度信访工作报告", tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()
    available = {info.name: why for info, why in docs.case_documents(number)}
    # 待受理: no 文书 to write yet, only the 登记表 (a 来访回执 is for visits; this is a letter).
    assert [n for n, why in available.items() if not why] == ["信访事项登记表"]


def test_accusation_forwarded_carries_no_identity(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    number = _case(cases, nature="检举控告类", target="某某镇供水站")
    cases.act(number, "转送", dt.date(2025, 11, 5), {"to": "县纪委监委"})
    out = docs.case_document(number, "转送函", tmp_path / "转送函.docx").path
    everything = _all_text(out)
    for secret in (NAME, ID, PHONE, ADDRESS, "东关村"):
        assert secret not in everything
    text = _paragraphs(out)
    assert "县纪委监委：" in text and "一件检举控告类信访事项" in text and "第三十条" in text


def test_accusation_assigned_with_supervision_carries_no_identity(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    number = _case(cases, nature="检举控告类", target="某某镇供水站")
    cases.act(
        number, "交办", dt.date(2025, 11, 5), {"to": "县水利工程队", "deadline": "2025-12-05"}
    )
    cases.act(number, "督办", dt.date(2025, 11, 25), {"by": "分管局领导", "note": "请加快办理"})
    for name in ("交办函", "督办单"):
        out = docs.case_document(number, name, tmp_path / f"{name}.docx").path
        everything = _all_text(out)
        assert all(secret not in everything for secret in (NAME, ID, PHONE, ADDRESS)), name
    text = _paragraphs(tmp_path / "交办函.docx")
    assert "于2025年12月5日前" in text
    assert "请加快办理" in _paragraphs(tmp_path / "督办单.docx")


def test_accusation_may_not_go_to_the_reported_body(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    number = _case(cases, nature="检举控告类", target="某某镇供水站")
    cases.act(number, "转送", dt.date(2025, 11, 5), {"to": "某某镇供水站"})
    with pytest.raises(DomainError, match="第三十条"):
        docs.case_document(number, "转送函", tmp_path / "转送函.docx")
    assert not (tmp_path / "转送函.docx").exists()


def test_text_with_xml_characters_is_escaped(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    number = cases.create(
        case_input(
            received_on=dt.date(2025, 11, 3),
            form="来信",
            name="王五",
            summary="反映A&B公司<拖欠>工资",
        )
    ).number
    cases.act(number, "受理", dt.date(2025, 11, 4))
    text = _paragraphs(docs.case_document(number, "受理告知书", tmp_path / "x.docx").path)
    assert "“反映A&B公司<拖欠>工资”" in text


def test_an_ordinary_forwarding_letter_names_the_petitioner(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    number = _case(cases)
    cases.act(number, "转送", dt.date(2025, 11, 5), {"to": "县自来水公司"})
    text = _paragraphs(docs.case_document(number, "转送函", tmp_path / "转送函.docx").path)
    assert f"{NAME}于2025年11月3日以来信形式反映的" in text and PHONE in text


def test_acceptance_notice_states_the_offices_own_limits(
    cases: CaseService, docs: DocumentService, tmp_path: Path, db: Database
) -> None:
    with db.session() as s:
        settings.put(s, "handling_days", 45)
        settings.put(s, "max_extension_days", 20)
    number = _case(cases)
    cases.act(number, "受理", dt.date(2025, 11, 5))
    text = _paragraphs(docs.case_document(number, "受理告知书", tmp_path / "x.docx").path)
    assert "起45日内办结" in text and "不超过20日" in text and "60日" not in text
    # 2025-11-05 + 45 days = 2025-12-20, a Saturday: the limit ends on Monday 12-22.
    assert "办理期限至2025年12月22日" in text


def test_npc_suggestion_notice_does_not_promise_days(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    data = case_input(
        received_on=dt.date(2025, 11, 3),
        form="来信",
        name=NAME,
        channel="人大建议",
        summary="建议修路",
    )
    number = cases.create(data).number
    cases.act(number, "受理", dt.date(2025, 11, 5))
    text = _paragraphs(docs.case_document(number, "受理告知书", tmp_path / "x.docx").path)
    assert "在规定期限内办结" in text and "办理期限至2026年2月3日" in text


def test_registration_form_is_internal_and_complete(
    cases: CaseService, docs: DocumentService, db: Database, tmp_path: Path
) -> None:
    from app.models import DocNumber

    # Even a 检举控告类 case: the 登记表 goes into the office's own file, identity and all.
    number = _case(cases, nature="检举控告类")
    out = docs.case_document(number, "信访事项登记表", tmp_path / "登记表.docx").path
    text = _paragraphs(out)
    for expected in (number, NAME, ID, PHONE, ADDRESS, "反映村内饮用水水质浑浊", "业务科"):
        assert expected in text
    assert "2025年11月3日" in text and "内部登记材料" in text
    with db.read() as s:
        assert s.query(DocNumber).count() == 0  # a form, not a 发文: no 文号 used up


def test_visit_receipt_only_for_visits(
    cases: CaseService, docs: DocumentService, db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        settings.put(s, "office_phone", "0571-12345678")
    letter = _case(cases)
    with pytest.raises(DomainError, match="只用于来访"):
        docs.case_document(letter, "来访回执", tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()
    visit = cases.create(
        case_input(received_on=dt.date(2025, 11, 3), form="来访", name=NAME, summary="反映拆迁补偿")
    ).number
    offered = dict((i.name, why) for i, why in docs.case_documents(visit))
    assert (
        offered["来访回执"] == ""
        and "只用于来访"
        in dict((i.name, why) for i, why in docs.case_documents(letter))["来访回执"]
    )
    out = docs.case_document(visit, "来访回执", tmp_path / "回执.docx").path
    text = _paragraphs(out)
    due = cases.detail(visit).decision_due
    assert due is not None
    assert f"登记编号为{visit}" in text and "“反映拆迁补偿”" in text
    assert f"15日内（{due.year}年{due.month}月{due.day}日前）" in text
    assert "查询电话：0571-12345678" in text and "某某县水务局" in text
