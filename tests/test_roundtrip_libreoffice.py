"""Every default template opened in LibreOffice and saved, unchanged, still generates without
`--repair` (domain.md §8). Word and WPS are not available on the build machine: LibreOffice is
the real round trip here; tests/test_documents.py builds Word-style run splits with python-docx.
"""

import datetime as dt
import shutil
import subprocess
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
from app.documents import catalog
from app.documents.service import DocumentService
from app.documents.template_check import leftover_tags
from app.office import settings

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
pytestmark = [
    pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice is not installed"),
    pytest.mark.filterwarnings("error:Duplicate name"),
]


@pytest.fixture
def saved_by_libreoffice(tmp_path: Path) -> Iterator[Path]:
    """The default templates, each opened and saved as .docx by LibreOffice, as the office's
    own copies."""
    paths.set_data_dir(tmp_path / "data")
    office = paths.templates_dir()
    src = tmp_path / "src"
    src.mkdir()
    for info in catalog.available():
        shutil.copy(info.path, src / f"{info.name}.docx")
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            str(LIBREOFFICE),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "docx",
            "--outdir",
            str(office),
            *sorted(str(p) for p in src.glob("*.docx")),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    yield office
    paths.set_data_dir(None)


def _cases(cases: CaseService) -> dict[str, str]:
    def new(**kw: object) -> str:
        data = case_input(
            received_on=dt.date(2025, 9, 1),
            form=str(kw.pop("form", "来信")),
            name="张秀英",
            summary="反映村内饮用水水质浑浊",
            category="水利",
            nature="申诉求决类",
            department="业务科",
            **kw,  # type: ignore[arg-type]
        )
        return cases.create(data).number

    full = new()
    D = dt.date
    for on, action, data in (
        (D(2025, 9, 3), "受理", {}),
        (D(2025, 10, 20), "延期", {"reason": "需现场检测", "approver": "局长", "days": 20}),
        (D(2025, 10, 25), "督办", {"by": "分管领导", "note": "请抓紧"}),
        (D(2025, 11, 1), "答复", {"result": "支持", "text": "已更换管网。"}),
        (D(2025, 11, 2), "办结", {}),
        (D(2025, 11, 10), "复查申请", {}),
        (D(2025, 11, 20), "复查意见", {"opinion": "维持原处理意见", "text": "事实清楚"}),
        (D(2025, 11, 25), "复核申请", {}),
        (D(2025, 12, 10), "复核意见", {"opinion": "维持复查意见", "text": "理由充分"}),
    ):
        cases.act(full, action, on, data)
    refused, forwarded, assigned = new(), new(), new()
    cases.act(refused, "不予受理", D(2025, 9, 5), {"reason": "属诉讼程序", "route": "向法院起诉"})
    cases.act(forwarded, "转送", D(2025, 9, 5), {"to": "县自来水公司"})
    cases.act(assigned, "交办", D(2025, 9, 5), {"to": "县水利工程队"})
    visit = new(form="来访")
    return {
        "转送函": forwarded,
        "交办函": assigned,
        "不予受理告知书": refused,
        "来访回执": visit,
        "": full,
    }


def test_defaults_saved_by_libreoffice_generate_without_repair(
    db: Database, cases: CaseService, saved_by_libreoffice: Path, tmp_path: Path
) -> None:
    with db.session() as s:
        settings.put(s, "office_name", "某某县水务局")
        settings.put(s, "superior_org", "某某县人民政府")
        settings.put(s, "recheck_org", "某某市人民政府")
    service = DocumentService(db, TESTER)
    numbers = _cases(cases)
    saved = sorted(p.stem for p in saved_by_libreoffice.glob("*.docx"))
    assert saved == sorted(t.name for t in catalog.available())
    for info in catalog.available():
        assert info.source == "本单位修改版", info.name  # LibreOffice's file is the one used
        before = info.path.read_bytes()
        check = service.check_template(info.name)
        assert check.ok, (info.name, check.summary())
        out = tmp_path / "out" / f"{info.name}.docx"
        if info.kind == catalog.REPORT:
            result = service.report(
                info.name, dt.date(2025, 1, 1), dt.date(2025, 12, 31), None, out
            )
        else:
            number = numbers.get(info.name, numbers[""])
            result = service.case_document(number, info.name, out)
        assert not result.saved and info.path.read_bytes() == before  # nothing rewritten
        with zipfile.ZipFile(result.path) as z:  # Word calls a repeated part name damage
            names = z.namelist()
        assert len(names) == len(set(names)), info.name
        generated = docx.Document(result.path)
        assert leftover_tags(generated) == [], info.name
        text = "\n".join(p.text for p in generated.paragraphs)
        signer = {"复查意见书": "某某县人民政府", "复核意见书": "某某市人民政府"}
        assert signer.get(info.name, "某某县水务局") in text, info.name
