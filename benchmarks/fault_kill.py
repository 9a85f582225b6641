"""SIGKILL fault runs with many kills (default 300 in all), in four kinds:

- writes: the test suite's burst of registrations, killed at random moments;
- upgrade: a database at revision 0003 upgraded, killed after a random SQL statement;
- restore: a backup restored over the live database, killed after a random rename, delete
  or fsync (or at a random moment);
- backup: a backup made, killed the same way.

After each kill the next start (`open_database`) must open the database and hold every
acknowledged case (writes), the old or the new data and nothing in between (restore), the
same cases as before (upgrade, backup).

Usage: uv run python benchmarks/fault_kill.py [KILLS]
Prints, per kind and in all: kills, acknowledged cases lost, unopenable databases.
"""

import datetime as dt
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from app import clock, migrate, paths  # noqa: E402
from app.bootstrap import open_database  # noqa: E402
from app.cases.intake import CaseInput  # noqa: E402
from app.cases.service import CaseService  # noqa: E402
from app.db import Database  # noqa: E402
from app.safety import backup  # noqa: E402
from tests.accounts import TESTER  # noqa: E402
from tests.faults import arm_file_calls, arm_sql_statements  # noqa: E402
from tests.test_fault_kill import check_database, run_kills  # noqa: E402


@dataclass
class Tally:
    kills: int = 0
    lost: int = 0  # acknowledged cases missing after the kill
    unopenable: int = 0
    notes: list[str] = field(default_factory=list)


def _cases(path: Path) -> int | None:
    """Cases after the next start, or None when the database cannot be opened."""
    try:
        db = open_database(path)
    except Exception as exc:  # noqa: BLE001 (counted as unopenable, with the reason)
        print(f"  unopenable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    try:
        with db.read() as s:
            return int(s.connection().exec_driver_sql("SELECT count(*) FROM cases").scalar_one())
    finally:
        db.close()


def _kill_child(
    work: Callable[[], None], arm: Callable[[], None] | None, delay: float | None
) -> None:
    pid = os.fork()
    if pid == 0:
        try:
            if arm is not None:
                arm()
            work()
        finally:
            os._exit(0)
    if delay is not None:
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _register(db: Database, n: int, tag: str) -> None:
    service = CaseService(db, TESTER)
    for i in range(n):
        service.create(CaseInput(received_on=dt.date(2025, 12, 1), form="来信", name=f"{tag}{i}"))


def writes(folder: Path, kills: int, tally: Tally) -> Path:
    path = folder / "writes" / paths.DB_FILENAME
    path.parent.mkdir()
    open_database(path).close()
    result = run_kills(path, kills, seed=11)
    try:
        figures = check_database(path, result)
    except AssertionError as exc:
        tally.lost += 1
        tally.notes.append(str(exc)[:200])
        figures = {"acknowledged": len(result.acknowledged)}
    tally.kills += kills
    if _cases(path) is None:
        tally.unopenable += 1
    tally.notes.append(f"acknowledged={figures['acknowledged']} in {result.seconds:.0f} s")
    return path


def upgrade(folder: Path, kills: int, tally: Tally, rng: random.Random) -> None:
    from alembic import command

    old = folder / "old" / paths.DB_FILENAME
    old.parent.mkdir()
    db = open_database(old)
    _register(db, 30, "旧")
    db.close()
    command.downgrade(migrate.alembic_config(old), "0003")
    for k in range(kills):
        work = folder / f"up{k}" / paths.DB_FILENAME
        work.parent.mkdir()
        shutil.copy(old, work)
        after = rng.randint(1, 120)
        _kill_child(lambda w=work: migrate.upgrade(w), lambda n=after: arm_sql_statements(n), None)  # type: ignore[misc]
        tally.kills += 1
        count = _cases(work)
        if count is None:
            tally.unopenable += 1
        elif count != 30:
            tally.lost += 30 - count
        copies = list(paths.backups_dir(work.parent).glob("升级前-*.sqlite3"))
        if len(copies) > 1:
            tally.notes.append(f"kill after statement {after}: {len(copies)} 升级前 copies")
        shutil.rmtree(work.parent)


def restore(folder: Path, live: Path, kills: int, tally: Tally, rng: random.Random) -> None:
    db = Database(live)
    _register(db, 5, "备份前")
    copy = backup.make_backup(db, folder=folder / "bk").path
    _register(db, 5, "备份后")
    db.close()
    for k in range(kills):
        before = _cases(live)
        assert before is not None
        arm, delay = None, None
        if k % 3 == 2:
            delay = rng.uniform(0.0, 0.15)  # a random moment
        else:
            after = rng.randint(1, 14)
            arm = lambda n=after: arm_file_calls(n)  # type: ignore[misc]  # noqa: E731
        _kill_child(lambda: backup.restore(live, copy), arm, delay)
        tally.kills += 1
        count = _cases(live)
        if count is None:
            tally.unopenable += 1
        elif count not in (before, _all_cases(copy)):
            tally.lost += abs(before - count)
            tally.notes.append(f"restore kill {k}: {count} cases, not {before} or the backup's")
        if k % 2 == 1:  # new work after some restores, so the two states differ again
            db = Database(live)
            _register(db, 3, f"恢复后{k}")
            db.close()


def _all_cases(copy: Path) -> int:
    conn = sqlite3.connect(copy)
    try:
        return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    finally:
        conn.close()


def backups(folder: Path, live: Path, kills: int, tally: Tally, rng: random.Random) -> None:
    usb = folder / "usb"
    for k in range(kills):
        before = _cases(live)
        db = Database(live)
        arm, delay = None, None
        if k % 2:
            delay = rng.uniform(0.0, 0.1)
        else:
            after = rng.randint(1, 3)
            arm = lambda n=after: arm_file_calls(n)  # type: ignore[misc]  # noqa: E731
        _kill_child(lambda d=db: backup.make_backup(d, folder=usb), arm, delay)  # type: ignore[misc]
        db.close()
        tally.kills += 1
        count = _cases(live)
        if count is None:
            tally.unopenable += 1
        elif count != before:
            tally.lost += abs((before or 0) - count)
    db = Database(live)
    backup.make_backup(db, folder=usb)  # the next backup cleans what the killed ones left
    db.close()
    left = list(usb.glob("*.tmp"))
    if left:
        tally.notes.append(f"{len(left)} .tmp copies left after the next backup")


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    share = {"writes": total // 2, "upgrade": total // 6, "restore": total // 6}
    share["backup"] = total - sum(share.values())
    clock.set_today(dt.date(2025, 12, 31))
    rng = random.Random(16)
    folder = Path(tempfile.mkdtemp(prefix="xinfang-fault-"))
    paths.set_data_dir(folder / "unused")
    tallies = {kind: Tally() for kind in share}
    started = time.perf_counter()
    try:
        live = writes(folder, share["writes"], tallies["writes"])
        upgrade(folder, share["upgrade"], tallies["upgrade"], rng)
        restore(folder, live, share["restore"], tallies["restore"], rng)
        backups(folder, live, share["backup"], tallies["backup"], rng)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for kind, t in tallies.items():
        notes = ("  " + "; ".join(t.notes[:3])) if t.notes else ""
        print(f"{kind:8} kills={t.kills:4} lost={t.lost} unopenable={t.unopenable}{notes}")
    kills = sum(t.kills for t in tallies.values())
    lost = sum(t.lost for t in tallies.values())
    bad = sum(t.unopenable for t in tallies.values())
    print(
        f"total    kills={kills} acknowledged_lost={lost} unopenable={bad} "
        f"seconds={time.perf_counter() - started:.0f}"
    )


if __name__ == "__main__":
    main()
