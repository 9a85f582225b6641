"""What a report template sees: every §5 figure from the statistics service, shaped for sentences
and tables. Nothing here counts cases: the figures, their 同比 and the numerators and
denominators behind each rate all come from `StatisticsService`; this module only orders them,
picks the largest, and words them. Reports carry aggregates only (docs/rules.md, 个人信息).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from docxtpl import Listing

from app import clock
from app.cases import search
from app.db import Database
from app.documents import chart, filters, notes
from app.office import dictionaries, settings
from app.periods import snapshots
from app.periods.service import ids_of
from app.stats import period
from app.stats.result import RATES
from app.stats.service import Statistics, compute_in

BREAKDOWNS = ("by_form", "by_channel", "by_category", "by_department")


@dataclass(frozen=True)
class YoY:
    """One 同比 entry; prints as its wording (上升12.5% / 下降3个百分点 / 上年同期为0)."""

    this: float | None
    last: float | None
    change: float | None
    is_rate: bool

    def __str__(self) -> str:
        return filters.change_text(self.this, self.last, self.change, self.is_rate)

    @property
    def clause(self) -> str:
        """The 同比 as a clause beside its figure: 同比上升12.5% / 同比持平 / 上年同期为0."""
        text = str(self)
        return text if text.startswith("上年同期") else "同比" + text

    # The templates compare figures: {% if yoy.total.change > 0 %}.
    @property
    def up(self) -> bool:
        return bool(self.change and self.change > 0)

    @property
    def down(self) -> bool:
        return bool(self.change and self.change < 0)


class Counts(dict[str, Any]):
    """A breakdown whose absent value counts 0: a template naming a channel the office has since
    renamed or hidden reads "书记信箱0件", not "书记信箱件". Equal to the plain JSON dict."""

    def __missing__(self, key: str) -> Any:
        return 0


class YoYs(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return YoY(0, 0, None, False)


def _yoy_tree(yoy: dict[str, Any], key: str = "") -> Any:
    if {"this", "last", "change"} <= set(yoy):
        return YoY(yoy["this"], yoy["last"], yoy["change"], key in RATES)
    return YoYs({k: _yoy_tree(v, key if key else k) for k, v in yoy.items()})


# Until the imported-history figures land in the service, a report reads no gaps as 0.
NO_GAPS = {"status_unknown": 0, "closed_date_unknown": 0, "decision_inferred": 0}


def _with_zeros(data: dict[str, Any]) -> dict[str, Any]:
    # by_month is the period's months only: a month outside it is an error, never a 0.
    out = {
        k: Counts(v) if k.startswith("by_") and k != "by_month" or k == "visit_levels" else v
        for k, v in data.items()
    }
    out["data_gaps"] = {**NO_GAPS, **(data.get("data_gaps") or {})}
    return out


def period_word(date_from: dt.date, date_to: dt.date) -> str:
    """The word for the period in prose: 全年 only for a whole year (docs/rules.md, 文书)."""
    name = period_name(date_from, date_to)
    if name.endswith("年") and len(name) == 5:
        return "全年"
    if name.endswith("季度"):
        return "本季度"
    if name.endswith("半年"):
        return name[-3:]
    if name.endswith("月") and "至" not in name:
        return "本月"
    return "本期"


def period_name(date_from: dt.date, date_to: dt.date) -> str:
    """2025年 / 2025年12月 / 2025年第四季度 / 2025年1月1日至2025年6月30日."""
    first = date_from.day == 1 and date_from
    next_day = date_to + dt.timedelta(days=1)
    if first and next_day.day == 1:
        months = (next_day.year - date_from.year) * 12 + next_day.month - date_from.month
        if months == 12 and date_from.month == 1:
            return f"{date_from.year}年"
        if months == 1:
            return f"{date_from.year}年{date_from.month}月"
        if months == 3 and date_from.month in (1, 4, 7, 10):
            return f"{date_from.year}年第{filters.cnum((date_from.month - 1) // 3 + 1)}季度"
        if months == 6 and date_from.month in (1, 7):
            return f"{date_from.year}年{'上' if date_from.month == 1 else '下'}半年"
    return f"{filters.cdate(date_from)}至{filters.cdate(date_to)}"


def _rows(stats: dict[str, Any], key: str) -> list[dict[str, Any]]:
    total = stats["total"]
    yoy = stats.get("yoy", {}).get(key, {})
    rows = []
    for name, count in stats[key].items():
        entry = yoy.get(name)
        rows.append(
            {
                "name": name,
                "count": count,
                "share": count / total if total else None,
                "last": entry["last"] if entry else None,
                "change": str(YoY(entry["this"], entry["last"], entry["change"], False))
                if entry
                else "",
            }
        )
    return rows


def _top(rows: list[dict[str, Any]], n: int = 5) -> list[dict[str, Any]]:
    # Stable sort: ties keep the dictionary's order, so the text does not change between runs.
    return sorted((r for r in rows if r["count"] > 0), key=lambda r: -r["count"])[:n]


def compute(
    db: Database,
    date_from: dt.date,
    date_to: dt.date,
    as_of: dt.date | None,
    live: bool = False,
) -> Statistics:
    """The report's figures: for a closed period (exactly this from, to and as-of) the frozen
    snapshot, so the report equals `stats --json --frozen`; otherwise, or with `live`
    (按最新数据), the statistics service's live figures. DocumentService checked the account."""
    with db.read() as s:
        if not live:
            resolved = period.resolve(date_from, date_to, as_of, clock.today())
            frozen = snapshots.exact(s, date_from, date_to, resolved)
            if frozen is not None:
                stats = snapshots.thaw(frozen.raw)
                stats.frozen_ids = frozen.case_ids
                return stats
        return compute_in(s, date_from, date_to, as_of)


def build(
    db: Database,
    stats: Statistics,
    names: set[str] | None = None,
) -> dict[str, Any]:
    """The report context. `names` limits costly parts (the list of cases) to templates that use
    them; None builds everything (the variable reference)."""
    data = stats.to_json()
    with db.read() as s:
        office = str(settings.get(s, "office_name") or "").strip()
        leaders = dictionaries.values(s, "leader")
        note_texts = notes.for_report(s, stats.date_from, stats.date_to)
        report_to = str(settings.get(s, "report_to") or "").strip()
    rows = {key: _rows(data, key) for key in BREAKDOWNS}
    ctx: dict[str, Any] = {
        "office": office or "（单位名称）",
        "today": clock.today(),
        "date_from": stats.date_from,
        "date_to": stats.date_to,
        "as_of": stats.as_of,
        "year": stats.date_from.year,
        "period": f"{filters.cdate(stats.date_from)}至{filters.cdate(stats.date_to)}",
        "period_name": period_name(stats.date_from, stats.date_to),
        "period_word": period_word(stats.date_from, stats.date_to),
        "whole_year": period_word(stats.date_from, stats.date_to) == "全年",
        "report_to": report_to,
        # Listing: the clerk's line breaks stay line breaks in Word.
        "notes": {k: Listing(v) for k, v in note_texts.items()},
        "notes_entered": {k: not v.startswith("【请填写") for k, v in note_texts.items()},
        "stats": _with_zeros(data),
        "yoy": _yoy_tree(data.get("yoy", {})),
        "ratios": {
            key: dict(zip(("numerator", "denominator"), stats.ratio(key), strict=True))
            for key in RATES
        },
        "last_ratios": {
            key: dict(zip(("numerator", "denominator"), stats.ratio("yoy." + key), strict=True))
            for key in RATES
        }
        if stats.last is not None
        else {},
        "form_rows": rows["by_form"],
        "target_rows": _rows(data, "by_target"),
        "assigning_rows": _rows(data, "by_assigning_org"),
        "channel_rows": rows["by_channel"],
        "category_rows": rows["by_category"],
        "department_rows": rows["by_department"],
        "month_rows": [{"month": m, "count": c} for m, c in data["by_month"].items()],
        "top_categories": _top(rows["by_category"]),
        "top_departments": _top(rows["by_department"]),
        "leaders": leaders,
        "chart": "",  # the engine puts the image here when the template uses it
    }
    if names is None or "cases" in names:
        # A closed period's report lists the cases its frozen total counted (封账).
        frozen = sorted(ids_of(stats.frozen_ids, "total")) if stats.frozen_ids else None
        ctx["cases"] = _cases(db, stats.date_from, stats.date_to, frozen)
    else:
        ctx["cases"] = []
    return ctx


def _cases(
    db: Database, date_from: dt.date, date_to: dt.date, ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """The period's cases for a table — without names, ID numbers, phones or addresses."""
    f = search.CaseFilter(
        date_from=date_from, date_to=date_to, ids=ids, include_voided=ids is not None
    )
    with db.read() as s:
        rows = search.rows_by_id(s, search.ids(s, f, sort="received_on", descending=False))
    keep = (
        "number",
        "received_on",
        "form",
        "channel",
        "category",
        "summary",
        "department",
        "status",
        "closed_on",
        "rating",
    )
    return [{k: getattr(r, k) for k in keep} for r in rows]


def images(stats: Statistics, names: set[str]) -> dict[str, tuple[bytes, float]]:
    if "chart" not in names:
        return {}
    months = stats.to_json()["by_month"]
    labels = [m[5:].lstrip("0") if len(months) <= 12 else m[2:] for m in months]
    # Last year's months, from the same service (its by_month has no 同比 entry of its own).
    last = stats.last.breakdowns.get("by_month") if stats.last is not None else None
    previous = list(last.values()) if last and len(last) == len(months) else None
    png = chart.bar_chart_png(labels, list(months.values()), previous)
    return {"chart": (png, 150.0)}


def key_figures(stats: Statistics) -> list[tuple[str, str]]:
    """The handful of figures the report dialog previews before generating."""
    d = stats.to_json()
    y = _yoy_tree(d.get("yoy", {}))
    pct = filters.pct

    def with_yoy(text: str, key: str) -> str:
        return f"{text}（同比{y[key]}）" if key in y else text

    return [
        ("信访总量", with_yoy(f"{d['total']}件 {d['persons_total']}人次", "total")),
        ("来访", f"{d['visits']['batches']}批 {d['visits']['persons']}人次"),
        ("集体访", f"{d['collective']['batches']}批 {d['collective']['persons']}人次"),
        ("重复信访", f"{d['repeat']}件（{pct(d['repeat_rate'])}）"),
        ("及时受理率", pct(d["timely_acceptance_rate"])),
        ("办结率", with_yoy(pct(d["closure_rate"]), "closure_rate")),
        ("按期办结率", pct(d["on_time_closure_rate"])),
        ("处理率", pct(d["handled_rate"])),
        ("满意率", pct(d["satisfaction_rate"])),
        ("超期未结", f"{d['overdue_open']}件"),
    ]
