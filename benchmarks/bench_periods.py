"""Closed periods (issue 19) at 100,000 cases: closing a year, and what the correction check adds
to a write.

    uv run python benchmarks/bench_periods.py [--runs 5]

The demo database (100,000 cases over ten years, cached under $XINFANG_BENCH_CACHE, default
/tmp/xinfang-bench-periods: its schema has the 0008 snapshot tables, so it is kept apart from
the other branches' cache) is copied to a scratch file, then:
1. close the last full year (~10,000 cases) and the whole ten years as one period (all 100,000
   cases in R, the worst case) — each median of --runs closings (reopened between runs, not
   timed). Target ≤ 2 s.
2. a write (register a case today, and 受理 on it) with no closed period, then with 40 closed
   periods (ten years, their quarters): the median difference is the check's cost. Target ≤ 5 ms.
   A write that is refused (a case received inside a closed year) is timed too.
"""

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("XINFANG_BENCH_CACHE", "/tmp/xinfang-bench-periods")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import clock  # noqa: E402
from app.bootstrap import open_database  # noqa: E402
from app.cases import demo  # noqa: E402
from app.cases.intake import CaseInput  # noqa: E402
from app.cases.service import CaseService  # noqa: E402
from app.db import Database  # noqa: E402
from app.periods import guard  # noqa: E402
from app.periods.guard import CorrectionRequired  # noqa: E402
from app.periods.service import PeriodService  # noqa: E402
from app.safety import auth  # noqa: E402
from app.stats import period  # noqa: E402
from benchmarks.common import CACHE, TODAY, bench_db, load  # noqa: E402

CLOSE_TARGET_S = 2.0
CHECK_TARGET_MS = 5.0
ADMIN = auth.CurrentUser("bench", "bench", auth.ADMIN)


def dense_db() -> Database:
    """100,000 cases received in the last three years (as bench_statistics.py's), in this
    benchmark's own cache."""
    clock.set_today(TODAY)
    path = CACHE / "100000-dense" / "xinfang.sqlite3"
    if not path.exists():
        tmp = path.parent.with_name("100000-dense.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        db = open_database(tmp / "xinfang.sqlite3")
        demo.generate(db, 100_000, seed=7, years=(TODAY.year - 2, TODAY.year))
        db.close()
        tmp.rename(path.parent)
    return open_database(path)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def time_close(
    periods: PeriodService, date_from: dt.date, date_to: dt.date, runs: int
) -> tuple[float, int]:
    """(median seconds of closing the period, its total)."""
    samples, total = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        total = periods.close(date_from, date_to).total
        samples.append(time.perf_counter() - started)
        periods.reopen(date_from, date_to, "benchmark")
    return statistics.median(samples), total


# The check itself, timed inside every flush (the write's own timing moves by more than the
# check costs on a loaded machine): Database registers `guard.before_flush` when it is built,
# so the wrapper goes in before the benchmark opens its database.
CHECK_SECONDS: list[float] = []
_real_check = guard.before_flush


def _timed_check(session: Any, context: Any, instances: Any) -> None:
    started = time.perf_counter()
    try:
        _real_check(session, context, instances)
    finally:
        CHECK_SECONDS.append(time.perf_counter() - started)


guard.before_flush = _timed_check


def check_ms_per_write(fn: Any, runs: int) -> float:
    """Median time the check took per write (all its flushes together)."""
    per_write = []
    for i in range(runs):
        CHECK_SECONDS.clear()
        fn(i)
        per_write.append(sum(CHECK_SECONDS))
    return median_ms(per_write)


def case(day: dt.date, n: int) -> CaseInput:
    return CaseInput(
        received_on=day,
        form="来信",
        name=f"测试{n}",
        summary="反映饮水问题",
        category="水利",
        nature="申诉求决类",
    )


def time_writes(cases: CaseService, runs: int, start: int) -> tuple[float, float]:
    """(register, 受理) medians in ms for cases received today (in no closed period)."""
    create, accept = [], []
    for i in range(runs):
        started = time.perf_counter()
        created = cases.create(case(TODAY, start + i))
        create.append(time.perf_counter() - started)
        started = time.perf_counter()
        cases.act(created.number, "受理", TODAY)
        accept.append(time.perf_counter() - started)
    return median_ms(create), median_ms(accept)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write-runs", type=int, default=30)
    parser.add_argument(
        "--dense",
        action="store_true",
        help="100,000 cases over three years instead (~33,000 a year; the worst case)",
    )
    args = parser.parse_args()
    if args.dense:
        cached, figures = dense_db(), {}
        figures["db_mb"] = cached.path.stat().st_size / 1e6
    else:
        cached, figures = bench_db(100_000)
    cached.close()
    scratch = Path(tempfile.mkdtemp(prefix="xinfang-bench-periods-")) / "xinfang.sqlite3"
    shutil.copy(cached.path, scratch)
    db = Database(scratch)
    clock.set_today(TODAY)
    periods, cases = PeriodService(db, ADMIN), CaseService(db, ADMIN)
    print(load())
    spread = "three years" if args.dense else "ten years"
    print(f"database: {figures['db_mb']:.0f} MB, 100,000 cases over {spread}; today {TODAY}")
    try:
        year = period.year_period(TODAY.year - 1)
        close_year, total_year = time_close(periods, *year, args.runs)
        print(
            f"close {year[0].year} ({total_year} cases received in it): {close_year:.2f} s "
            f"(target ≤ {CLOSE_TARGET_S:.0f} s)"
        )
        ten = (dt.date(TODAY.year - (2 if args.dense else 9), 1, 1), TODAY)
        close_all, total_all = time_close(periods, *ten, max(1, args.runs // 2))
        print(
            f"close {ten[0]}–{ten[1]} as one period ({total_all} cases, all of them; beyond "
            f"the target's year): {close_all:.2f} s"
        )

        def register_and_accept(i: int, base: int) -> None:
            created = cases.create(case(TODAY, base + i))
            cases.act(created.number, "受理", TODAY)

        time_writes(cases, 5, 0)  # warm-up
        free = time_writes(cases, args.write_runs, 1000)
        check_free = check_ms_per_write(lambda i: register_and_accept(i, 5000), args.write_runs)
        for y in range(TODAY.year - 10, TODAY.year):
            periods.close(*period.year_period(y))
            for q in range(4):
                periods.close(*period.quarter_period(dt.date(y, 3 * q + 1, 1)))
        closed = len([s for s in periods.list_all() if s.in_force])
        # Closing wrote MBs of snapshots into the WAL: let the first commits after it checkpoint
        # before timing, as the free run had its warm-up.
        time_writes(cases, 10, 1500)
        guarded = time_writes(cases, args.write_runs, 2000)
        check_closed = check_ms_per_write(lambda i: register_and_accept(i, 6000), args.write_runs)
        refused = []
        for i in range(args.write_runs):
            started = time.perf_counter()
            try:
                cases.create(case(dt.date(TODAY.year - 1, 6, 1), 3000 + i))
            except CorrectionRequired:
                refused.append(time.perf_counter() - started)
        print(
            f"register a case: {free[0]:.1f} ms without closed periods, {guarded[0]:.1f} ms with "
            f"{closed} closed (+{guarded[0] - free[0]:.1f} ms); 受理: {free[1]:.1f} → "
            f"{guarded[1]:.1f} ms (+{guarded[1] - free[1]:.1f} ms); target ≤ "
            f"{CHECK_TARGET_MS:.0f} ms added"
        )
        print(
            f"the check itself per write (register + 受理, all flushes): {check_free:.2f} ms "
            f"without closed periods, {check_closed:.2f} ms with {closed} closed "
            f"(target ≤ {CHECK_TARGET_MS:.0f} ms)"
        )
        print(f"a write refused (received inside a closed year): {median_ms(refused):.1f} ms")
        ok = close_year <= CLOSE_TARGET_S and check_closed <= CHECK_TARGET_MS
        print("PASS" if ok else "OVER TARGET")
        return 0 if ok else 1
    finally:
        db.close()
        shutil.rmtree(scratch.parent, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
