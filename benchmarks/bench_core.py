"""Issue 2 figures at 100,000 cases: generation, database size, search and first-page times.

uv run python benchmarks/bench_core.py [--cases 100000] [--fresh]
"""

import argparse
import json

from common import bench_db, load, timed
from sqlalchemy import select

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.models import Case, Petitioner
from app.safety import auth

TARGET_MS = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="regenerate the database")
    args = parser.parse_args()
    db, figures = bench_db(args.cases, fresh=args.fresh)
    service = CaseService(db, auth.SYSTEM)
    # Pick real values from the middle of the data to search for.
    with db.read() as s:
        person = s.execute(
            select(
                Petitioner.name, Petitioner.id_number, Petitioner.phone, Petitioner.name_initials
            )
            .join(Case, Case.petitioner_id == Petitioner.id)
            .where(Petitioner.id_number.is_not(None), Petitioner.name_initials.like("___"))
            .order_by(Petitioner.id)
            .offset(args.cases // 3)
            .limit(1)
        ).one()
    queries = {
        "search_name": CaseFilter(text=person.name),
        "search_id": CaseFilter(text=person.id_number),
        "search_phone": CaseFilter(text=person.phone),
        "search_phone_part": CaseFilter(text=person.phone[-4:]),
        "search_initials": CaseFilter(text=person.name_initials),
        "search_summary": CaseFilter(text="饮用水"),
        "filtered_first_page": CaseFilter(forms=["来访"], categories=["水利"], statuses=["已办结"]),
        "overdue_first_page": CaseFilter(warning="超期"),
        "unfiltered_first_page": CaseFilter(),
    }
    for name, f in queries.items():
        # What the case list does for one keystroke: all matching ids in order (their number is
        # the count), then the rows of the first screen.
        figures[name + "_ms"] = timed(lambda f=f: service.rows_by_id(service.ids(f)[:100]))
        figures[name + "_rows"] = service.count(f)
        # What `xinfang case list` does: a count and one page.
        figures[name + "_cli_ms"] = timed(lambda f=f: (service.count(f), service.page(f, 0, 50)))
    figures["cases"] = args.cases
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}, ensure_ascii=False, indent=1))
    slow = [
        k
        for k, v in figures.items()
        if k.endswith("_ms") and not k.endswith("_cli_ms") and v > TARGET_MS
    ]
    print(f"target ≤ {TARGET_MS} ms each; over target: {slow or 'none'}; {load()}")


if __name__ == "__main__":
    main()
