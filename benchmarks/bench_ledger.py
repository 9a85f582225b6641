"""Ledger export/import at scale: `uv run python benchmarks/bench_ledger.py [--cases 100000]`.

Prints: export of every case (with and without the 统计 sheet) against a bare openpyxl
write-only dump of the same rows in the same run (target ≤ 1.3×); a 10,000-row ledger imported
into an empty database, dry run included (target ≤ 10 s); peak Python memory of each
(tracemalloc, measured in separate runs so it does not slow the timed ones).
"""

import argparse
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.bootstrap import open_database  # noqa: E402
from app.cases.search import CaseFilter  # noqa: E402
from app.cases.validation import check_id_number  # noqa: E402
from app.db import Database  # noqa: E402
from app.errors import DomainError  # noqa: E402
from app.ledger.export import _QUERY_COLUMNS, export_ledger, ledger_values  # noqa: E402
from app.ledger.importing import dry_run, import_ledger  # noqa: E402
from app.ledger.values import COLUMNS  # noqa: E402
from app.models import Case, Petitioner  # noqa: E402
from benchmarks.common import bench_db, load  # noqa: E402


def bare_dump(db: Database, out: Path) -> int:
    """The floor: the same rows from SQLite straight into a write-only sheet, no formatting."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append([c.title for c in COLUMNS])
    query = (
        select(*_QUERY_COLUMNS)
        .select_from(Case)
        .outerjoin(Petitioner, Case.petitioner_id == Petitioner.id)
        .where(Case.voided.is_(False))
        .order_by(Case.received_on, Case.id)
        .execution_options(yield_per=2000)
    )
    n = 0
    with db.read() as s:
        for r in s.execute(query):
            n += 1
            ws.append([n, *r[:24]])
    wb.save(out)
    return n


def import_ledger_file(db: Database, out: Path, rows: int) -> int:
    """A ledger of the `rows` newest cases; IDs python-stdnum rejects are left blank (the demo
    generator's area codes predate some birth years, see the report)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append([c.title for c in COLUMNS])
    query = (
        select(*_QUERY_COLUMNS)
        .select_from(Case)
        .outerjoin(Petitioner, Case.petitioner_id == Petitioner.id)
        .where(Case.voided.is_(False))
        .order_by(Case.received_on.desc(), Case.id.desc())
        .limit(rows)
    )
    blanked = 0
    with db.read() as s:
        for n, r in enumerate(s.execute(query), start=1):
            values = [n, *ledger_values(r, mask=False)]
            if values[6]:
                try:
                    check_id_number(values[6])
                except DomainError:
                    values[6] = None
                    blanked += 1
            ws.append(values)
    wb.save(out)
    return blanked


def peak(fn: Callable[[], object]) -> tuple[float, float]:
    """(seconds, peak MiB) of one call under tracemalloc."""
    tracemalloc.start()
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, top / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    db, figures = bench_db(args.cases)
    work = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    print(f"数据库：{args.cases} 件 {figures}；{load()}")
    try:
        # ---- export, timed runs (bare first, then ours, alternating twice; best of each) ----
        bare, ours, ours_stats = [], [], []
        for _ in range(2):
            t = time.perf_counter()
            n = bare_dump(db, work / "bare.xlsx")
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            export_ledger(db, CaseFilter(), work / "ours.xlsx", with_stats=False)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            result = export_ledger(db, CaseFilter(), work / "ours_stats.xlsx")
            ours_stats.append(time.perf_counter() - t)
        b, o, os_ = min(bare), min(ours), min(ours_stats)
        print(
            f"导出 {n} 行：裸写 {b:.2f} s；台账（格式、超期标色，无统计表）{o:.2f} s = "
            f"{o / b:.2f}×；含统计表 {os_:.2f} s = {os_ / b:.2f}×（目标 ≤ 1.3×）"
        )
        print(
            f"  超期行 {result.overdue}；文件 {(work / 'ours_stats.xlsx').stat().st_size / 1e6:.1f}"
            " MB"
        )
        _, mem_bare = peak(lambda: bare_dump(db, work / "bare.xlsx"))
        _, mem_ours = peak(lambda: export_ledger(db, CaseFilter(), work / "ours_stats.xlsx"))
        print(
            f"  峰值内存（tracemalloc）：裸写 {mem_bare:.1f} MiB，台账含统计表 {mem_ours:.1f} MiB"
        )

        # ---- import of a 10,000-row ledger into an empty database ----
        ledger = work / "import.xlsx"
        blanked = import_ledger_file(db, ledger, args.import_rows)
        target = open_database(work / "empty" / "xinfang.sqlite3")
        t = time.perf_counter()
        _, plan = dry_run(target, ledger)
        t_dry = time.perf_counter() - t
        t = time.perf_counter()
        imported = import_ledger(target, plan, user="bench", source=ledger.name)
        t_write = time.perf_counter() - t
        print(
            f"导入 {args.import_rows} 行（{blanked} 个身份证号留空）：检查 {t_dry:.2f} s + 写入 "
            f"{t_write:.2f} s = {t_dry + t_write:.2f} s（目标 ≤ 10 s）；新增 {imported.created} "
            f"件，错误 {len(plan.errors)}，提示 {len(plan.problems) - len(plan.errors)}"
        )
        target.close()
        shutil.rmtree(work / "empty")
        target = open_database(work / "empty" / "xinfang.sqlite3")

        def both() -> None:
            _, p = dry_run(target, ledger)
            import_ledger(target, p)

        _, mem_import = peak(both)
        print(f"  峰值内存（tracemalloc，检查+写入）：{mem_import:.1f} MiB")
        target.close()
        print(load())
    finally:
        db.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
