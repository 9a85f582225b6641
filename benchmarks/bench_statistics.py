"""Statistics at 100,000 cases: a year's full §5 figures with 同比, against a raw SQLite GROUP BY.

    uv run python benchmarks/bench_statistics.py [--skip-dense]

Two cached demo databases (generated once, ~1–2 min each, kept under $XINFANG_BENCH_CACHE or
/tmp/xinfang-bench):
- "spread": 100,000 cases over ten years (~10,000 a year, a county 信访局);
- "dense": 100,000 cases over three years (~33,000 a year, beyond any county; the worst case).
For each: the median of `StatisticsService.compute` for the last full year (with 同比, i.e. two
years of figures), the same with the dashboard's workload, a drill-down, and — in the same run —
a plain sqlite3 `SELECT form, COUNT(*) … GROUP BY form` over the same year, and their ratio.
Timings move with the machine's load, printed beside them.
"""

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import clock  # noqa: E402
from app.bootstrap import open_database  # noqa: E402
from app.cases import demo
from app.db import Database  # noqa: E402
from app.safety import auth  # noqa: E402
from app.stats.service import StatisticsService  # noqa: E402
from benchmarks.common import CACHE, TODAY, bench_db, load, timed  # noqa: E402

TARGET_MS = 300
YEAR = TODAY.year - 1
PERIOD = (dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))


def dense_db() -> Database:
    """100,000 cases received in the last three years."""
    clock.set_today(TODAY)
    path = CACHE / "100000-dense" / "xinfang.sqlite3"
    if not path.exists():
        tmp = path.parent.with_name("100000-dense.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        db = open_database(tmp / "xinfang.sqlite3")
        print(
            "generating the dense database "
            f"({demo.generate(db, 100_000, seed=7, years=(TODAY.year - 2, TODAY.year)).seconds:.0f}"
            " s)"
        )
        db.close()
        tmp.rename(path.parent)
    return open_database(path)


def raw_group_by(path: Path) -> float:
    conn = sqlite3.connect(path)
    sql = (
        "SELECT form, COUNT(*) FROM cases"
        " WHERE received_on BETWEEN ? AND ? AND voided = 0 GROUP BY form"
    )
    args = tuple(d.isoformat() for d in PERIOD)
    try:
        return timed(lambda: conn.execute(sql, args).fetchall(), repeat=9)
    finally:
        conn.close()


def run(name: str, db: Database) -> dict[str, object]:
    service = StatisticsService(db, auth.SYSTEM)
    full = timed(lambda: service.compute(*PERIOD), repeat=7)
    dashboard = timed(lambda: service.compute(*PERIOD, workload=True), repeat=5)
    drill = timed(lambda: service.case_ids("on_time_closure_rate.missed", *PERIOD), repeat=5)
    raw = raw_group_by(db.path)
    stats = service.compute(*PERIOD)
    figures = {k: v for k, v in stats.to_json().items() if k != "yoy" and not k.startswith("by_")}
    result = {
        "database": name,
        "cases_in_year": stats.counts["total"],
        "year_stats_with_yoy_ms": round(full, 1),
        "with_dashboard_workload_ms": round(dashboard, 1),
        "drill_down_ms": round(drill, 1),
        "raw_group_by_ms": round(raw, 2),
        "ratio_to_raw_group_by": round(full / raw, 1),
        "target_ms": TARGET_MS,
        "within_target": full <= TARGET_MS,
        "load": load(),
    }
    print(json.dumps(result, ensure_ascii=False))
    print(f"  {YEAR} figures: " + json.dumps(figures, ensure_ascii=False))
    num, den = stats.ratio("on_time_closure_rate")
    print(f"  按期办结 {den}件中{num}件; 同比 total: {stats.to_json()['yoy']['total']}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-dense", action="store_true", help="only the ten-year database")
    args = parser.parse_args()
    db, _ = bench_db(100_000)
    results = [run("spread: 100,000 cases over ten years", db)]
    db.close()
    if not args.skip_dense:
        db = dense_db()
        results.append(run("dense: 100,000 cases over three years", db))
        db.close()
    return 0 if all(r["within_target"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
