"""Issue 14's "Why" for reports: every sentence true of the data, 同比 beside its own figure,
claims only from the clerk's 情况说明, markers where nothing was entered, --strict."""

import contextlib
import datetime as dt
import io
import json
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
from app.errors import DomainError
from app.office import settings
from app.stats.service import StatisticsService

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
NOVEMBER = (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
REPORTS = ("信访工作自查报告", "年度信访工作报告")


@pytest.fixture
def filled(db: Database, tmp_path: Path) -> Iterator[Database]:
    paths.set_data_dir(tmp_path)
    demo.generate(db, 900, seed=7, years=(2024, 2025))
    with db.session() as s:
        settings.put(s, "office_name", "某某县水务局")
    yield db
    paths.set_data_dir(None)


def _stats(db: Database, period: tuple[dt.date, dt.date]) -> dict[str, Any]:
    buffer = io.StringIO()
    args = ["--data-dir", str(data_dir_of(db)), "stats", "--json"]
    args += ["--from", period[0].isoformat(), "--to", period[1].isoformat()]
    with contextlib.redirect_stdout(buffer):
        assert main(args) == 0
    return json.loads(buffer.getvalue())


def _text(db: Database, tmp_path: Path, name: str, period: tuple[dt.date, dt.date]) -> str:
    out = tmp_path / f"{name}-{period[0]}.docx"
    DocumentService(db, TESTER).report(name, *period, None, out)
    d = docx.Document(out)
    return "\n".join(
        [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
    )


def _clause(y: dict[str, Any], rate: bool = False) -> str:
    text = filters.change_text(y["this"], y["last"], y["change"], rate)
    return text if text.startswith("上年同期") else "同比" + text


@pytest.mark.parametrize("period", [YEAR, NOVEMBER])
def test_each_figure_has_its_own_yoy(filled: Database, tmp_path: Path, period: Any) -> None:
    s = _stats(filled, period)
    text = _text(filled, tmp_path, "信访工作自查报告", period)
    for level in ("进京", "赴省", "到市", "到县"):
        n = s["visit_levels"][level]
        if n:
            clause = _clause(s["yoy"]["visit_levels"][level])
            assert f"{level}上访{n}批次（{clause}）" in text, level
    assert f"{s['persons_total']}人次（{_clause(s['yoy']['persons_total'])}）" in text


@pytest.mark.parametrize("name", REPORTS)
def test_no_claim_without_data_and_true_period_words(
    filled: Database, tmp_path: Path, name: str
) -> None:
    s = _stats(filled, NOVEMBER)
    text = _text(filled, tmp_path, name, NOVEMBER)
    for invented in (
        "没有发生群体性事件",
        "均已按规定劝返处置",
        "已逐件督办",
        "每月定期开展",
        "落到实处",
    ):
        assert invented not in text
    assert "全年" not in text and "本月" in text  # a November report never says 全年
    assert "—天" not in text and "—%" not in text and "——" not in text
    # 受理 is the accepted cases, never the total.
    assert "共受理" not in text
    assert f"共登记各类信访事项{s['total']}件" in text
    accepted = StatisticsService(filled, TESTER).compute(*NOVEMBER).ratio("closure_rate")[1]
    assert accepted < s["total"] and f"已受理（含交办）的{accepted}件" in text
    for item in ("存在问题", "下一步工作打算"):
        assert item in text
    assert "【请填写：本期信访工作存在的问题】" in text


def test_annual_report_follows_article_41(filled: Database, tmp_path: Path) -> None:
    s = _stats(filled, YEAR)
    text = _text(filled, tmp_path, "年度信访工作报告", YEAR)
    for head in (
        "一、信访数据统计",
        "二、信访事项涉及的领域",
        "三、被投诉较多的单位",
        "四、转送、交办、督办情况",
        "五、提出改进工作、完善政策、追究责任的建议及采纳情况",
    ):
        assert head in text
    o = s["outgoing"]
    assert f"交办{o['assignments']}件次" in text
    assert f"对{o['supervised_cases']}件信访事项督办{o['supervisions']}次" in text
    for org, n in s["by_assigning_org"].items():
        if org != "未填写":
            assert f"{org}{n}件" in text
    # 被投诉较多的单位 comes from by_target, not from the office's own 科室.
    for dept in ("业务科", "法规科"):
        assert f"{dept}（" not in text.split("三、被投诉较多的单位")[1].split("四、")[0]


def test_notes_replace_markers_and_strict_refuses_with_markers(
    filled: Database, tmp_path: Path
) -> None:
    service = DocumentService(filled, TESTER)
    out = tmp_path / "自查.docx"
    with pytest.raises(DomainError, match="需要填写"):
        service.report("信访工作自查报告", *YEAR, None, out, strict=True)
    assert not out.exists()
    texts = {
        "存在问题": "基层信访宣传需进一步加强。",
        "下一步打算": "继续落实领导接访制度。",
        "群体性事件": "全年未发生群体性事件。",
        "劝返处置": "对越级上访人员均已做好教育疏导。",
        "排查调处": "每月开展一次排查。",
        "保障指标": "信访工作纳入年度目标考核。",
    }
    service.save_report_notes(*YEAR, texts)
    with filled.session() as s:
        settings.put(s, "report_to", "县信访局")  # the 主送机关 is a setting, not a note
    result = service.report("信访工作自查报告", *YEAR, None, out, strict=True)
    assert result.markers == [] and out.exists()
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert all(t in text for t in texts.values())
    assert "【请填写" not in text and "县信访局：" in text
    # Offered again next year as a starting point, not used until saved.
    nxt = service.report_notes(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert nxt.entered == {} and nxt.previous["存在问题"] == texts["存在问题"]


def test_cli_notes_and_strict(
    filled: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(data_dir_of(filled))
    period = ["--from", "2025-11-01", "--to", "2025-11-30"]
    out = tmp_path / "月报.docx"
    report = [
        "--data-dir",
        folder,
        "report",
        "--template",
        "信访工作自查报告",
        *period,
        "--out",
        str(out),
    ]
    assert main([*report, "--strict"]) == 1 and not out.exists()
    assert "需要填写" in capsys.readouterr().err
    assert main(report) == 0
    assert "【请填写：本期信访工作存在的问题】" in capsys.readouterr().err  # warned
    assert (
        main(["--data-dir", folder, "report", "notes", *period, "--set", "存在问题=宣传不够"]) == 0
    )
    assert "存在问题：宣传不够" in capsys.readouterr().out
    assert main(["--data-dir", folder, "report", "notes", *period, "--set", "没有这项=x"]) == 1


def test_status_unknown_cases_are_mentioned(
    filled: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The figure comes from the other issue's data_gaps; until then the service has none.
    from app.stats.result import Statistics

    original = Statistics.to_json

    def with_gaps(self: Statistics) -> dict[str, Any]:
        j = original(self)
        j["data_gaps"] = {"status_unknown": 3, "closed_date_unknown": 0, "decision_inferred": 0}
        return j

    monkeypatch.setattr(Statistics, "to_json", with_gaps)
    for name in ("信访工作自查报告", "年度信访工作报告", "月度统计表"):
        assert "另有3件情况不详" in _text(filled, tmp_path, name, YEAR), name


def _numbers(data: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(data, dict):
        for v in data.values():
            out |= _numbers(v)
    elif isinstance(data, bool) or data is None:
        pass
    elif isinstance(data, int):
        out.add(str(data))
    elif isinstance(data, float):
        out |= {filters.pct(data), filters.num(data)}
    return out


@pytest.mark.parametrize("name", ["信访工作自查报告", "年度信访工作报告", "月度统计表"])
@pytest.mark.parametrize(
    "period", [YEAR, NOVEMBER, (dt.date(2023, 3, 1), dt.date(2023, 3, 31))], ids=str
)
def test_every_number_equals_stats_json(
    filled: Database, tmp_path: Path, name: str, period: Any
) -> None:
    """Every figure printed (prose and tables) is one of `xinfang stats --json`'s, or its 同比
    wording, or a numerator/denominator, or part of a date, a 条款 or a table/figure number."""
    import re

    s = _stats(filled, period)
    stats = StatisticsService(filled, TESTER).compute(*period)
    allowed = _numbers(s) | {"12345", "100%", "1", "2", "3", "4", "5"}
    allowed |= {str(n) for key in s if key.endswith("_rate") for n in stats.ratio(key)}

    def words(y: Any) -> None:
        if isinstance(y, dict) and {"this", "last", "change"} <= set(y):
            for rate in (True, False):
                text = filters.change_text(y["this"], y["last"], y["change"], rate)
                allowed.update(re.findall(r"\d+(?:\.\d+)?%?", text))
        elif isinstance(y, dict):
            for v in y.values():
                words(v)

    words(s["yoy"])
    for key in ("by_form", "by_channel", "by_category", "by_department", "by_target"):
        if s["total"]:  # 占比: a breakdown cell over the total
            allowed |= {filters.pct(n / s["total"]) for n in s[key].values()}
    for day in (period[0], period[1], stats.as_of, dt.date(2025, 12, 31)):
        allowed |= {str(day.year), str(day.month), str(day.day)}
    text = _text(filled, tmp_path, name, period)
    strays = [n for n in re.findall(r"\d+(?:\.\d+)?%?", text) if n not in allowed]
    assert strays == [], strays
