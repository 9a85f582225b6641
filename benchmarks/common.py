"""Shared benchmark helpers: a cached demo database of N cases, and a timer."""

import datetime as dt
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import clock  # noqa: E402
from app.bootstrap import open_database  # noqa: E402
from app.cases import demo
from app.db import Database  # noqa: E402

# Benchmarks run "as of" a fixed day so figures are comparable between runs.
TODAY = dt.date(2026, 11, 27)
CACHE = Path(os.environ.get("XINFANG_BENCH_CACHE", "/tmp/xinfang-bench"))


def bench_db(
    cases: int = 100_000, seed: int = 1, fresh: bool = False
) -> tuple[Database, dict[str, float]]:
    """A demo database of `cases` cases (generated once, then reused from the cache)."""
    clock.set_today(TODAY)
    folder = CACHE / f"{cases}-{seed}"
    path = folder / "xinfang.sqlite3"
    figures: dict[str, float] = {}
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if not path.exists():
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        db = open_database(tmp / "xinfang.sqlite3")
        result = demo.generate(db, cases, seed=seed, years=(TODAY.year - 9, TODAY.year))
        db.close()
        figures["generate_s"] = result.seconds
        tmp.rename(folder)
    figures["db_mb"] = path.stat().st_size / 1e6
    return open_database(path), figures


def timed(fn: Callable[[], object], repeat: int = 7) -> float:
    """Median wall time of `fn` in milliseconds (one warm-up call first)."""
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def load() -> str:
    return "load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
