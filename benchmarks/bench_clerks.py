"""Issue 20 "must show": several clerks at once against one PostgreSQL server.

    uv run python benchmarks/bench_clerks.py                       # throwaway cluster, 5 × 60 s
    uv run python benchmarks/bench_clerks.py --clerks 5 --seconds 60 \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres

`--database-url` names an account that may CREATE DATABASE: the run gets a database of its own
(`xinfang_clerks_<pid>`, dropped afterwards unless `--keep`), migrated and seeded with demo
cases. Without it a throwaway cluster is started (initdb + pg_ctl, as the `postgres` user when
run as root, like .ci/pg_suite.sh) and removed at the end.

Each clerk is a process with its own program (Database) and account, doing for `--seconds`:
登记 (intake), 办理 (受理/交办/答复/回访/办结/催办 on a random open case, with the version its
detail showed), 查找 (a search page and its count) and deliberate stale saves: it reads a case,
a colleague (a second program in the same process, another account) changes it, and it then
saves — an action or an edit — with the old version, which must be refused with the message.

At the end it checks and prints: writes attempted and committed; lost writes (every committed
登记's case and every committed step's event, found by a token only that write carried); no
refused write left anything (its token is nowhere); duplicate and skipped 编号 of the run; every
stale save refused with the message; the audit chain; latency percentiles per operation.
"""

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import audit, clock  # noqa: E402
from app.cases import demo  # noqa: E402
from app.cases.intake import CaseInput, pinyin_keys  # noqa: E402
from app.cases.search import CaseFilter  # noqa: E402
from app.cases.service import CaseService  # noqa: E402
from app.cases.versions import StaleCase  # noqa: E402
from app.db import Database  # noqa: E402
from app.errors import DomainError  # noqa: E402
from app.models import Case, Event, NumberCounter  # noqa: E402
from app.safety.auth import ADMIN, CurrentUser  # noqa: E402

STALE = re.compile(r"^此件已被(.+)于(\d{4}-\d\d-\d\d \d\d:\d\d)修改，请刷新后再办理。$")
# The mix of what a clerk does, by weight.
MIX = {"intake": 25, "act": 35, "search": 30, "stale": 10}
OPEN = ("待受理", "办理中", "已答复")
SEARCHES = ("张", "王", "zs", "lm", "土地", "工资", "拆迁", "物业", "13", "镇政府")
CATEGORIES = ("农村农业", "城乡建设", "劳动和社会保障", "环境保护", "政法")
# The step to take from each status (and what it needs); 催办 fits every open case.
STEPS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "待受理": [("受理", {}), ("交办", {"to": "镇政府"})],
    "办理中": [("答复", {"result": "支持"}), ("催办", {})],
    "已答复": [("回访", {"rating": "满意"}), ("办结", {})],
}


# --- the server ------------------------------------------------------------------------------
def _pg_bin() -> Path:
    for d in [*sorted(Path("/usr/lib/postgresql").glob("*/bin")), Path("/usr/local/bin")]:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise SystemExit("没有找到 PostgreSQL（initdb）；请用 --database-url 指定服务器。")


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A cluster of its own on a free local port, as .ci/pg_suite.sh starts one."""
    bin_dir = _pg_bin()
    work = Path(tempfile.mkdtemp(prefix="xinfang-clerks-pg-"))
    as_root = os.geteuid() == 0
    work.chmod(0o755)
    if as_root:
        shutil.chown(work, "postgres")

    def run(*cmd: str) -> None:
        line = " ".join(f"'{c}'" for c in cmd)
        full = ["su", "postgres", "-s", "/bin/sh", "-c", line] if as_root else ["sh", "-c", line]
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = work / "data"
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C.UTF-8")  # fmt: skip
    opts = f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c max_connections=200"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(work / "log"), "-w", "-o", opts,
        "start")  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def run_database(admin_url: str, keep: bool) -> Iterator[str]:
    base = make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"xinfang_clerks_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


# --- one clerk ---------------------------------------------------------------------------------
class Clerk:
    def __init__(self, url: str, index: int, seed: int) -> None:
        self.index = index
        self.rng = random.Random(seed * 1000 + index)
        self.db = Database(url)
        self.cases = CaseService(self.db, CurrentUser(f"clerk{index}", f"办事员{index}", ADMIN))
        # The colleague who changes a case under the clerk's feet: another program and account.
        self.colleague_db = Database(url)
        self.colleague = CaseService(
            self.colleague_db, CurrentUser(f"colleague{index}", f"同事{index}", ADMIN)
        )
        self.n = 0
        self.open_ids: list[int] = []
        self.log: dict[str, Any] = {
            "latency": {},  # operation → [ms]
            "intakes": [],  # [id, number, token]
            "actions": [],  # [case_id, seq, kind, token]
            "refused_tokens": [],  # tokens of writes that were refused: must be nowhere
            "stale": {"deliberate": 0, "refused_with_message": 0, "accepted": 0, "bad_message": []},
            "natural_stale": 0,  # a real conflict between two clerks on one case
            "domain_refusals": {},  # message → count (rules, not concurrency)
            "errors": [],  # anything else: must stay empty
        }

    def token(self) -> str:
        self.n += 1
        return f"bench-{self.index}-{self.n}"

    def timed(self, op: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return fn()
        finally:
            ms = (time.perf_counter() - started) * 1000
            self.log["latency"].setdefault(op, []).append(round(ms, 3))

    def pick_open(self) -> int | None:
        if not self.open_ids or self.rng.random() < 0.05:
            with self.db.read() as s:
                self.open_ids = list(
                    s.scalars(
                        select(Case.id)
                        .where(Case.status.in_(OPEN), Case.voided.is_(False))
                        .order_by(func.random())
                        .limit(300)
                    )
                )
        return self.rng.choice(self.open_ids) if self.open_ids else None

    def intake(self) -> None:
        token = self.token()
        data = CaseInput(
            received_on=clock.today(),
            form=self.rng.choice(["来信", "来访", "来电", "网上"]),
            name=self.rng.choice(demo.SURNAMES) + self.rng.choice(demo.GIVEN),
            phone=f"139{self.rng.randrange(10**8):08d}",
            summary=f"反映{self.rng.choice(['土地承包', '拖欠工资', '物业管理', '噪声扰民'])}问题",
            category=self.rng.choice(CATEGORIES),
            nature="申诉求决类",
            remark=token,
        )
        created = self.timed("intake", lambda: self.cases.create(data))
        self.log["intakes"].append([created.id, created.number, token])
        self.open_ids.append(created.id)

    def _step(self, status: str, token: str) -> tuple[str, dict[str, str]]:
        action, data = self.rng.choice(STEPS.get(status, [("催办", {})]))
        return action, {**data, "note": token}

    def act(self) -> None:
        case_id = self.pick_open()
        if case_id is None:
            return self.intake()
        detail = self.timed("detail", lambda: self.cases.detail(case_id))
        if detail.status not in STEPS:
            self.open_ids = [i for i in self.open_ids if i != case_id]
            return None
        token = self.token()
        action, data = self._step(detail.status, token)
        try:
            after = self.timed(
                "act", lambda: self.cases.act(case_id, action, None, data, detail.version)
            )
        except StaleCase as exc:  # another clerk got there first: the GUI refreshes
            self.log["natural_stale"] += 1
            self.log["refused_tokens"].append(token)
            if not STALE.match(exc.message):
                self.log["stale"]["bad_message"].append(exc.message)
            return None
        except DomainError as exc:
            self.log["refused_tokens"].append(token)
            refusals = self.log["domain_refusals"]
            refusals[exc.message] = refusals.get(exc.message, 0) + 1
            return None
        last = after.events[-1]
        self.log["actions"].append([case_id, last.seq, last.kind, token])
        return None

    def search(self) -> None:
        f = CaseFilter(text=self.rng.choice(SEARCHES))
        self.timed("search", lambda: (self.cases.count(f), self.cases.page(f, 0, 50)))

    def stale(self) -> None:
        """The clerk reads a case, the colleague changes it, the clerk saves the old page."""
        case_id = self.pick_open()
        if case_id is None:
            return
        seen = self.cases.detail(case_id)
        if seen.status not in STEPS:
            return
        between = self.token()
        action, step = self._step(seen.status, between)
        try:
            after = self.colleague.act(case_id, action, None, step, seen.version)
        except DomainError:  # a third clerk was quicker still (or a rule): another time
            self.log["refused_tokens"].append(between)
            return
        last = after.events[-1]
        self.log["actions"].append([case_id, last.seq, last.kind, between])
        token = self.token()
        self.log["stale"]["deliberate"] += 1
        self.log["refused_tokens"].append(token)
        try:
            if self.rng.random() < 0.5:
                data = seen.input
                data.remark = token
                self.timed("stale_save", lambda: self.cases.edit(case_id, data, seen.version))
            else:
                action, step = self._step(seen.status, token)
                self.timed(
                    "stale_save", lambda: self.cases.act(case_id, action, None, step, seen.version)
                )
        except StaleCase as exc:
            # Names whoever changed the case last: the colleague, or a clerk even quicker.
            m = STALE.match(exc.message)
            if m and re.fullmatch(r"(办事员|同事)\d+", m.group(1)):
                self.log["stale"]["refused_with_message"] += 1
            else:
                self.log["stale"]["bad_message"].append(exc.message)
        except DomainError as exc:
            self.log["stale"]["bad_message"].append(exc.message)
        else:
            self.log["stale"]["accepted"] += 1
            self.log["refused_tokens"].remove(token)

    def run(self, seconds: float) -> dict[str, Any]:
        ops = {"intake": self.intake, "act": self.act, "search": self.search, "stale": self.stale}
        names, weights = list(MIX), list(MIX.values())
        ends = time.monotonic() + seconds
        counts: dict[str, int] = {}
        while time.monotonic() < ends:
            op = self.rng.choices(names, weights)[0]
            counts[op] = counts.get(op, 0) + 1
            try:
                ops[op]()
            except Exception as exc:  # noqa: BLE001 — every unexpected failure is reported
                self.log["errors"].append(f"{op}: {type(exc).__name__}: {exc}"[:300])
        self.log["counts"] = counts
        self.db.close()
        self.colleague_db.close()
        return self.log


def clerk_process(url: str, index: int, seed: int, seconds: float, start: Any, out: str) -> None:
    clock.set_today(TODAY)
    clerk = Clerk(url, index, seed)
    # Warm: pypinyin's dictionaries (~0.3 s on first use) and a pooled connection each, so the
    # figures are of the work, not of a process starting.
    pinyin_keys("张三")
    for service in (clerk.cases, clerk.colleague):
        service.count(CaseFilter(text="张"))
    start.wait()
    log = clerk.run(seconds)
    Path(out).write_text(json.dumps(log, ensure_ascii=False))


# --- checking the end state ----------------------------------------------------------------------
def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    s = sorted(samples)

    def at(p: float) -> float:
        return round(s[min(len(s) - 1, int(p * len(s)))], 1)

    return {"n": len(s), "p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": round(s[-1], 1)}


def verify(url: str, logs: list[dict[str, Any]], counter_before: int, year: int) -> dict[str, Any]:
    db = Database(url)
    intakes = [i for log in logs for i in log["intakes"]]
    actions = [a for log in logs for a in log["actions"]]
    refused = {t for log in logs for t in log["refused_tokens"]}
    with db.read() as s:
        stored_cases = {
            (cid, number): remark
            for cid, number, remark in s.execute(
                select(Case.id, Case.number, Case.remark).where(Case.remark.like("bench-%"))
            )
        }
        lost_intakes = [i for i in intakes if stored_cases.get((i[0], i[1])) != i[2]]
        events = {
            (cid, seq, kind): (data or {}).get("note")
            for cid, seq, kind, data in s.execute(
                select(Event.case_id, Event.seq, Event.kind, Event.data).where(
                    Event.case_id.in_({a[0] for a in actions} or {0})
                )
            )
        }
        lost_actions = [a for a in actions if events.get((a[0], a[1], a[2])) != a[3]]
        # A refused write leaves nothing: its token is in no event and on no case.
        notes = set(events.values()) | set(stored_cases.values())
        leaked = sorted(refused & notes)
        duplicates = s.execute(
            select(Case.number, func.count()).group_by(Case.number).having(func.count() > 1)
        ).all()
        prefix = f"XF{year}-"
        counter_after = s.scalar(
            select(NumberCounter.last).where(
                NumberCounter.prefix == "XF", NumberCounter.year == year
            )
        )
        seqs = sorted(
            int(n.removeprefix(prefix))
            for n in s.scalars(select(Case.number).where(Case.number.like(f"{prefix}%")))
            if int(n.removeprefix(prefix)) > counter_before
        )
        expected = list(range(counter_before + 1, int(counter_after or counter_before) + 1))
        skipped = sorted(set(expected) - set(seqs))
    with db.engine.connect() as conn:
        chain = audit.verify_chain(conn)
    db.close()
    return {
        "lost_intakes": lost_intakes,
        "lost_actions": lost_actions,
        "refused_writes_that_left_something": leaked,
        "duplicate_numbers": [tuple(r) for r in duplicates],
        "numbers_allocated": len(seqs),
        "numbers_committed_intakes": len(intakes),
        "skipped_numbers": skipped,
        "audit_chain": chain or "完整",
    }


TODAY = dt.date(2026, 11, 27)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("XINFANG_BENCH_DATABASE_URL"))
    parser.add_argument("--clerks", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cases", type=int, default=2000, help="demo cases to start from")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the run's database")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    clock.set_today(TODAY)
    with (
        throwaway_cluster() if not args.database_url else _given(args.database_url) as admin,
        run_database(admin, args.keep) as url,
    ):
        print(f"服务器：{make_url(admin).render_as_string(hide_password=True)}", flush=True)
        started = time.perf_counter()
        from app.bootstrap import open_database

        db = open_database(url)
        demo.generate(db, args.cases, seed=args.seed, years=(TODAY.year - 1, TODAY.year))
        with db.read() as s:
            before = s.scalar(
                select(NumberCounter.last).where(
                    NumberCounter.prefix == "XF", NumberCounter.year == TODAY.year
                )
            )
        db.close()
        print(f"演示数据 {args.cases} 件，用时 {time.perf_counter() - started:.1f} 秒", flush=True)
        logs = run_clerks(url, args)
        figures = report(url, logs, int(before or 0), args)
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2))


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


def run_clerks(url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    folder = Path(tempfile.mkdtemp(prefix="xinfang-clerks-"))
    outs = [str(folder / f"clerk{i}.json") for i in range(args.clerks)]
    procs = [
        ctx.Process(target=clerk_process, args=(url, i, args.seed, args.seconds, start, outs[i]))
        for i in range(args.clerks)
    ]
    for p in procs:
        p.start()
    time.sleep(3)  # every clerk's program open and connected
    print(f"{args.clerks} 名办事员同时工作 {args.seconds:.0f} 秒…", flush=True)
    start.set()
    for p in procs:
        p.join(args.seconds + 300)
    logs = [json.loads(Path(o).read_text()) for o in outs if Path(o).exists()]
    shutil.rmtree(folder, ignore_errors=True)
    if len(logs) != args.clerks:
        raise SystemExit(f"只有 {len(logs)} 名办事员的进程正常结束")
    return logs


def report(
    url: str, logs: list[dict[str, Any]], counter_before: int, args: argparse.Namespace
) -> dict[str, Any]:
    checks = verify(url, logs, counter_before, TODAY.year)
    latency: dict[str, list[float]] = {}
    for log in logs:
        for op, samples in log["latency"].items():
            latency.setdefault(op, []).extend(samples)
    stale = {k: sum(log["stale"][k] for log in logs) for k in ("deliberate", "refused_with_message",
                                                              "accepted")}  # fmt: skip
    bad_messages = [m for log in logs for m in log["stale"]["bad_message"]]
    errors = [e for log in logs for e in log["errors"]]
    refusals: dict[str, int] = {}
    for log in logs:
        for m, n in log["domain_refusals"].items():
            refusals[m] = refusals.get(m, 0) + n
    intakes = sum(len(log["intakes"]) for log in logs)
    actions = sum(len(log["actions"]) for log in logs)
    attempted = (
        intakes
        + actions
        + sum(len(log["refused_tokens"]) for log in logs)
        + sum(1 for e in errors if not e.startswith("search"))
    )
    figures = {
        "clerks": args.clerks,
        "seconds": args.seconds,
        "writes_attempted": attempted,
        "writes_committed": intakes + actions,
        "intakes_committed": intakes,
        "actions_committed": actions,
        "natural_conflicts_refused": sum(log["natural_stale"] for log in logs),
        "stale_saves": stale,
        "stale_bad_messages": bad_messages[:5],
        "rule_refusals": refusals,
        "unexpected_errors": errors[:10],
        "unexpected_error_count": len(errors),
        **checks,
        "lost_intakes": len(checks["lost_intakes"]),
        "lost_actions": len(checks["lost_actions"]),
        "latency_ms": {op: percentiles(v) for op, v in sorted(latency.items())},
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    ok = (
        figures["lost_intakes"] == 0
        and figures["lost_actions"] == 0
        and not checks["refused_writes_that_left_something"]
        and not checks["duplicate_numbers"]
        and not checks["skipped_numbers"]
        and checks["numbers_allocated"] == intakes
        and stale["accepted"] == 0
        and stale["refused_with_message"] == stale["deliberate"]
        and not bad_messages
        and not errors
        and checks["audit_chain"] == "完整"
    )
    print("结果：" + ("全部通过" if ok else "有问题（见上）"))
    if not ok:
        raise SystemExit(1)
    return figures


if __name__ == "__main__":
    main()
