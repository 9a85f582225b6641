"""Issue 4 figures at 100,000 cases: the annual report (statistics + render + write) ≤ 1 s.

uv run python benchmarks/bench_reports.py [--cases 100000] [--fresh]
"""

import argparse
import datetime as dt
import json
import tempfile
from pathlib import Path

from common import TODAY, bench_db, load, timed

from app import paths
from app.documents.service import DocumentService
from app.safety import auth

TARGET_MS = 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="regenerate the database")
    args = parser.parse_args()
    db, figures = bench_db(args.cases, fresh=args.fresh)
    out_dir = Path(tempfile.mkdtemp(prefix="xinfang-reports-"))
    paths.set_data_dir(out_dir / "data")  # no office templates: the shipped defaults
    service = DocumentService(db, auth.SYSTEM)
    last_year = (dt.date(TODAY.year - 1, 1, 1), dt.date(TODAY.year - 1, 12, 31))
    all_years = (dt.date(TODAY.year - 9, 1, 1), TODAY)
    runs = {
        "annual_report": ("年度信访工作报告", *last_year),
        "self_check_report": ("信访工作自查报告", *last_year),
        "monthly_table": ("月度统计表", dt.date(TODAY.year, 10, 1), dt.date(TODAY.year, 10, 31)),
        # Every case of the database in one period: the worst case for the statistics.
        "annual_report_all_cases": ("年度信访工作报告", *all_years),
    }
    for key, (name, date_from, date_to) in runs.items():
        out = out_dir / f"{key}.docx"
        figures[key + "_ms"] = timed(
            lambda n=name, f=date_from, t=date_to, o=out: service.report(n, f, t, None, o), repeat=5
        )
    figures["annual_statistics_only_ms"] = timed(lambda: service.statistics(*last_year), repeat=5)
    with db.read() as s:
        from sqlalchemy import func, select

        from app.models import Case

        figures["cases_last_year"] = s.scalar(
            select(func.count()).where(Case.received_on.between(*last_year))
        )
    figures["cases"] = args.cases
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}, ensure_ascii=False, indent=1))
    over = [k for k, v in figures.items() if k.endswith("_ms") and v > TARGET_MS]
    print(
        f"target ≤ {TARGET_MS} ms each; over target: {over or 'none'}; output in {out_dir}; "
        f"{load()}"
    )


if __name__ == "__main__":
    main()
