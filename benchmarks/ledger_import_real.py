"""A real-shaped 10,000-row ledger through the ledger service: `uv run python
benchmarks/ledger_import_real.py [--rows 10000] [--shape c|a|e]`.

Shape c (default) is the 镇街 办理台账 of tests/real_ledgers.py: a merged title, a two-row header
with 信访人基本情况/办理情况 over the real names, a row of column numbers, progress columns that
disagree, mixed date styles, a 合计 row. Shape a is the provincial 信访信息系统 export (23 columns,
header on row 1, statuses as sentences); shape e the district GBK CSV. Prints the seconds of the
dry run and of the import into an empty database (target ≤ 10 s together, issue 13), and how
many rows went in. Writing the sheet is not timed.
"""

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the builders live beside the tests that use them

from real_ledgers import Built, district_csv, provincial_export, town_ledger  # noqa: E402

from app import clock  # noqa: E402
from app.bootstrap import open_database  # noqa: E402
from app.errors import DomainError  # noqa: E402
from app.ledger.service import LedgerService  # noqa: E402
from app.safety.auth import SYSTEM  # noqa: E402
from benchmarks.common import load  # noqa: E402

SHAPES: dict[str, tuple[str, Callable[..., Built]]] = {
    "c": ("镇街办理台账（两行表头）.xlsx", town_ledger),
    "a": ("省信访信息系统导出.xlsx", provincial_export),
    "e": ("区信访台账（GBK）.csv", district_csv),
}
TARGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="c")
    args = parser.parse_args()
    # The builders write 2025 dates up to 31 December; "today" is that day, as in the tests.
    clock.set_today(dt.date(2025, 12, 31))
    work = Path(tempfile.mkdtemp(prefix="bench-ledger-real-"))
    name, build = SHAPES[args.shape]
    try:
        t = time.perf_counter()
        built = build(work / name, rows=args.rows)
        print(
            f"表样 {args.shape}：{name}，{len(built.rows)} 行"
            f"（生成 {time.perf_counter() - t:.1f} s，不计时）；{load()}"
        )
        db = open_database(work / "empty" / "xinfang.sqlite3")
        ledger = LedgerService(db, SYSTEM)
        # The issue's --add-unknown: a provincial export's 一级-二级 categories may be new 二级.
        add_unknown = args.shape == "a"
        t = time.perf_counter()
        try:
            _, plan = ledger.dry_run(built.path, add_unknown=add_unknown)
        except DomainError as exc:
            print(f"检查失败（{time.perf_counter() - t:.2f} s）：{exc.message}")
            return
        t_dry = time.perf_counter() - t
        errors = len(plan.errors)
        t = time.perf_counter()
        result = ledger.import_(plan, built.path.name, skip_bad_rows=True)
        t_write = time.perf_counter() - t
        total = t_dry + t_write
        verdict = "达标" if total <= TARGET_S else "未达标"
        print(
            f"检查 {t_dry:.2f} s + 写入 {t_write:.2f} s = {total:.2f} s（目标 ≤ {TARGET_S:.0f} s，"
            f"{verdict}）"
        )
        print(
            f"  可导入 {len(plan.rows)} 行，新增 {result.created} 件；错误 {errors} 处"
            f"（涉及 {len(plan.bad_rows)} 行，已跳过），提示 {len(plan.problems) - errors} 条"
        )
        if errors:
            print("  前几处错误：")
            for problem in plan.errors[:5]:
                print(f"    {problem.line()}")
        db.close()
        print(load())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
