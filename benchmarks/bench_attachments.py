"""Issue 18 figures: backup time with 5,000 attachments (1 GB in total), first and second time.

uv run python benchmarks/bench_attachments.py [--files 5000] [--total-mb 1024] [--dir DIR]

1. a fresh database in DIR (default /tmp/xinfang-bench-attach, its own folder: the schema has
   the attachments table, other engineers' /tmp/xinfang-bench caches are left alone) with 100
   cases and `--files` attachments of random bytes (`--total-mb` in all) in the store;
2. `make_backup` into an empty folder: every file copied, flushed, hashed and renamed;
3. `make_backup` again: nothing new, so nothing is copied (the figure to watch);
4. ten new files, then a third backup: only those are copied;
5. a restore into a new data folder (every file hashed before the database goes in).
Not part of pytest. Needs about 3 × `--total-mb` of free disk.
"""

import argparse
import datetime as dt
import io
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import clock, paths  # noqa: E402
from app.attachments.service import store_for  # noqa: E402
from app.bootstrap import open_database  # noqa: E402
from app.cases.intake import CaseInput  # noqa: E402
from app.cases.service import CaseService  # noqa: E402
from app.models import Attachment  # noqa: E402
from app.safety import backup  # noqa: E402
from app.safety.auth import ADMIN, CurrentUser  # noqa: E402

USER = CurrentUser("基准", "基准", ADMIN)


def _timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    took = time.perf_counter() - start
    print(f"{label}: {took:.2f} s")
    return result, took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--total-mb", type=int, default=1024)
    ap.add_argument("--dir", default="/tmp/xinfang-bench-attach")
    args = ap.parse_args()
    base = Path(args.dir)
    shutil.rmtree(base, ignore_errors=True)
    data = base / "data"
    paths.set_data_dir(data)
    db = open_database(paths.database_path())
    cases = CaseService(db, USER)
    numbers = [
        cases.create(
            CaseInput(
                received_on=dt.date(2025, 3, 1 + i % 28),
                form="来信",
                name=f"基准{i}",
                summary="附件基准",
                category="其他",
                nature="申诉求决类",
            )
        ).id
        for i in range(100)
    ]
    size = args.total_mb * 1_048_576 // args.files
    store = store_for(db.path)

    def fill(count: int, offset: int) -> None:
        rows = []
        for i in range(count):
            stored = store.put(io.BytesIO(os.urandom(size)))
            rows.append(
                Attachment(
                    case_id=numbers[(offset + i) % len(numbers)],
                    sha256=stored.sha256,
                    size=stored.size,
                    name=f"扫描{offset + i}.jpg",
                    kind="来信原件",
                    added_by="基准",
                    added_at=clock.now(),
                )
            )
        with db.session() as s:
            s.add_all(rows)

    _timed(f"准备：{args.files} 个附件，每个 {size / 1024:.0f} KB", lambda: fill(args.files, 0))
    folder = base / "备份"
    now = dt.datetime(2025, 12, 31, 18, 0)
    first, t1 = _timed("第一次备份", lambda: backup.make_backup(db, folder=folder, now=now))
    print(f"  复制 {first.files_copied} 个文件，{first.bytes_copied / 1_048_576:.0f} MB")
    later = now + dt.timedelta(minutes=1)
    second, t2 = _timed(
        "第二次备份（无新附件）", lambda: backup.make_backup(db, folder=folder, now=later)
    )
    print(f"  复制 {second.files_copied} 个文件")
    fill(10, args.files)
    last = now + dt.timedelta(minutes=2)
    third, t3 = _timed(
        "第三次备份（新增 10 个）", lambda: backup.make_backup(db, folder=folder, now=last)
    )
    print(f"  复制 {third.files_copied} 个文件，{third.bytes_copied / 1_048_576:.1f} MB")
    target = base / "新电脑" / "xinfang.sqlite3"
    target.parent.mkdir(parents=True)
    db.close()
    _timed(
        "恢复到新的数据文件夹（先逐个校验）", lambda: backup.restore(target, third.path, now=last)
    )
    print(
        f"结果：第一次 {t1:.1f} s（{first.bytes_copied / 1_048_576 / t1:.0f} MB/s），"
        f"第二次 {t2:.2f} s，第三次 {t3:.2f} s"
    )


if __name__ == "__main__":
    main()
