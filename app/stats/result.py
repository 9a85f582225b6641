"""`Statistics`: the counts of one period shaped as the §5 JSON, with 同比 and the ratios."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.stats import art41
from app.stats.figures import DATA_GAPS, VISIT_LEVELS
from app.stats.figures import RATES as _BASE_RATES

# Every rate of the JSON: the §5 ones and assigned_on_time_rate (art41).
RATES = {**_BASE_RATES, **art41.RATES}

# The §5 keys in the contract's order; a nested key lists its parts.
_NESTED = {
    "visits": ["batches", "persons"],
    "collective": ["batches", "persons"],
    "visit_levels": VISIT_LEVELS,
    "leader_receptions": ["days", "batches", "persons"],
    "screenings": ["times", "found", "resolved"],
    "data_gaps": list(DATA_GAPS),
    "outgoing": art41.OUTGOING,
}
_ORDER = [
    "total",
    "persons_total",
    "by_form",
    "by_channel",
    "by_category",
    "by_department",
    "by_month",
    "visits",
    "collective",
    "visit_levels",
    "skip_level",
    "abnormal",
    "repeat",
    "repeat_rate",
    "timely_acceptance_rate",
    "closure_rate",
    "on_time_closure_rate",
    "overdue_open",
    "avg_days_to_close",
    "handled_rate",
    "evaluation_rate",
    "satisfaction_rate",
    "carried_over",
    "open_at_end",
    "leader_cases",
    "leader_closure_rate",
    "leader_receptions",
    "screenings",
    # Added 2026-12 (art41): Art.41's 被投诉较多的单位, 转送/交办/督办, 交办 by source organ.
    "by_target",
    "outgoing",
    "by_assigning_org",
    "assigned_on_time_rate",
    "incoming_supervisions",
    "data_gaps",
    # Added 2026-12 (periods): 上期结转 after a closed period is its frozen 期末未结; this is
    # live − frozen (None when no closed period ends the day before `from`).
    "carried_over_correction",
]
# by_month names months of its own year, so it has no 同比 entry; every other key has one.
# carried_over_correction is a note on carried_over, not a figure to compare year on year.
_NO_YOY = {"by_month", "carried_over_correction"}


@dataclass
class Statistics:
    date_from: dt.date
    date_to: dt.date
    as_of: dt.date
    # Flat counts: "total", "visits.batches", "closed", "leader_receptions.days", … (the numerators
    # and denominators behind the rates are here too, under their own names).
    counts: dict[str, int] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)
    # The same figures for the period and as-of date a year earlier (None when not asked for).
    last: "Statistics | None" = None
    # Set on the figures of a closed period read from its snapshot (封账): the case ids stored
    # with it (app/periods/service.py ids_of), so a report lists the cases it counted then.
    frozen_ids: dict[str, Any] | None = None

    # ---- single figures ----
    def ratio(self, key: str) -> tuple[int, int]:
        """(numerator, denominator) behind a rate: "on_time_closure_rate" → (21, 22).
        "yoy.closure_rate" gives last year's."""
        if key.startswith("yoy."):
            if self.last is None:
                raise KeyError(key)
            return self.last.ratio(key[4:])
        num, den = RATES[key]
        return self.counts[num], self.counts[den]

    def rate(self, key: str) -> float | None:
        num, den = self.ratio(key)
        return num / den if den else None

    @property
    def avg_days_to_close(self) -> float | None:
        # Over the closed cases with a known 办结 date (closed_days sums over the same ones).
        closed = self.counts["closed_dated"]
        if not closed:
            return None
        mean = Decimal(self.counts["closed_days"]) / Decimal(closed)
        return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    def value(self, key: str) -> int | float | None:
        """Any figure by its JSON path: "total", "visits.batches", "by_form.来访",
        "closure_rate"."""
        if key in RATES:
            return self.rate(key)
        if key == "avg_days_to_close":
            return self.avg_days_to_close
        if key == "carried_over_correction":  # older snapshots were frozen without it
            return self.counts.get(key)
        head, _, rest = key.partition(".")
        if head in self.breakdowns and rest:
            return self.breakdowns[head].get(rest, 0)
        return self.counts[key]

    # ---- the §5 JSON ----
    def _plain(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in _ORDER:
            if key in _NESTED:
                out[key] = {part: self.counts[f"{key}.{part}"] for part in _NESTED[key]}
            elif key in self.breakdowns:
                out[key] = dict(self.breakdowns[key])
            else:
                out[key] = self.value(key)
        return out

    def to_json(self) -> dict[str, Any]:
        """Exactly the §5 keys and nesting; rates as fractions or None; with "yoy"."""
        out = self._plain()
        out["yoy"] = self.yoy()
        return out

    def yoy(self) -> dict[str, Any]:
        """{key: {this, last, change}} per count and rate; nested keys nest (yoy.visits.batches)."""
        if self.last is None:
            return {}
        this, last = self._plain(), self.last._plain()
        out: dict[str, Any] = {}
        for key in _ORDER:
            if key in _NO_YOY:
                continue
            if isinstance(this[key], dict):
                parts = list(dict.fromkeys([*this[key], *last[key]]))
                out[key] = {p: change(this[key].get(p, 0), last[key].get(p, 0)) for p in parts}
            else:
                out[key] = change(this[key], last[key], is_rate=key in RATES)
        return out


def change(this: float | None, last: float | None, is_rate: bool = False) -> dict[str, Any]:
    """§5 同比: a count changes by (this − last) / last (None when last is 0); a rate by
    this − last (None when either is None). The average days to close follow the count rule."""
    delta: float | None
    if is_rate:
        delta = None if this is None or last is None else this - last
    else:
        delta = None if this is None or not last else (this - last) / last
    return {"this": this, "last": last, "change": delta}
