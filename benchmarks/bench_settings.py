"""Issue 6 (设置) figures at 100,000 cases: a limit change, a holiday, a rename, the 集体访
threshold.

Each runs in one transaction on a copy of the cached demo database, including the commit.
`--orm` also times the ORM loop that `workflow.reproject_all` used before (slow: ~1.5 minutes).

uv run python benchmarks/bench_settings.py [--cases 100000] [--orm]
"""

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

from common import bench_db, load
from sqlalchemy import select

from app.cases import projection
from app.cases.projection import PROJECTED
from app.db import Database
from app.models import Case
from app.office import settings
from app.office.service import OfficeService
from app.safety import auth


def seconds(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return round(time.perf_counter() - started, 2)


def orm_loop(db: Database) -> None:
    """The replaced implementation, for the ratio (rolled back)."""
    with db.read() as s:
        cfg, cal = settings.get_all(s), projection.work_calendar(s)
        for case in s.scalars(select(Case)):
            projection.project(case, list(case.events), cfg, cal)
        s.rollback()


def sample_agrees(db: Database, every: int = 50) -> bool:
    """Every 50th case: the stored projection equals what project() computes from its events."""
    with db.read() as s:
        cfg, cal = settings.get_all(s), projection.work_calendar(s)
        for case in s.scalars(select(Case).where(Case.id % every == 0)):
            stored = [getattr(case, n) for n in PROJECTED]
            projection.project(case, list(case.events), cfg, cal)
            if [getattr(case, n) for n in PROJECTED] != stored:
                return False
        s.rollback()
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--orm", action="store_true")
    args = parser.parse_args()
    source, _figures = bench_db(args.cases)
    source.close()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "xinfang.sqlite3"
        shutil.copy(source.path, path)
        db = Database(path)
        office = OfficeService(db, auth.CurrentUser("基准测试", "基准测试", auth.ADMIN))
        figures: dict[str, object] = {"cases": args.cases}
        figures["handling_days_60_to_45_s"] = seconds(
            lambda: office.update_settings({"handling_days": 45})
        )
        figures["working_days_on_s"] = seconds(
            lambda: office.update_settings({"working_days": True})
        )
        figures["holiday_added_s"] = seconds(
            lambda: office.put_holidays(dt.date(2027, 1, 1), dt.date(2027, 1, 3), True, "元旦")
        )
        figures["npc_months_3_to_4_s"] = seconds(lambda: office.update_settings({"npc_months": 4}))
        figures["rename_category_s"] = seconds(
            lambda: office.rename_value("category", "农村农业", "农业农村")
        )
        figures["collective_threshold_s"] = seconds(
            lambda: office.update_settings({"collective_threshold": 3})
        )
        figures["sample_agrees_with_project"] = sample_agrees(db)
        if args.orm:
            figures["orm_loop_s"] = seconds(lambda: orm_loop(db))
        db.close()
    figures["load"] = load()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
