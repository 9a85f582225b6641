"""Issue 20 item 3: clerks at the same time — the optimistic version of a case, 编号 and 文号
counters under concurrency, and the computer in the audit log.

Two `Database` objects on one database stand for two clerks' programs. Everything here runs on
SQLite and, with XINFANG_TEST_DATABASE_URL, on PostgreSQL (where the threads really overlap).
"""

import datetime as dt
import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from accounts import account
from factories import case_input
from ledger_builders import write_csv
from sqlalchemy import select, text

from app import audit
from app.cases import intake, links, versions
from app.cases.service import CaseService
from app.cases.supervision_service import SupervisionService
from app.cases.versions import StaleCase
from app.cli import main
from app.db import Database
from app.documents import doc_numbers
from app.ledger.importing import dry_run, import_ledger
from app.models import AuditEntry, Case, CaseLink, Event
from app.safety.auth import ADMIN, CurrentUser

ZHANG = account("zhangsan")
# A display name other than the user name: the message names the person, not the login.
LI = CurrentUser("lisi", "李四", ADMIN)
STALE = re.compile(r"^此件已被李四于(\d{4}-\d\d-\d\d \d\d:\d\d)修改，请刷新后再办理。$")


def other(db: Database) -> Database:
    """A second program on the same database (another clerk's computer)."""
    if db.is_server:
        assert db.url is not None
        return Database(db.url.render_as_string(hide_password=False))
    return Database(db.path)


@pytest.fixture
def clerks(db: Database) -> Iterator[tuple[CaseService, CaseService]]:
    second = other(db)
    yield CaseService(db, ZHANG), CaseService(second, LI)
    second.close()


def snapshot(db: Database, number: str) -> tuple[Any, ...]:
    """The case row, its events and the number of audit rows, as stored."""
    with db.read() as s:
        row = s.execute(text("SELECT * FROM cases WHERE number = :n"), {"n": number}).one()
        events = s.execute(
            select(Event.seq, Event.kind, Event.on, Event.data)
            .join(Case)
            .where(Case.number == number)
            .order_by(Event.seq)
        ).all()
        audits = s.scalar(select(text("count(*)")).select_from(AuditEntry))
    return tuple(row), [tuple(e) for e in events], audits


def test_every_write_raises_the_version(clerks: tuple[CaseService, CaseService]) -> None:
    zhang, _ = clerks
    a = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    b = zhang.create(case_input(dt.date(2025, 12, 2), "来信", name="乙")).number
    assert zhang.detail(a).version == 1
    assert zhang.act(a, "受理", dt.date(2025, 12, 2)).version == 2
    data = zhang.detail(a).input
    data.remark = "已电话联系"
    edited = zhang.edit(a, data, expected_version=2)
    assert edited.version == 3 == zhang.detail(a).version
    # 催办 of the office's own handler changes no projected column: the row is written anyway.
    assert zhang.act(a, "催办", dt.date(2025, 12, 3), {"note": "请抓紧"}).version == 4
    assert zhang.undo_last(a, expected_version=4).version == 5
    links = SupervisionService(zhang.db, ZHANG)
    links.link(a, b)
    assert (zhang.detail(a).version, zhang.detail(b).version) == (6, 2)
    links.unlink(a, b)
    assert (zhang.detail(a).version, zhang.detail(b).version) == (7, 3)
    links.merge(b, a)  # 作废 of b and the link, one transaction: each case once
    assert (zhang.detail(a).version, zhang.detail(b).version) == (8, 4)


@pytest.mark.parametrize("write", ["edit", "act", "undo"])
def test_a_stale_save_is_refused_and_nothing_is_written(
    clerks: tuple[CaseService, CaseService], write: str
) -> None:
    zhang, li = clerks
    number = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    seen = zhang.detail(number)  # 张三's page
    li.act(number, "交办", dt.date(2025, 12, 3), {"to": "镇政府"}, expected_version=seen.version)
    before = snapshot(zhang.db, number)
    with pytest.raises(StaleCase) as refused:
        if write == "edit":
            data = seen.input
            data.summary = "张三改写的摘要"
            zhang.edit(number, data, expected_version=seen.version)
        elif write == "act":
            zhang.act(number, "延期", dt.date(2025, 12, 4), {"reason": "复杂", "approver": "王局长",
                                                               "days": 30},
                      expected_version=seen.version)  # fmt: skip
        else:
            zhang.undo_last(number, expected_version=seen.version)
    assert snapshot(zhang.db, number) == before
    m = STALE.match(refused.value.message)
    assert m, refused.value.message
    with zhang.db.read() as s:
        case = s.scalar(select(Case).where(Case.number == number))
        assert case is not None
        assert m.group(1) == f"{case.updated_at:%Y-%m-%d %H:%M}"
        assert case.updated_by == LI.label
    # After a refresh the same save goes through.
    fresh = zhang.detail(number)
    assert zhang.act(number, "签收", dt.date(2025, 12, 4), expected_version=fresh.version).status


def test_the_command_line_acts_on_the_current_state(
    clerks: tuple[CaseService, CaseService],
) -> None:
    zhang, li = clerks
    number = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    li.act(number, "受理", dt.date(2025, 12, 2))
    # No version given: the step is checked against the case as it is now (受理 by 李四).
    assert zhang.act(number, "答复", dt.date(2025, 12, 3), {"result": "支持"}).status == "已答复"


def test_a_case_changed_before_the_upgrade_names_its_last_audit_entry(
    clerks: tuple[CaseService, CaseService],
) -> None:
    zhang, li = clerks
    number = li.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    seen = zhang.detail(number)
    li.act(number, "受理", dt.date(2025, 12, 2))
    with zhang.db.session() as s:  # as an upgraded database has it: nobody recorded
        s.execute(text("UPDATE cases SET updated_by = NULL WHERE number = :n"), {"n": number})
    with pytest.raises(StaleCase, match=STALE.pattern):
        zhang.act(number, "交办", dt.date(2025, 12, 3), {"to": "镇政府"}, seen.version)


def _race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(0…n-1) on n threads started together; results or exceptions, in order."""
    start = threading.Barrier(n)
    out: list[Any] = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 — collected and asserted on
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_two_saves_from_the_same_version_cannot_both_pass(
    clerks: tuple[CaseService, CaseService], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both clerks saw version 2 and press 确定 at the same moment: one is recorded, the other
    gets the message. On SQLite both pass the version check and the UPDATE's WHERE refuses
    the second; on PostgreSQL the second waits at the row lock and its check refuses it."""
    zhang, li = clerks
    number = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    zhang.act(number, "受理", dt.date(2025, 12, 2))
    seen = zhang.detail(number).version
    passed: list[int] = []
    both = threading.Event()
    check = versions.check

    def slow_check(session: Any, case: Any, expected: int | None) -> None:
        check(session, case, expected)
        passed.append(1)
        if len(passed) == 2:
            both.set()
        both.wait(1.5)  # the other clerk reads meanwhile (or waits for the lock)

    monkeypatch.setattr(versions, "check", slow_check)
    results = _race(
        2,
        lambda i: (zhang, li)[i].act(
            number, "催办", dt.date(2025, 12, 3), {"note": ("张三催办", "李四催办")[i]}, seen
        ),
    )
    refused = [r for r in results if isinstance(r, StaleCase)]
    assert len(refused) == 1, results
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, StaleCase)]
    assert len(passed) == (1 if zhang.db.is_server else 2)
    with zhang.db.read() as s:
        kinds = list(
            s.scalars(
                select(Event.kind).join(Case).where(Case.number == number).order_by(Event.seq)
            )
        )
    assert kinds == ["登记", "受理", "催办"]
    assert zhang.detail(number).version == seen + 1


@pytest.mark.parametrize("year", [2025, 2019])  # 2019: no counter row yet, all insert it at once
def test_numbers_from_many_clerks_are_distinct_and_consecutive(db: Database, year: int) -> None:
    dbs = [other(db) for _ in range(4)]
    try:
        per, threads = 5, len(dbs) * 2

        def register(i: int) -> list[str]:
            cases = CaseService(dbs[i % len(dbs)], account(f"clerk{i}"))
            day = dt.date(year, 3, 1 + i)
            return [
                cases.create(case_input(day, "来访", name=f"人{i}-{k}")).number for k in range(per)
            ]

        results = _race(threads, register)
    finally:
        for d in dbs:
            d.close()
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    numbers = [n for r in results for n in r]
    assert len(numbers) == per * threads
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, per * threads + 1))
    assert all(n.startswith(f"XF{year}-") for n in numbers)


def test_doc_numbers_from_many_clerks_are_distinct_and_consecutive(db: Database) -> None:
    cases = CaseService(db, ZHANG)
    ids = [
        cases.create(case_input(dt.date(2025, 12, 1), "来信", name=f"人{i}")).id for i in range(8)
    ]
    dbs = [other(db) for _ in range(4)]
    try:

        def issue(i: int) -> str:
            with dbs[i % len(dbs)].session() as s:
                # Threads 8…11 print the same document as threads 0…3: one 文号 each.
                return doc_numbers.assign(s, ids[i % 8], "受理告知书", 2, 2025, f"clerk{i}")

        results = _race(12, issue)
    finally:
        for d in dbs:
            d.close()
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert results[8:] == results[:4]
    seqs = sorted(int(re.findall(r"\d+", t)[-1]) for t in set(results))
    assert seqs == list(range(1, 9))


def test_audit_rows_say_from_which_computer(clerks: tuple[CaseService, CaseService]) -> None:
    zhang, _ = clerks
    number = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    zhang.act(number, "受理", dt.date(2025, 12, 2))
    here = audit.computer()
    assert here
    history = zhang.detail(number).history
    assert history and all(h.computer == here for h in history)
    with zhang.db.session() as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.computer.is_(None))) is None
    with zhang.db.engine.connect() as conn:
        assert audit.verify_chain(conn) is None
        # The computer is in the hash: changing it breaks the chain there.
        first = conn.scalar(text("SELECT min(id) FROM audit_log WHERE computer IS NOT NULL"))
        conn.execute(text("UPDATE audit_log SET computer = 'PC-X' WHERE id = :i"), {"i": first})
        assert f"第 {first} 条" in (audit.verify_chain(conn) or "")
        conn.rollback()


def test_case_show_says_who_from_which_computer(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = CaseService(db, ZHANG)
    number = cases.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    cases.act(number, "受理", dt.date(2025, 12, 2))
    assert main(["--data-dir", str(tmp_path), "case", "show", number]) == 0
    out = capsys.readouterr().out
    assert "修改记录（第 2 版）：" in out
    assert re.search(
        rf"zhangsan  \[{re.escape(audit.computer() or '')}\]  受理  status：待受理 → 办理中", out
    )
    assert main(["--data-dir", str(tmp_path), "case", "show", number, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == 2
    assert [(h["action"], h["computer"]) for h in shown["history"]] == [
        ("登记", audit.computer()),
        ("受理", audit.computer()),
    ]


# --- 关联, 合并 and the ledger import: two cases, or many, in one write ----------------------


def _links(db: Database) -> list[tuple[int, int, str]]:
    with db.read() as s:
        rows = s.execute(
            select(CaseLink.case_a_id, CaseLink.case_b_id, CaseLink.kind).order_by(CaseLink.id)
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("write", ["link", "unlink", "merge"])
def test_a_link_or_merge_from_a_stale_page_is_refused_and_nothing_is_written(
    clerks: tuple[CaseService, CaseService], write: str
) -> None:
    """The case page's 关联/取消关联/合并 sends the version it showed, like a 办理 step."""
    zhang, li = clerks
    a = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    b = zhang.create(case_input(dt.date(2025, 12, 2), "来信", name="乙")).number
    linking = SupervisionService(zhang.db, ZHANG)
    if write == "unlink":
        linking.link(a, b)
    seen = zhang.detail(a)  # 张三's page of a
    li.act(a, "交办", dt.date(2025, 12, 3), {"to": "镇政府"}, expected_version=seen.version)
    before = snapshot(zhang.db, a), snapshot(zhang.db, b), _links(zhang.db)

    def attempt(version: int) -> object:
        if write == "link":
            return linking.link(a, b, expected_version=version)
        if write == "unlink":
            return linking.unlink(a, b, expected_version=version)
        return linking.merge(a, b, expected_version=version)

    with pytest.raises(StaleCase) as refused:
        attempt(seen.version)
    assert STALE.match(refused.value.message), refused.value.message
    assert refused.value.who == "李四" and refused.value.current == seen.version + 1
    assert (snapshot(zhang.db, a), snapshot(zhang.db, b), _links(zhang.db)) == before
    # After a refresh the same write goes through.
    attempt(zhang.detail(a).version)
    assert _links(zhang.db) != before[2]


def _after_a_pause(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """`fn` on another thread, waited for 1.5 s: long enough to finish when nothing holds the
    row, so a writer that does not hold it loses the race; one that does goes on meanwhile."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except Exception as exc:  # noqa: BLE001 — asserted on
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(1.5)
    return thread, out


@pytest.mark.parametrize("write", ["link", "merge"])
def test_a_link_or_merge_racing_another_clerk_is_done_on_the_current_state(
    clerks: tuple[CaseService, CaseService], monkeypatch: pytest.MonkeyPatch, write: str
) -> None:
    """No version (the command line): 李四 accepts case b between 张三's load of the two cases
    and his write. The rows are held from the load (PostgreSQL) or claimed before anything is
    written (SQLite), so 李四's step waits for 张三's commit and both land; before, 张三's
    UPDATE found b's version moved and a raw StaleDataError escaped."""
    zhang, li = clerks
    a = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    b = zhang.create(case_input(dt.date(2025, 12, 2), "来信", name="乙")).number
    real = getattr(links, write)
    raced: list[tuple[threading.Thread, list[Any]]] = []

    def racing(*args: Any, **kw: Any) -> Any:
        if not raced:
            raced.append(_after_a_pause(lambda: li.act(b, "受理", dt.date(2025, 12, 3)).status))
        return real(*args, **kw)

    monkeypatch.setattr(links, write, racing)
    linking = SupervisionService(zhang.db, ZHANG)
    if write == "link":
        linking.link(a, b)
    else:
        assert linking.merge(a, b).status == "已作废"
    thread, out = raced[0]
    thread.join(30)
    assert out == ["办理中"]
    kind = "同一事项" if write == "link" else "重复登记"
    assert [k for _, _, k in _links(zhang.db)] == [kind]
    assert zhang.detail(b).version == 3  # 登记, then 张三's and 李四's writes, each once


def _ledger(tmp_path: Path, number: str, summary: str) -> Path:
    rows = [
        ["信访编号", "信访日期", "信访方式", "姓名", "内容摘要"],
        [number, "2025-12-01", "来信", "甲", summary],
    ]
    return write_csv(tmp_path / "台账.csv", rows)


def test_a_ledger_update_racing_another_clerk_is_done_on_the_current_state(
    clerks: tuple[CaseService, CaseService], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The import updating an existing 编号 while 李四 records a step on it: the import holds
    the row from its load, 李四 waits, both land (before: a raw StaleDataError)."""
    zhang, li = clerks
    number = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    _, plan = dry_run(zhang.db, _ledger(tmp_path, number, "台账改写的摘要"), update=True)
    assert not plan.errors and [p.update for p in plan.rows] == [True]
    real = intake.update_case
    raced: list[tuple[threading.Thread, list[Any]]] = []

    def racing(*args: Any, **kw: Any) -> Any:
        if not raced:
            raced.append(_after_a_pause(lambda: li.act(number, "受理", dt.date(2025, 12, 3))))
        return real(*args, **kw)

    monkeypatch.setattr(intake, "update_case", racing)
    assert import_ledger(zhang.db, plan, ZHANG.label).updated == 1
    thread, out = raced[0]
    thread.join(30)
    assert [d.status for d in out] == ["办理中"]
    detail = zhang.detail(number)
    assert (detail.input.summary, detail.status, detail.version) == ("台账改写的摘要", "办理中", 3)


@pytest.mark.sqlite_only(
    "on PostgreSQL the import's load locks the row, so no change can land before its claim"
)
def test_a_ledger_update_that_keeps_losing_the_race_is_refused_and_nothing_is_written(
    clerks: tuple[CaseService, CaseService], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """李四 changes the case between the import's load and its claim, every time: after three
    tries the import is refused with who and when, and nothing of it is written."""
    zhang, li = clerks
    number = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    _, plan = dry_run(zhang.db, _ledger(tmp_path, number, "台账改写的摘要"), update=True)
    real = versions.claim
    inside: list[int] = []

    def losing(session: Any, case: Any) -> None:
        if not inside and case.number == number:  # the import's claim, not 李四's own
            inside.append(1)
            data = li.detail(number).input
            data.remark = f"李四第{li.detail(number).version}版"
            li.edit(number, data)
            inside.pop()
        real(session, case)

    monkeypatch.setattr(versions, "claim", losing)
    audits = snapshot(zhang.db, number)[2]
    with pytest.raises(StaleCase) as refused:
        import_ledger(zhang.db, plan, ZHANG.label)
    message = refused.value.message
    assert re.fullmatch(rf"信访件 {number} 已被李四于[\d\- :]+修改，请刷新后再办理。", message)
    detail = zhang.detail(number)
    assert detail.input.summary != "台账改写的摘要" and detail.version == 1 + 3
    assert snapshot(zhang.db, number)[2] == audits + 3  # 李四's three edits, nothing imported


def test_a_ledger_import_and_a_clerk_registering_at_once_take_different_ids(
    clerks: tuple[CaseService, CaseService], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """李四 registers a case while 张三's import is between choosing its rows' ids and writing
    them. On PostgreSQL the import took max(id)+1 while 李四's insert took the sequence's next
    value, the same id: his case landed and the import failed on a duplicate key."""
    from app.ledger import importing

    zhang, li = clerks
    rows = [
        ["信访日期", "信访方式", "姓名", "内容摘要"],
        ["2025-12-01", "来信", "甲", "反映道路破损"],
        ["2025-12-02", "来访", "丙", "反映噪音扰民"],
    ]
    _, plan = dry_run(zhang.db, write_csv(tmp_path / "台账.csv", rows))
    assert not plan.errors
    real = importing.insert_many
    raced: list[tuple[threading.Thread, list[Any]]] = []

    def racing(*args: Any, **kw: Any) -> Any:
        if not raced:  # another year: 李四 does not wait for the import's 2025 编号 counter
            data = case_input(dt.date(2024, 6, 1), "来电", name="乙", phone="13800000001")
            raced.append(_after_a_pause(lambda: li.create(data).number))
        return real(*args, **kw)

    monkeypatch.setattr(importing, "insert_many", racing)
    assert import_ledger(zhang.db, plan, ZHANG.label).created == 2
    thread, out = raced[0]
    thread.join(30)
    assert out == ["XF2024-0001"], out
    with zhang.db.read() as s:
        names = s.execute(
            text(
                "SELECT c.number, p.name FROM cases c"
                " JOIN petitioners p ON p.id = c.petitioner_id ORDER BY c.number"
            )
        ).all()
    assert [tuple(r) for r in names] == [
        ("XF2024-0001", "乙"),
        ("XF2025-0001", "甲"),
        ("XF2025-0002", "丙"),
    ]
    # And the next ordinary insert after both still finds a free id.
    assert li.create(case_input(dt.date(2024, 6, 2), "来信", name="丁")).number == "XF2024-0002"


def test_a_ledger_update_and_a_link_of_its_cases_at_once_do_not_deadlock(
    clerks: tuple[CaseService, CaseService], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The ledger updates b, then a (its rows' order); 李四 links a–b meanwhile, which holds a
    and then b (id order). The import held b and then asked for a, 李四 held a and asked for b:
    PostgreSQL found the deadlock and aborted one with a raw error. The import now holds every
    case it updates before changing any, in id order too, so 李四 waits and both land."""
    from app.ledger import importing

    zhang, li = clerks
    a = zhang.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    b = zhang.create(case_input(dt.date(2025, 12, 2), "来信", name="乙")).number
    rows = [
        ["信访编号", "信访日期", "信访方式", "姓名", "内容摘要"],
        [b, "2025-12-02", "来信", "乙", "台账改写的乙"],
        [a, "2025-12-01", "来信", "甲", "台账改写的甲"],
    ]
    _, plan = dry_run(zhang.db, write_csv(tmp_path / "台账.csv", rows), update=True)
    assert not plan.errors and [p.update for p in plan.rows] == [True, True]
    real = importing._update
    calls: list[int] = []
    raced: list[tuple[threading.Thread, list[Any]]] = []

    def racing(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:  # b done (and held), a next
            linking = SupervisionService(li.db, LI)
            raced.append(_after_a_pause(lambda: linking.link(a, b) or "linked"))
        return real(*args, **kw)

    monkeypatch.setattr(importing, "_update", racing)
    assert import_ledger(zhang.db, plan, ZHANG.label).updated == 2
    thread, out = raced[0]
    thread.join(30)
    assert out == ["linked"], out
    assert [zhang.detail(n).input.summary for n in (a, b)] == ["台账改写的甲", "台账改写的乙"]
    assert [k for _, _, k in _links(zhang.db)] == ["同一事项"]


@pytest.mark.postgres_only("SQLite's read transaction is one state already")
def test_a_years_figures_and_their_last_year_read_one_state(
    clerks: tuple[CaseService, CaseService], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL last year's half is read on a second connection at the same time; both
    halves read the state the figures were asked in, though 李四 registers a case in each year
    while they are computed (each statement saw a newer state before: READ COMMITTED)."""
    from app.stats import service as stats_service

    zhang, li = clerks
    zhang.create(case_input(dt.date(2024, 6, 1), "来信", name="甲"))
    zhang.create(case_input(dt.date(2025, 6, 1), "来信", name="乙"))
    real = stats_service._one
    wrote: list[str] = []
    once = threading.Lock()

    def after_a_write(*args: Any, **kw: Any) -> Any:
        with once:  # whichever half starts first
            if not wrote:
                for day in (dt.date(2024, 7, 1), dt.date(2025, 7, 1)):
                    wrote.append(li.create(case_input(day, "来电", name="丙")).number)
        return real(*args, **kw)

    monkeypatch.setattr(stats_service, "_one", after_a_write)
    figures = stats_service.StatisticsService(zhang.db, ZHANG).compute(
        dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2025, 12, 31)
    )
    assert len(wrote) == 2
    assert figures.last is not None
    assert (figures.counts["total"], figures.last.counts["total"]) == (1, 1)
    monkeypatch.setattr(stats_service, "_one", real)
    again = stats_service.StatisticsService(zhang.db, ZHANG).compute(
        dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2025, 12, 31)
    )
    assert again.last is not None
    assert (again.counts["total"], again.last.counts["total"]) == (2, 2)
