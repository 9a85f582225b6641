"""Crash safety: kill the writing process (SIGKILL) in the middle of a burst of writes, many
times. Afterwards the database opens, passes integrity_check, holds every case whose write was
acknowledged (printed after its commit returned), and no case is half-written.

`benchmarks/fault_kill.py` runs the same with more kills.
"""

import datetime as dt
import os
import random
import select
import signal
import sqlite3
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from accounts import TESTER, account
from factories import case_input

from app.bootstrap import open_database
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")

KILLS = int(os.environ.get("XINFANG_FAULT_KILLS", "30"))


def _writer(path: Path, ack_fd: int, seed: int) -> None:
    """The child: registers cases (and handles some) as fast as it can, acknowledging each
    one on the pipe only after its transaction committed."""
    from app.cases.service import CaseService

    rng = random.Random(seed)
    service = CaseService(Database(path), account("断电测试"))
    while True:
        created = service.create(
            case_input(
                received_on=dt.date(2025, 12, rng.randint(1, 30)),
                form=rng.choice(["来信", "来访", "来电", "网上"]),
                name=rng.choice(["张三", "李四", "王五", "赵六"]) + str(rng.randint(1, 999)),
                persons=rng.randint(1, 8),
                summary="反映问题" * rng.randint(1, 40),
            )
        )
        acked = created.number
        if rng.random() < 0.3:  # a second transaction on the same case
            service.act(created.number, "受理", dt.date(2025, 12, 31))
            acked += " 受理"
        os.write(ack_fd, (acked + "\n").encode())


@dataclass
class FaultResult:
    kills: int
    acknowledged: dict[str, bool]  # 编号 → whether 受理 was acknowledged too
    seconds: float


def run_kills(path: Path, kills: int, seed: int = 7) -> FaultResult:
    rng = random.Random(seed)
    acknowledged: dict[str, bool] = {}
    started = time.perf_counter()
    for round_no in range(kills):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns into pytest
            try:
                os.close(read_fd)
                _writer(path, write_fd, seed * 1000 + round_no)
            except BaseException:
                traceback.print_exc()  # shows up as a round with no acks
            finally:
                os._exit(0)
        os.close(write_fd)
        buffer = b""
        # Kill at a random moment once writing is under way (the first ack shows it is).
        deadline = None
        while True:
            ready, _, _ = select.select([read_fd], [], [], 0.01)
            if ready:
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    break
                buffer += chunk
                if deadline is None:
                    deadline = time.perf_counter() + rng.uniform(0.0, 0.25)
            if deadline is not None and time.perf_counter() >= deadline:
                os.kill(pid, signal.SIGKILL)
                break
        os.waitpid(pid, 0)
        while chunk := os.read(read_fd, 65536):  # acks written before the kill
            buffer += chunk
        os.close(read_fd)
        for line in buffer.decode().split("\n")[:-1]:  # a torn last line is not an ack
            number, _, action = line.partition(" ")
            acknowledged[number] = acknowledged.get(number, False) or action == "受理"
    return FaultResult(kills, acknowledged, time.perf_counter() - started)


def check_database(path: Path, result: FaultResult) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = dict(conn.execute("SELECT number, status FROM cases").fetchall())
        missing = [n for n in result.acknowledged if n not in stored]
        assert not missing, f"acknowledged but lost: {missing[:10]}"
        lost_action = [
            n for n, acted in result.acknowledged.items() if acted and stored[n] != "办理中"
        ]
        assert not lost_action, f"受理 acknowledged but lost: {lost_action[:10]}"
        # All or nothing: every stored case has its 登记 event and its audit entry.
        half = conn.execute(
            "SELECT count(*) FROM cases c WHERE NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.case_id = c.id AND e.kind = '登记') OR NOT EXISTS "
            "(SELECT 1 FROM audit_log a WHERE a.entity_id = c.number AND a.action = '登记')"
        ).fetchone()[0]
        assert half == 0
        # 编号 are never reused: sequence numbers are dense up to the last one.
        seqs = sorted(int(n.rsplit("-", 1)[1]) for n in stored)
        assert seqs == list(range(1, len(seqs) + 1))
        return {"stored": len(stored), "acknowledged": len(result.acknowledged)}
    finally:
        conn.close()


def test_sigkill_during_writes_loses_no_acknowledged_case(db: Database) -> None:
    db.close()
    result = run_kills(db.path, KILLS)
    figures = check_database(db.path, result)
    print(f"\nfault test: {KILLS} kills, {figures} in {result.seconds:.1f} s", file=sys.stderr)
    assert figures["acknowledged"] >= KILLS  # every round wrote something before its kill
    reopened = open_database(db.path)  # the program starts normally on it
    assert CaseService(reopened, TESTER).count(CaseFilter(include_voided=True)) == figures["stored"]
    reopened.close()
