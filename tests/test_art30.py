"""条例 Art.30 by design (domain.md §7, §9): protected cases carry no identity in any document to
a unit, free text included; nothing is addressed to the 被反映对象 (alias-aware)."""

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input, data_dir_of
from sqlalchemy import update

from app import paths
from app.cases.service import CaseService
from app.db import Database
from app.documents import protection
from app.documents.service import DocumentService
from app.errors import DomainError
from app.models import Case
from app.office import dictionaries, settings
from app.office.service import OfficeService

NAME, ID, PHONE, ADDRESS, WORK = (
    "王建国",
    "11010519491231002X",
    "13800138000",
    "城关镇东关村12号",
    "县第二建筑公司",
)
OTHER_ID, OTHER_PHONE = "370702198003050012", "0536-8123456"


@pytest.fixture
def docs(db: Database, tmp_path: Path) -> Iterator[DocumentService]:
    paths.set_data_dir(tmp_path / "data")
    with db.session() as s:
        settings.put(s, "office_name", "某某县信访局")
    yield DocumentService(db, TESTER)
    paths.set_data_dir(None)


def _everything(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def _report(cases: CaseService, nature: str = "", target: str = "县住房和城乡建设局局长") -> str:
    """A report by 王建国; `nature` "" leaves 性质 blank as an old case has it (set in SQL: intake
    itself requires a 性质)."""
    data = case_input(
        received_on=dt.date(2025, 11, 3),
        form="来信",
        name=NAME,
        id_number=ID,
        phone=PHONE,
        address=ADDRESS,
        workplace=WORK,
        summary=f"{NAME}实名举报县住建局局长受贿，联系电话{PHONE}，身份证{ID}，"
        f"知情人电话{OTHER_PHONE}，证件{OTHER_ID}",
        category="纪检监察",
        nature=nature or "申诉求决类",
        target=target,
        remark=f"{NAME}住{ADDRESS}",
    )
    number = cases.create(data).number
    if not nature:
        with cases.db.session() as s:
            s.execute(update(Case).where(Case.number == number).values(nature=None))
    return number


def test_blank_nature_counts_as_protected() -> None:
    assert protection.is_protected("")
    assert protection.is_protected(None)
    assert protection.is_protected("检举控告类")
    assert not protection.is_protected("申诉求决类")


def test_forward_to_an_alias_of_the_reported_unit_is_refused(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    # 性质 left blank (the old leak): still refused, and the names are only aliases.
    number = _report(cases)
    cases.act(number, "转送", dt.date(2025, 11, 5), {"to": "县住建局"})
    with pytest.raises(DomainError, match="第三十条"):
        docs.case_document(number, "转送函", tmp_path / "转送函.docx")
    assert not (tmp_path / "转送函.docx").exists()
    why = {info.name: why for info, why in docs.case_documents(number)}
    assert "被反映对象" in why["转送函"]


def test_dictionary_alias_is_used(
    cases: CaseService, docs: DocumentService, db: Database, tmp_path: Path
) -> None:
    office = OfficeService(db, TESTER)
    office.add_value("unit", "县自来水公司")
    office.add_value("unit_alias", "县供排水总公司", parent="县自来水公司")
    with pytest.raises(DomainError, match="已是单位"):
        office.add_value("unit", "县供排水总公司")
    number = _report(cases, nature="检举控告类", target="县供排水总公司")
    cases.act(number, "交办", dt.date(2025, 11, 5), {"to": "县自来水公司"})
    with pytest.raises(DomainError, match="第三十条"):
        docs.case_document(number, "交办函", tmp_path / "交办函.docx")
    why = {info.name: why for info, why in docs.case_documents(number)}
    assert "被反映对象" in why["交办函"]  # the 文书 menu says so before the clerk tries
    with db.read() as s:
        known = dictionaries.units(s)
    assert known.same("县供排水总公司", "县自来水公司")
    assert not known.same("县自来水公司", "县住建局")
    # A substring is no match: 县水利局 is not 县水利局机关服务中心's parent by spelling alone,
    # but 县住建局 named inside "县住房和城乡建设局局长" is.
    assert known.names_unit("县住房和城乡建设局局长", "县住建局")
    assert not known.names_unit("县纪委监委", "县住建局")


def test_forward_elsewhere_carries_no_identity_anywhere(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    number = _report(cases)  # 性质 blank: treated as protected until set
    cases.act(number, "转送", dt.date(2025, 11, 5), {"to": "县纪委监委"})
    out = docs.case_document(number, "转送函", tmp_path / "转送函.docx").path
    text = _everything(out)
    for secret in (NAME, ID, PHONE, ADDRESS, "东关村", WORK, OTHER_ID, OTHER_PHONE, "8123456"):
        assert secret not in text, secret
    assert "县纪委监委" in text and "信访人实名举报" in text


@pytest.mark.parametrize("name", ["交办函", "督办单"])
def test_assignment_and_supervision_carry_no_identity(
    cases: CaseService, docs: DocumentService, tmp_path: Path, name: str
) -> None:
    number = _report(cases, nature="检举控告类", target="县住建局")
    cases.act(number, "交办", dt.date(2025, 11, 5), {"to": "县纪委监委"})
    cases.act(number, "督办", dt.date(2025, 11, 20), {"by": "分管领导", "note": f"请联系{NAME}"})
    out = docs.case_document(number, name, tmp_path / f"{name}.docx").path
    text = _everything(out)
    for secret in (NAME, ID, PHONE, ADDRESS, WORK, OTHER_ID, OTHER_PHONE):
        assert secret not in text, secret


def test_supervision_of_the_reported_unit_is_refused_for_any_case(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    number = _report(cases, nature="申诉求决类", target="县住房和城乡建设局")
    cases.act(number, "交办", dt.date(2025, 11, 5), {"to": "县住建局"})
    cases.act(number, "督办", dt.date(2025, 11, 20), {"by": "分管领导"})
    for name in ("交办函", "督办单"):
        with pytest.raises(DomainError, match="被反映对象"):
            docs.case_document(number, name, tmp_path / f"{name}.docx")


def test_office_own_template_is_treated_as_outgoing(
    cases: CaseService, docs: DocumentService, tmp_path: Path
) -> None:
    import docx

    own = tmp_path / "情况通报.docx"
    d = docx.Document()
    d.add_paragraph("{{ petitioner.name }}{{ petitioner.phone }}{{ case.summary }}")
    d.save(own)
    docs.install_template("情况通报", own)  # the data folder's templates/, or the server's
    number = _report(cases, target="")
    out = docs.case_document(number, "情况通报", tmp_path / "x.docx").path
    text = _everything(out)
    assert NAME not in text and PHONE not in text and "信访人实名举报" in text


def test_scrub_numbers_in_free_text() -> None:
    s = protection.Scrubber("李四", "", "", "", "")
    assert s.text("李四电话139 1234 5678，身份证37070219800305001X。编号XF2025-0001") == (
        "信访人电话（已隐去），身份证（已隐去）。编号XF2025-0001"
    )


def test_unit_aliases_from_the_command_line(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    folder = ["--data-dir", str(data_dir_of(db))]
    assert main([*folder, "settings", "dict", "add", "unit", "县人力资源和社会保障局"]) == 0
    args = [*folder, "settings", "dict", "add", "unit_alias", "县劳动局", "--parent"]
    assert main([*args, "县人力资源和社会保障局"]) == 0
    assert main([*folder, "settings", "dict", "add", "unit_alias", "县劳动局"]) == 1  # no unit
    with db.read() as s:
        known = dictionaries.units(s)
    assert (
        known.same("县劳动局", "县人社局")
        and known.canonical("县劳动局") == "县人力资源和社会保障局"
    )


def test_a_document_carrying_identity_is_audited(
    cases: CaseService, docs: DocumentService, db: Database, tmp_path: Path
) -> None:
    """Printing the reporter's ID, phone or address is a view of full personal data (§7): one
    audit row per such document; a protected letter to a unit carries none and writes none."""
    from sqlalchemy import select

    from app.models import AuditEntry

    def viewed() -> list[tuple[str | None, str | None]]:
        with db.read() as s:
            return [
                (a.entity_id, a.new)
                for a in s.scalars(
                    select(AuditEntry).where(AuditEntry.action == "生成含身份信息的文书")
                )
            ]

    protected = _report(cases)
    cases.act(protected, "转送", dt.date(2025, 11, 5), {"to": "县纪委监委"})
    docs.case_document(protected, "转送函", tmp_path / "转送函.docx")
    assert viewed() == []
    plain = _report(cases, nature="申诉求决类", target="")
    cases.act(plain, "受理", dt.date(2025, 11, 4))
    out = docs.case_document(plain, "受理告知书", tmp_path / "告知书.docx").path
    assert NAME in _everything(out)
    assert viewed() == [(plain, "受理告知书")]
