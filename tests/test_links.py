"""Linked cases (docs/rules.md, 关联): both ways, the 重复信访 mark from both sides, merging a
duplicate registration, one petitioner's cases, and the CLI."""

import datetime as dt
from pathlib import Path

import pytest
from accounts import READER_USER, TESTER
from factories import case_input
from sqlalchemy import select
from test_supervision import ID_A

from app.cases.service import CaseService
from app.cases.supervision_service import SupervisionService
from app.cli import main
from app.db import Database
from app.errors import DomainError
from app.models import CaseLink
from app.stats.service import StatisticsService

D = dt.date


@pytest.fixture
def sup(db: Database) -> SupervisionService:
    return SupervisionService(db, TESTER)


def _new(cases: CaseService, day: D, **kw: object) -> str:
    kw.setdefault("name", "张三")
    return cases.create(case_input(received_on=day, **kw)).number  # type: ignore[arg-type]


def test_a_link_shows_from_both_sides_and_can_be_undone(
    cases: CaseService, sup: SupervisionService, db: Database
) -> None:
    a, b = _new(cases, D(2025, 3, 1)), _new(cases, D(2025, 4, 1), name="李四")
    sup.link(b, a, "同一块承包地")
    assert [(v.number, v.relation) for v in sup.links(a)] == [(b, "同一事项")]
    assert [(v.number, v.relation) for v in sup.links(b)] == [(a, "同一事项")]
    with pytest.raises(DomainError, match="已经关联"):
        sup.link(a, b)
    with pytest.raises(DomainError, match="自己"):
        sup.link(a, a)
    with db.read() as s:
        assert s.scalars(select(CaseLink)).one().note == "同一块承包地"
    sup.unlink(a, b)
    assert sup.links(a) == [] and sup.links(b) == []
    with pytest.raises(DomainError, match="没有关联"):
        sup.unlink(a, b)


def test_the_repeat_mark_shows_on_the_earlier_case_too(
    cases: CaseService, sup: SupervisionService
) -> None:
    earlier = _new(cases, D(2025, 3, 1))
    later = _new(cases, D(2025, 5, 1), repeat=True, repeat_of=earlier)
    assert [(v.number, v.relation) for v in sup.links(later)] == [(earlier, "重复信访：前次")]
    assert [(v.number, v.relation) for v in sup.links(earlier)] == [(later, "重复信访：此后")]
    with pytest.raises(DomainError, match="登记信息中修改"):
        sup.unlink(earlier, later)


def test_merging_a_duplicate_voids_it_links_it_and_keeps_its_events(
    cases: CaseService, sup: SupervisionService, db: Database
) -> None:
    keep = _new(cases, D(2025, 3, 1))
    dup = _new(cases, D(2025, 3, 1))
    cases.act(dup, "受理", D(2025, 3, 2))
    stats = StatisticsService(db, TESTER)
    assert stats.compute(D(2025, 1, 1), D(2025, 12, 31)).value("total") == 2
    detail = sup.merge(dup, keep)
    assert detail.status == "已作废"
    assert [e.kind for e in detail.events] == ["登记", "受理", "作废"]
    assert detail.events[-1].data == {"reason": "重复登记", "merged_into": keep}
    assert [(v.number, v.relation) for v in sup.links(keep)] == [
        (dup, "重复登记（已作废，并入本件）")
    ]
    assert [(v.number, v.relation) for v in sup.links(dup)] == [
        (keep, "重复登记（本件已并入该件）")
    ]
    assert stats.compute(D(2025, 1, 1), D(2025, 12, 31)).value("total") == 1
    with pytest.raises(DomainError, match="已经作废"):
        sup.merge(dup, keep)
    with pytest.raises(DomainError, match="不能取消"):
        sup.unlink(dup, keep)


def test_a_reader_cannot_link_or_merge(cases: CaseService, db: Database) -> None:
    a, b = _new(cases, D(2025, 3, 1)), _new(cases, D(2025, 3, 2))
    reader = SupervisionService(db, READER_USER)
    for call in (lambda: reader.link(a, b), lambda: reader.merge(a, b)):
        with pytest.raises(DomainError, match="无权"):
            call()
    assert reader.links(a) == []


def test_person_cases_by_id_else_name_and_phone(
    cases: CaseService, sup: SupervisionService
) -> None:
    first = _new(cases, D(2025, 3, 1), id_number=ID_A)
    second = _new(cases, D(2025, 4, 1), id_number=ID_A)
    by_phone = _new(cases, D(2025, 2, 1), name="王五", phone="13900001111")
    again = _new(cases, D(2025, 5, 1), name="王五", phone="13900001111")
    _new(cases, D(2025, 5, 1), name="王五", phone="13900002222")
    assert [r.number for r in sup.person_cases(second)] == [first, second]
    assert [r.number for r in sup.person_cases(by_phone)] == [by_phone, again]


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_link_merge_supervision_and_alerts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def add(day: str, *extra: str) -> str:
        code, out, err = run(
            capsys, tmp_path, "case", "add", "--received", day, "--form", "来访",
            "--name", "张三", "--id-number", ID_A, "--summary", "反映土地问题",
            "--category", "农村农业", "--nature", "申诉求决类", *extra,
        )  # fmt: skip
        assert code == 0, err
        return out.strip().splitlines()[-1].split("：")[-1]

    first = add("2025-11-03")
    run(capsys, tmp_path, "case", "act", first, "受理", "--date", "2025-11-03")
    second = add("2025-12-29", "--persons", "6")
    third = add("2025-12-29")
    code, out, _ = run(capsys, tmp_path, "case", "link", first, second)
    assert code == 0 and f"已关联：{first} ↔ {second}" in out
    code, out, _ = run(capsys, tmp_path, "case", "links", second)
    assert f"{first}\t2025-11-03\t办理中\t同一事项" in out
    code, out, _ = run(capsys, tmp_path, "case", "merge", third, "--into", second)
    assert code == 0 and f"{third} 已作废（重复登记）" in out
    code, out, _ = run(capsys, tmp_path, "supervision", "--as-of", "2025-12-31")
    assert code == 0
    lines = out.strip().splitlines()
    assert any(line.startswith(first) and "过半" in line for line in lines)
    assert any(line.startswith(first) and "再次信访" in line for line in lines)
    # Accepted 3 Nov: half-way on 3 Dec; due 4 Jan 2026 (New Year rolled), 临期 from 28 Dec.
    assert any(line.startswith(first) and "临近办理期限 2026-01-04" in line for line in lines)
    assert lines[-1] == "督办清单共 3 件"
    code, out, _ = run(
        capsys,
        tmp_path,
        "supervision",
        "dismiss",
        first,
        "--note",
        "已电话督促",
        "--rule",
        "repeat",
    )
    assert code == 0 and "已从督办清单去掉" in out
    code, out, _ = run(capsys, tmp_path, "supervision", "--as-of", "2025-12-31")
    assert out.strip().splitlines()[-1] == "督办清单共 2 件" and "再次信访" not in out
    code, out, _ = run(capsys, tmp_path, "alerts", "--as-of", "2025-12-31")
    assert code == 0 and "【集体访】" in out and second in out
    assert "【短期内重复信访】" not in out  # the merged duplicate left with its 作废
    code, _, err = run(capsys, tmp_path, "supervision", "dismiss", second, "--note", "x")
    assert code == 1 and "不在督办清单" in err


def test_cli_supervise_writes_the_event_and_the_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, tmp_path, "case", "add", "--received", "2025-11-03", "--form", "来信",
        "--name", "张三", "--summary", "反映道路破损", "--category", "交通运输",
        "--nature", "申诉求决类", "--department", "城建科",
    )  # fmt: skip
    assert code == 0, err
    run(capsys, tmp_path, "case", "act", "XF2025-0001", "受理", "--date", "2025-11-03")
    form = tmp_path / "督办单.docx"
    code, out, err = run(
        capsys, tmp_path, "supervision", "supervise", "XF2025-0001", "--by", "县信访局",
        "--due", "2026-01-10", "--note", "请按期答复", "--out", str(form),
    )  # fmt: skip
    assert code == 0, err
    assert "XF2025-0001：已督办" in out and form.exists()
    code, out, _ = run(capsys, tmp_path, "case", "show", "XF2025-0001", "--json")
    import json

    last = json.loads(out)["events"][-1]
    assert last == {
        "kind": "督办",
        "on": "2025-12-31",
        "data": {"by": "县信访局", "to": "城建科", "due": "2026-01-10", "note": "请按期答复"},
    }
    code, out, _ = run(capsys, tmp_path, "supervision")
    assert "过半" not in out  # acted on today
