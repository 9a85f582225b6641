"""Generated reports read back with python-docx: every figure equals `xinfang stats --json`."""

import contextlib
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from accounts import TESTER
from factories import data_dir_of

from app import paths
from app.cases import demo
from app.cli import main
from app.db import Database
from app.documents import filters
from app.documents.service import DocumentService
from app.documents.template_check import leftover_tags
from app.office import settings
from app.stats.service import StatisticsService

FROM, TO = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
RATES = [
    "repeat_rate",
    "timely_acceptance_rate",
    "closure_rate",
    "on_time_closure_rate",
    "handled_rate",
    "evaluation_rate",
    "satisfaction_rate",
    "leader_closure_rate",
    "assigned_on_time_rate",
]


@pytest.fixture
def filled(db: Database, tmp_path: Path) -> Iterator[Database]:
    paths.set_data_dir(tmp_path)  # the folder of the `db` fixture's database
    demo.generate(db, 900, seed=7, years=(2024, 2025))
    with db.session() as s:
        settings.put(s, "office_name", "某某县水务局")
    yield db
    paths.set_data_dir(None)


def _stats(db: Database, date_from: dt.date = FROM, date_to: dt.date = TO) -> dict[str, Any]:
    """What `xinfang stats --json` prints for the period, read back as JSON."""
    buffer = io.StringIO()
    args = [
        "--data-dir",
        str(data_dir_of(db)),
        "stats",
        "--json",
        "--from",
        date_from.isoformat(),
        "--to",
        date_to.isoformat(),
    ]
    with contextlib.redirect_stdout(buffer):
        assert main(args) == 0
    return json.loads(buffer.getvalue())


def _report(
    db: Database, tmp_path: Path, name: str, date_from: dt.date = FROM, date_to: dt.date = TO
) -> docx.document.Document:
    out = tmp_path / f"{name}.docx"
    DocumentService(db, TESTER).report(name, date_from, date_to, None, out)
    document = docx.Document(out)
    assert leftover_tags(document) == []
    return document


def _text(document: Any) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def _table(table: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def _numbers(data: Any) -> set[str]:
    """Every figure of the JSON as the documents may print it."""
    out: set[str] = set()
    if isinstance(data, dict):
        if {"this", "last", "change"} <= set(data):
            out |= {str(data["this"]), str(data["last"])}
        for v in data.values():
            out |= _numbers(v)
    elif isinstance(data, bool) or data is None:
        pass
    elif isinstance(data, int):
        out.add(str(data))
    elif isinstance(data, float):
        out |= {filters.pct(data), filters.num(data)}
    return out


def _clause(y: dict[str, Any], rate: bool = False) -> str:
    text = filters.change_text(y["this"], y["last"], y["change"], rate)
    return text if text.startswith("上年同期") else "同比" + text


def test_annual_report_sentences_and_tables_equal_the_statistics(
    filled: Database, tmp_path: Path
) -> None:
    s = _stats(filled)
    document = _report(filled, tmp_path, "年度信访工作报告")
    text = _text(document)
    assert document.paragraphs[0].text == "某某县水务局\n2025年信访工作情况报告"
    m = re.search(r"共登记各类信访事项(\d+)件（(.+?)）、(\d+)人次（(.+?)）", text)
    assert m and (int(m[1]), int(m[3])) == (s["total"], s["persons_total"])
    # 件 and 人次 each with its own 同比.
    assert (m[2], m[4]) == (_clause(s["yoy"]["total"]), _clause(s["yoy"]["persons_total"]))
    for form in ("来信", "来电"):
        assert f"{form}{s['by_form'][form]}件（{_clause(s['yoy']['by_form'][form])}）" in text
    v, yv = s["visits"], s["yoy"]["visits"]
    assert (
        f"来访{v['batches']}批次（{_clause(yv['batches'])}）、"
        f"{v['persons']}人次（{_clause(yv['persons'])}）" in text
    )
    assert f"市长信箱{s['by_channel']['市长信箱']}件" in text
    assert f"12345热线{s['by_channel']['12345热线']}件" in text
    assert (
        f"办结率{filters.pct(s['closure_rate'])}（{_clause(s['yoy']['closure_rate'], True)}）"
        in (text)
    )
    assert f"处理率{filters.pct(s['handled_rate'])}" in text
    assert f"群众满意率{filters.pct(s['satisfaction_rate'])}" in text
    assert f"平均办结用时{filters.num(s['avg_days_to_close'])}天" in text
    y = s["yoy"]["on_time_closure_rate"]
    assert f"按期办结率{filters.pct(s['on_time_closure_rate'])}（{_clause(y, True)}）" in text
    o = s["outgoing"]
    assert f"转送信访事项{o['transfers']}件次" in text and f"督办{o['supervisions']}次" in text
    # Table 1 by category (with the total row) and table 2 by 被反映对象.
    tables = {_table(t)[0][0]: _table(t) for t in document.tables}
    for key, head, has_total in (
        ("by_category", "问题类别", True),
        ("by_target", "被反映对象", False),
    ):
        rows = tables[head]
        assert rows[0] == [head, "件数", "占比", "上年同期", "同比"]
        body = {r[0]: r[1:] for r in rows[1 : -1 if has_total else None]}
        assert list(body) == list(s[key])
        for name, (count, share, last, change) in body.items():
            y = s["yoy"][key][name]
            assert int(count) == s[key][name] and int(last) == y["last"]
            assert share == filters.pct(s[key][name] / s["total"])
            assert change == filters.change_text(y["this"], y["last"], y["change"], False)
        if has_total:
            assert rows[-1][:2] == ["合计", str(s["total"])]
    # The chart is there, as a picture.
    assert len(document.inline_shapes) == 1


def test_every_number_in_the_self_check_report_is_a_statistic(
    filled: Database, tmp_path: Path
) -> None:
    s = _stats(filled)
    text = _text(_report(filled, tmp_path, "信访工作自查报告"))
    allowed = _numbers(s) | {"2025", "12", "31", "12345", "1", "100%"}
    # "已受理的854件中，已办结743件": the numerator and denominator the service gives each rate.
    stats = StatisticsService(filled, TESTER).compute(FROM, TO)
    allowed |= {str(n) for key in RATES for n in stats.ratio(key)}
    for key in RATES:  # 同比 wording of rates prints percentage points
        allowed.add(
            filters.change_text(s["yoy"][key]["this"], s["yoy"][key]["last"], None, True)[2:-4]
        )
    for y in _flat_yoy(s["yoy"]):
        allowed.add(filters.change_text(y["this"], y["last"], y["change"], False)[2:])
    found = re.findall(r"\d+(?:\.\d+)?%?", text)
    assert len(found) > 40
    strays = [n for n in found if n not in allowed]
    assert strays == [], strays
    # 按时报结率 is the rate over 上级交办 cases, not the all-cases 按期办结率.
    assert f"按时报结率{filters.pct(s['assigned_on_time_rate'])}" in text
    assert f"排查出矛盾纠纷{s['screenings']['found']}件" in text


def _flat_yoy(y: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for v in y.values():
        if {"this", "last", "change"} <= set(v):
            yield v
        else:
            yield from _flat_yoy(v)


MAIN = {
    "信访总量（件）": "total",
    "总人次": "persons_total",
    "来访（批次）": "visits.batches",
    "来访（人次）": "visits.persons",
    "集体访（批次）": "collective.batches",
    "集体访（人次）": "collective.persons",
    "进京（批次）": "visit_levels.进京",
    "赴省（批次）": "visit_levels.赴省",
    "到市（批次）": "visit_levels.到市",
    "到县（批次）": "visit_levels.到县",
    "越级访（件）": "skip_level",
    "非正常访（件）": "abnormal",
    "重复信访（件）": "repeat",
    "上期结转（件）": "carried_over",
    "期末未结（件）": "open_at_end",
    "超期未结（件）": "overdue_open",
    "领导包案（件）": "leader_cases",
    "平均办结天数": "avg_days_to_close",
    "转送（件次）": "outgoing.transfers",
    "交办（件次）": "outgoing.assignments",
    "督办（次）": "outgoing.supervisions",
    "交办超期未反馈（件）": "outgoing.feedback_overdue",
    "收到上级督办（次）": "incoming_supervisions",
    "交办按时报结率": "assigned_on_time_rate",
    "重复信访率": "repeat_rate",
    "及时受理率": "timely_acceptance_rate",
    "办结率": "closure_rate",
    "按期办结率": "on_time_closure_rate",
    "处理率": "handled_rate",
    "参评率": "evaluation_rate",
    "满意率": "satisfaction_rate",
    "领导包案办结率": "leader_closure_rate",
}


def _get(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


def test_monthly_table_equals_the_statistics_for_one_month(
    filled: Database, tmp_path: Path
) -> None:
    date_from, date_to = dt.date(2025, 11, 1), dt.date(2025, 11, 30)
    s = _stats(filled, date_from, date_to)
    document = _report(filled, tmp_path, "月度统计表", date_from, date_to)
    assert "（2025年11月，统计截至2025年11月30日）" in _text(document)
    main = _table(document.tables[0])
    assert main[0] == ["指标", "本期", "上年同期", "同比"]
    assert {r[0] for r in main[1:]} == set(MAIN)
    for label, this, last, change in main[1:]:
        key = MAIN[label]
        y = _get(s["yoy"], key)
        is_rate = key in RATES
        show = filters.pct if is_rate else filters.num
        assert this == show(_get(s, key)), label
        assert last == show(y["last"]), label
        assert change == filters.change_text(y["this"], y["last"], y["change"], is_rate), label
    forms = {r[0]: int(r[1]) for r in _table(document.tables[1])[1:-1]}
    assert forms == s["by_form"]


def test_an_empty_period_reads_naturally(filled: Database, tmp_path: Path) -> None:
    # Nothing received in an empty year: no "0件" sentences, no "—" inside prose.
    text = _text(
        _report(filled, tmp_path, "信访工作自查报告", dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    )
    assert "2023年，我单位未登记信访事项。" in text
    assert "全年无群众进京上访" in text and "无重复信访" in text
    assert "—" not in text and "0件" not in text and "办结率" not in text


def test_a_channel_the_template_names_but_the_office_renamed_reads_zero(
    filled: Database, tmp_path: Path
) -> None:
    from app.office import dictionaries

    with filled.session() as s:
        dictionaries.deactivate(s, "channel", "书记信箱")
    s = _stats(filled)
    text = _text(_report(filled, tmp_path, "信访工作自查报告"))
    assert f"书记信箱{s['by_channel'].get('书记信箱', 0)}件" in text
