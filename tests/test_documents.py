"""Template engine: the wording filters, template checks and repair, atomic output, the catalog."""

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from accounts import TESTER

from app import paths
from app.db import Database
from app.documents import catalog, filters
from app.documents.engine import TemplateProblem
from app.documents.service import DocumentService
from app.errors import DomainError

# ---------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (None, "—"),
        (1.0, "100%"),
        (0.0, "0%"),
        (0.952380952, "95.2%"),
        (0.87, "87.0%"),
        (0.0125, "1.3%"),
        (0.99996, "100%"),
    ],
)
def test_pct(rate: float | None, text: str) -> None:
    assert filters.pct(rate) == text


@pytest.mark.parametrize(
    ("this", "last", "change", "rate", "text"),
    [
        (112, 100, 0.12, False, "上升12.0%"),
        (90, 100, -0.1, False, "下降10.0%"),
        (5, 5, 0.0, False, "持平"),
        (7, 0, None, False, "上年同期为0"),
        (0, 0, None, False, "上年同期为0"),
        (0.952, 0.93, 0.022, True, "上升2.2个百分点"),
        (0.9, 0.95, -0.05, True, "下降5.0个百分点"),
        (0.9, 0.9, 0.0, True, "持平"),
        (None, 0.9, None, True, "上年同期无可比数据"),
    ],
)
def test_change_wording(
    this: float, last: float, change: float | None, rate: bool, text: str
) -> None:
    assert filters.change_text(this, last, change, rate) == text


def test_points_are_the_difference_of_the_printed_percentages() -> None:
    # 95.24% prints 95.2%, 92.96% prints 93.0%: the sentence must say 2.2, not 2.3.
    assert filters.change_text(0.9524, 0.9296, 0.0228, True) == "上升2.2个百分点"


def test_dates_and_numerals() -> None:
    assert filters.cdate(dt.date(2025, 12, 1)) == "2025年12月1日"
    assert filters.cdate("2025-03-05") == "2025年3月5日"
    assert filters.cmonth("2025-03") == "2025年3月"
    assert [filters.cnum(n) for n in (1, 10, 12, 20, 35)] == ["一", "十", "十二", "二十", "三十五"]
    assert filters.num(42.75) == "42.8" and filters.num(None) == "—" and filters.num(3) == "3"


# ---------------------------------------------------------------- template checks


# These tests put a template into the office folder beside a SQLite file, the layout they check
# the engine with; on a server the office's templates live in the database and reach the same
# engine through a local copy (tests/test_server_files.py checks that path on PostgreSQL).
OFFICE_FOLDER = pytest.mark.sqlite_only("the office folder is the single-clerk layout")


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Path]:
    paths.set_data_dir(tmp_path / "data")
    yield paths.templates_dir()
    paths.set_data_dir(None)


def _template(path: Path, paragraphs: list[list[str]]) -> Path:
    """A .docx whose paragraphs hold the given runs (a run list mimics Word's splitting)."""
    doc = docx.Document()
    for runs in paragraphs:
        p = doc.add_paragraph()
        for text in runs:
            p.add_run(text)
    doc.save(path)
    return path


def _texts(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(path).paragraphs)


def _render(db: Database, tmp_path: Path, name: str = "月度统计表", repair: bool = False) -> Path:
    out = tmp_path / "out" / "报告.docx"
    DocumentService(db, TESTER).report(
        name, dt.date(2025, 1, 1), dt.date(2025, 12, 31), None, out, repair=repair
    )
    return out


@OFFICE_FOLDER
def test_syntax_error_names_the_paragraph_and_writes_nothing(
    db: Database, office: Path, tmp_path: Path
) -> None:
    _template(
        office / "月度统计表.docx",
        [["开头"], ["{% if stats.total %}共{{ stats.total }}件"], ["结尾"]],
    )
    with pytest.raises(TemplateProblem) as err:
        _render(db, tmp_path)
    assert "缺少结束标签 {% endif %}" in err.value.message
    assert not err.value.repairable
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@OFFICE_FOLDER
def test_unknown_variable_and_filter_are_errors(db: Database, office: Path, tmp_path: Path) -> None:
    _template(
        office / "月度统计表.docx",
        [
            ["共{{ stats.totl }}件"],
            ["{{ 单位 }}"],
            ["{{ stats.closure_rate | percent }}"],
            ["{{ stats.by_form.来信 }}"],
        ],
    )
    with pytest.raises(TemplateProblem) as err:
        _render(db, tmp_path)
    message = err.value.message
    assert "不认识的变量“stats.totl”" in message and "共{{ stats.totl }}件" in message
    assert "不认识的变量“单位”" in message
    assert "不认识的过滤器“percent”" in message
    assert "来信" not in message  # a dictionary value under stats.by_form is fine
    assert not (tmp_path / "out" / "报告.docx").exists()


@OFFICE_FOLDER
def test_split_tag_renders_without_asking_and_repair_saves_it(
    db: Database, office: Path, tmp_path: Path
) -> None:
    template = _template(
        office / "月度统计表.docx", [["共受理", "{{ stats.", "tot", "al }}", "件。"]]
    )
    before = template.read_bytes()
    out = _render(db, tmp_path)  # Word's run split is no reason to stop
    assert "{{" not in _texts(out) and "共受理" in _texts(out)
    assert template.read_bytes() == before  # mended in memory only
    service = DocumentService(db, TESTER)
    result = service.check_template("月度统计表")
    assert result.ok and result.repairs
    assert "模板文件未改动" in result.summary() and "已修复" not in result.summary()
    assert "被 Word 拆成了几段" in result.summary()
    assert template.read_bytes() == before  # the check changes nothing and says so
    saved = service.repair_template("月度统计表")
    assert "已把 1 处" in saved.summary(saved=True)
    runs = [r.text for r in docx.Document(template).paragraphs[0].runs]
    assert "{{ stats.total }}" in runs  # the office's copy now holds the tag in one run
    assert service.check_template("月度统计表").problems == []


@OFFICE_FOLDER
def test_smart_quotes_and_fullwidth_braces(db: Database, office: Path, tmp_path: Path) -> None:
    _template(
        office / "月度统计表.docx",
        [["热线{{ stats.by_channel[“12345热线”] }}件"], ["｛｛ stats.total ｝｝件"]],
    )
    text = _texts(_render(db, tmp_path))
    assert "{" not in text and "｛" not in text and text.startswith("热线")
    summary = DocumentService(db, TESTER).check_template("月度统计表").summary()
    assert "中文引号" in summary and "全角括号" in summary


def test_installed_template_is_checked_and_repaired_where_the_database_keeps_it(
    db: Database, tmp_path: Path
) -> None:
    # The same engine on both layouts: installed through the service, the template lands in the
    # office folder (SQLite) or in the database (server) and is checked and mended there.
    paths.set_data_dir(tmp_path / "data")
    try:
        service = DocumentService(db, TESTER)
        broken = _template(tmp_path / "坏.docx", [["开头"], ["共{{ stats.totl }}件"]])
        service.install_template("月度统计表", broken)
        with pytest.raises(TemplateProblem) as err:
            _render(db, tmp_path)
        assert "不认识的变量“stats.totl”" in err.value.message
        assert not (tmp_path / "out" / "报告.docx").exists()
        split = _template(tmp_path / "拆.docx", [["共受理", "{{ stats.", "tot", "al }}", "件。"]])
        service.install_template("月度统计表", split)
        assert "{{" not in _texts(_render(db, tmp_path))
        assert service.check_template("月度统计表").repairs
        service.repair_template("月度统计表")
        mended = catalog.find("月度统计表", db=db)
        assert mended.source == "本单位修改版"
        runs = [r.text for r in docx.Document(mended.path).paragraphs[0].runs]
        assert "{{ stats.total }}" in runs
        assert service.check_template("月度统计表").repairs == []
    finally:
        paths.set_data_dir(None)


@OFFICE_FOLDER
def test_tag_across_paragraphs_cannot_be_repaired(
    db: Database, office: Path, tmp_path: Path
) -> None:
    _template(office / "月度统计表.docx", [["共{{ stats."], ["total }}件"]])
    with pytest.raises(TemplateProblem) as err:
        _render(db, tmp_path, repair=True)
    assert "标签没有在同一段落内写完整" in err.value.message
    assert not err.value.repairable


@OFFICE_FOLDER
def test_failed_render_keeps_the_previous_file(db: Database, office: Path, tmp_path: Path) -> None:
    out = _render(db, tmp_path)  # the good default
    before = out.read_bytes()
    _template(office / "月度统计表.docx", [["{{ stats.total"]])
    with pytest.raises(TemplateProblem):
        _render(db, tmp_path)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["报告.docx"]  # no temporary left behind


@OFFICE_FOLDER
def test_a_non_docx_template_gets_a_clear_message(
    db: Database, office: Path, tmp_path: Path
) -> None:
    (office / "月度统计表.docx").write_bytes(b"not a zip")
    with pytest.raises(DomainError, match="不是有效的 Word 文档"):
        _render(db, tmp_path)


def test_every_default_template_passes_the_check(db: Database, office: Path) -> None:
    service = DocumentService(db, TESTER)
    for info in catalog.available():
        result = service.check_template(info.name)
        assert result.ok and not result.repairs, (info.name, result.summary())


# ---------------------------------------------------------------- catalog


def test_office_copy_overrides_and_restore_moves_it_aside(office: Path) -> None:
    info = catalog.find("年度信访工作报告")
    assert info.override is None and info.source == "默认模板"
    own = catalog.make_editable("年度信访工作报告")
    assert own.parent == office and catalog.find("年度信访工作报告").source == "本单位修改版"
    moved = catalog.restore_default("年度信访工作报告")
    assert moved is not None and moved.exists() and moved.parent.name == catalog.OLD_DIR
    assert catalog.find("年度信访工作报告").override is None
    assert catalog.restore_default("年度信访工作报告") is None


def test_office_template_of_its_own_is_listed_by_kind(office: Path) -> None:
    _template(office / "来访登记回执.docx", [["{{ case.number }} {{ petitioner.name }}"]])
    _template(office / "季度简报.docx", [["{{ stats.total }}"]])
    (office / "~$季度简报.docx").write_bytes(b"lock")  # Word's lock file is not a template
    kinds = {t.name: t.kind for t in catalog.available()}
    assert kinds["来访登记回执"] == catalog.CASE and kinds["季度简报"] == catalog.REPORT
    assert "~$季度简报" not in kinds
    with pytest.raises(DomainError, match="没有默认版本"):
        catalog.restore_default("季度简报")
    with pytest.raises(DomainError, match="没有名为“不存在”的模板"):
        catalog.find("不存在")


# ---------------------------------------------------------------- chart and period names


def _pixels(png: bytes) -> tuple[int, int, bytes]:
    import struct
    import zlib

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4 : idat])[0]
    return width, height, zlib.decompress(png[idat + 4 : idat + 4 + length])


def test_chart_is_a_valid_png_for_any_figures() -> None:
    from app.documents import chart

    for values in (
        [79, 87, 81, 67, 84, 90, 112, 82, 79, 85, 82, 81],
        [0] * 12,
        [3],
        list(range(36)),
    ):
        width, height, raw = _pixels(
            chart.bar_chart_png([str(i + 1) for i in range(len(values))], values)
        )
        assert (width, height) == (1500, 620)
        assert len(raw) == height * (1 + width * 3)
    # The bars are drawn to scale: [5, 10] has three quarters of the blue of [10, 10].
    blue = bytes((68, 114, 196))
    full = _pixels(chart.bar_chart_png(["1", "2"], [10, 10]))[2].count(blue)
    half = _pixels(chart.bar_chart_png(["1", "2"], [5, 10]))[2].count(blue)
    assert full > 0 and 0.72 < half / full < 0.78


def test_period_names() -> None:
    from app.documents.report_context import period_name

    d = dt.date
    assert period_name(d(2025, 1, 1), d(2025, 12, 31)) == "2025年"
    assert period_name(d(2025, 12, 1), d(2025, 12, 31)) == "2025年12月"
    assert period_name(d(2025, 10, 1), d(2025, 12, 31)) == "2025年第四季度"
    assert period_name(d(2025, 1, 1), d(2025, 6, 30)) == "2025年上半年"
    assert period_name(d(2025, 3, 5), d(2025, 4, 9)) == "2025年3月5日至2025年4月9日"


@OFFICE_FOLDER
def test_loop_rows_and_footers_are_checked_too(db: Database, office: Path, tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("{% for row in category_rows %}{{ row.name }}{{ row.cout }}{% endfor %}")
    doc.sections[0].footer.paragraphs[0].text = "{{ offce }}"
    doc.save(office / "月度统计表.docx")
    with pytest.raises(TemplateProblem) as err:
        _render(db, tmp_path)
    message = err.value.message
    assert "不认识的变量“row.cout”" in message and "不认识的变量“row.name”" not in message
    assert "【错误】页脚段落“{{ offce }}”：不认识的变量“offce”" in message


@OFFICE_FOLDER
@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{{ stats.total / 0 }}", "除以 0"),
        ("{{ 2 ** 100000 }}", "乘方过大"),
        (
            "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
            "循环次数太多",
        ),
        ("{{ 'x' * 1000000000 }}", "内容过长"),
        ("{% include '/etc/passwd' %}", "不能使用 {% include %}"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "宏无限地调用自身"),
        ("{{ stats.total + 'x' }}", "模板中的计算出错"),
    ],
)
def test_runaway_templates_stop_with_a_sentence(
    db: Database, office: Path, tmp_path: Path, payload: str, message: str
) -> None:
    _template(office / "月度统计表.docx", [[payload]])
    with pytest.raises(DomainError, match=re.escape(message)):
        _render(db, tmp_path)
    assert not (tmp_path / "out" / "报告.docx").exists()


@OFFICE_FOLDER
def test_a_key_the_data_does_not_have_is_an_error_naming_the_paragraph(
    db: Database, office: Path, tmp_path: Path
) -> None:
    _template(
        office / "月度统计表.docx",
        [["信件{{ stats.by_form.信件 }}件"], ["同比{{ yoy.totla }}"], ["{{ ratios.x.numerator }}"]],
    )
    with pytest.raises(TemplateProblem) as err:
        _render(db, tmp_path)
    message = err.value.message
    assert "段落“信件{{ stats.by_form.信件 }}件”" in message
    assert "不认识的变量“stats.by_form.信件”" in message and "来信" in message
    assert "段落“同比{{ yoy.totla }}”" in message and "不认识的变量“yoy.totla”" in message
    assert "ratios.x" in message
    assert not (tmp_path / "out" / "报告.docx").exists()
    # `report check` says the same, and fails.
    import contextlib
    import io

    from app.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["--data-dir", str(office.parent), "report", "check", "月度统计表"])
    assert (
        code == 1
        and "stats.by_form.信件" in buffer.getvalue()
        and "通过" not in (buffer.getvalue())
    )


@OFFICE_FOLDER
def test_merged_tag_keeps_the_clerks_formatting(db: Database, office: Path, tmp_path: Path) -> None:
    from docx.shared import RGBColor

    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("共受理")
    first = p.add_run("{{ stats.")
    first.bold, first.font.color.rgb, first.font.name = True, RGBColor(0xC0, 0, 0), "黑体"
    for text in ("tot", "al }}"):  # Word's split: the later runs lost the formatting
        p.add_run(text)
    p.add_run("件。")
    d.save(office / "月度统计表.docx")
    out = _render(db, tmp_path)
    runs = docx.Document(out).paragraphs[0].runs
    value = next(r for r in runs if r.text.strip().isdigit())
    assert value.bold and value.font.color.rgb == RGBColor(0xC0, 0, 0)
    assert value.font.name == "黑体"
