"""Issue 20: the same program on a PostgreSQL server.

The tests marked postgres_only need XINFANG_TEST_DATABASE_URL (see conftest.py); they compare
the two dialects on the same data. The URL and config-file rules run everywhere.
"""

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from accounts import TESTER
from sqlalchemy import text

from app import audit, migrate, paths
from app.bootstrap import open_database
from app.cases import demo, reprojection
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database, ServerOnlyError, is_server_url, server_url
from app.errors import DomainError
from app.models import Case
from app.stats.service import StatisticsService

# --- choosing the database (no server needed) ----------------------------------------------


def test_tls_is_required_off_this_computer_only() -> None:
    remote = server_url("postgresql://clerk@db.xf.local:5432/xinfang")
    assert remote.drivername == "postgresql+psycopg"
    assert remote.query["sslmode"] == "require"
    for local in (
        "postgresql://clerk@localhost/xinfang",
        "postgresql://clerk@127.0.0.1:5433/xinfang",
        "postgresql://clerk@/xinfang?host=/var/run/postgresql",
    ):
        assert "sslmode" not in server_url(local).query, local
    # An explicit choice is kept (an office with its own CA may ask for verify-full).
    chosen = server_url("postgresql://clerk@db.xf.local/xinfang?sslmode=verify-full")
    assert chosen.query["sslmode"] == "verify-full"


def test_bad_server_urls_get_a_chinese_message() -> None:
    with pytest.raises(DomainError, match="数据库名"):
        server_url("postgresql://clerk@db.xf.local:5432")
    assert not is_server_url(Path("/tmp/x.sqlite3"))
    assert is_server_url("postgresql://u@h/d") and is_server_url("postgres://u@h/d")


class _Server:
    """A connection that only answers SHOW server_version(_num)."""

    def __init__(self, number: int, shown: str) -> None:
        self.answers = {"SHOW server_version_num": str(number), "SHOW server_version": shown}

    def exec_driver_sql(self, sql: str) -> SimpleNamespace:
        return SimpleNamespace(scalar=lambda: self.answers[sql])


def test_a_server_older_than_postgresql_13_is_refused_in_chinese() -> None:
    with pytest.raises(DomainError, match="服务器是 PostgreSQL 12.9，信访工作台需要 PostgreSQL 13"):
        migrate.require_server_version(_Server(120009, "12.9"))
    migrate.require_server_version(_Server(130000, "13.0"))  # no error
    migrate.require_server_version(_Server(150004, "15.4 (Debian 15.4-1)"))


def test_config_file_names_the_server_and_never_holds_a_password(tmp_path: Path) -> None:
    assert paths.configured_database_url(tmp_path) is None
    paths.write_server_config("postgresql://clerk@db.xf.local/xinfang", tmp_path)
    assert paths.configured_database_url(tmp_path) == "postgresql://clerk@db.xf.local/xinfang"
    with pytest.raises(DomainError, match="不能包含密码"):
        paths.write_server_config("postgresql://clerk:secret@db.xf.local/xinfang", tmp_path)
    with pytest.raises(DomainError, match="不能包含密码"):
        paths.write_server_config("postgresql://clerk@db/x?password=secret", tmp_path)
    # Written by hand with a password: refused when read, not used.
    paths.server_config_path(tmp_path).write_text(
        json.dumps({"database_url": "postgresql://clerk:secret@db/x"}), encoding="utf-8"
    )
    with pytest.raises(DomainError, match="不能包含密码"):
        paths.configured_database_url(tmp_path)
    paths.write_server_config(None, tmp_path)  # 单机使用 again
    assert not paths.server_config_path(tmp_path).exists()


def test_option_wins_over_environment_over_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.set_data_dir(tmp_path)
    paths.write_server_config("postgresql://a@h/from_file")
    monkeypatch.delenv(paths.DATABASE_URL_ENV, raising=False)
    assert paths.database_url() == "postgresql://a@h/from_file"
    monkeypatch.setenv(paths.DATABASE_URL_ENV, "postgresql://a@h/from_env")
    assert paths.database_url() == "postgresql://a@h/from_env"
    assert paths.database_url("postgresql://a@h/given") == "postgresql://a@h/given"


def test_cli_on_a_server_needs_an_account(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from app.cli import main

    monkeypatch.delenv("XINFANG_USER", raising=False)
    # No connection is attempted: the account is asked for first.
    url = "postgresql://clerk@127.0.0.1:1/none"
    code = main(["--data-dir", str(tmp_path), "--database-url", url, "case", "list"])
    assert code == 2
    assert "需要账号" in capsys.readouterr().err


# --- on a server -------------------------------------------------------------------------


@pytest.fixture
def empty_server_url(server: Any) -> Iterator[str]:
    """An empty database (no tables at all) on the test server."""
    # (Not `from conftest import Server`: with tests/ui in the same run that name is the
    # window tests' conftest.)
    if server is None:
        pytest.skip("needs XINFANG_TEST_DATABASE_URL")
    name = f"{server.prefix}_empty"
    server.drop(name)
    url = server.create(name)
    yield url
    server.drop(name)


@pytest.mark.postgres_only
def test_empty_server_database_upgrades_to_head_matching_the_models(empty_server_url: str) -> None:
    db = open_database(empty_server_url)
    try:
        with db.engine.connect() as conn:
            assert migrate.server_revision(conn) == migrate.SCHEMA_HEAD
            # 0008: pg_trgm and its indexes exist only here.
            names = set(
                conn.scalars(text("SELECT indexname FROM pg_indexes WHERE schemaname='public'"))
            )
        assert "ix_pg_cases_summary_trgm" in names and "ix_pg_petitioners_name_c" in names
        assert "ix_cases_text" not in names
        with pytest.raises(ServerOnlyError, match="单位"):
            _ = db.path
    finally:
        db.close()
    assert migrate.schema_differences(empty_server_url) == []
    # Opening again: already at head, nothing to do.
    open_database(empty_server_url).close()


@pytest.fixture
def both(template_db: Path, tmp_path: Path, server_url: str) -> Iterator[tuple[Database, Database]]:
    """The same demo data (same seed) in a SQLite file and on the server."""
    path = tmp_path / "xinfang.sqlite3"
    shutil.copy(template_db, path)
    lite, pg = Database(path), Database(server_url)
    for db in (lite, pg):
        demo.generate(db, 400, seed=20, years=(2024, 2025))
    yield lite, pg
    lite.close()
    pg.close()


PERIODS = [
    (dt.date(2025, 1, 1), dt.date(2025, 12, 31), None),
    (dt.date(2024, 1, 1), dt.date(2024, 12, 31), None),
    (dt.date(2025, 4, 1), dt.date(2025, 6, 30), None),
    (dt.date(2025, 3, 1), dt.date(2025, 3, 31), dt.date(2025, 5, 15)),
]


@pytest.mark.postgres_only
def test_same_demo_data_gives_identical_statistics(both: tuple[Database, Database]) -> None:
    lite, pg = both
    for date_from, date_to, as_of in PERIODS:
        a = StatisticsService(lite, TESTER).compute(date_from, date_to, as_of).to_json()
        b = StatisticsService(pg, TESTER).compute(date_from, date_to, as_of).to_json()
        # As `xinfang stats --json` prints it: key order and number formatting included.
        assert json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False), date_from
        assert a["total"] > 0 and len(a["by_category"]) > 3


SEARCHES = [
    "",
    "张",  # one character: a name prefix
    "王芳",  # two Chinese characters: name prefix, and (pg_trgm: no trigram) substring
    "土地",
    "拖欠工资",
    "zh",
    "wf",
    "138",
    "0001",
    "XF2025",
]


@pytest.mark.postgres_only
def test_search_gives_the_same_rows_on_both(both: tuple[Database, Database]) -> None:
    lite, pg = both
    seen = 0
    for query in SEARCHES:
        for f in (CaseFilter(text=query), CaseFilter(text=query, statuses=["办理中"])):
            rows = []
            for db in (lite, pg):
                service = CaseService(db, TESTER)
                rows.append(
                    (
                        service.count(f),
                        [r.number for r in service.page(f, limit=50)],
                        service.ids(f, sort="name", descending=False)[:200],
                    )
                )
            assert rows[0] == rows[1], query
            seen += rows[0][0]
    assert seen > 0


@pytest.mark.postgres_only
def test_reprojection_changes_the_same_cases_on_both(both: tuple[Database, Database]) -> None:
    from sqlalchemy import select

    lite, pg = both
    changed, projected = [], []
    for db in (lite, pg):
        with db.session() as s:
            from app.office import settings

            settings.put(s, "handling_days", 30)
            changed.append(reprojection.reproject_all(s))
        with db.read() as s:
            projected.append(
                s.execute(
                    select(Case.number, Case.status, Case.handling_due, Case.final_on).order_by(
                        Case.number
                    )
                ).all()
            )
    assert changed[0] == changed[1] and changed[0] > 0
    assert projected[0] == projected[1]


@pytest.mark.postgres_only
def test_audit_chain_is_whole_and_a_changed_row_is_found(server_url: str) -> None:
    db = Database(server_url)
    try:
        service = CaseService(db, TESTER)
        from factories import case_input

        for n in range(3):
            service.create(case_input(dt.date(2025, 3, 1), name=f"链{n}"))
        with db.engine.connect() as conn:
            assert audit.verify_chain(conn) is None
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET new = 'x' WHERE id = 2"))
        with db.engine.connect() as conn:
            assert "第 2 条" in (audit.verify_chain(conn) or "")
    finally:
        db.close()


@pytest.mark.postgres_only
def test_selftest_connects_to_the_server_read_only(server_url: str, tmp_path: Path) -> None:
    from app.selftest import Failed, _Run

    detail = _Run(tmp_path, server_url).server()
    assert "PostgreSQL" in detail and migrate.SCHEMA_HEAD in detail
    with pytest.raises(Failed, match="无法连接服务器"):
        _Run(tmp_path, "postgresql://nobody@127.0.0.1:1/none").server()


@pytest.mark.postgres_only
def test_clerks_registering_at_once_never_share_a_number(server_url: str) -> None:
    """§9: 编号 serialised with a row lock on the counter (the start of issue 20 item 3)."""
    import threading

    from factories import case_input

    db = Database(server_url)
    service = CaseService(db, TESTER)
    service.create(case_input(dt.date(2025, 3, 1), name="首件"))  # the year's counter exists
    numbers: list[str] = []
    errors: list[BaseException] = []

    def clerk(n: int) -> None:
        try:
            for i in range(8):
                data = case_input(dt.date(2025, 3, 2), name=f"并发{n}-{i}")
                numbers.append(service.create(data).number)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    try:
        threads = [threading.Thread(target=clerk, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:1]
        assert len(numbers) == len(set(numbers)) == 64
        serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
        assert serials == list(range(2, 66))  # none skipped either
    finally:
        db.close()


@pytest.mark.postgres_only
def test_a_case_registered_after_demo_data_gets_a_new_id(server_url: str) -> None:
    """Demo data and the ledger import choose their ids: the server's sequences follow."""
    from factories import case_input

    db = Database(server_url)
    try:
        demo.generate(db, 30, seed=3, years=(2025, 2025))
        created = CaseService(db, TESTER).create(case_input(dt.date(2025, 6, 1), name="新件"))
        with db.read() as s:
            assert s.get(Case, created.id) is not None
            assert created.id == 31
    finally:
        db.close()


@pytest.mark.postgres_only
def test_every_server_connection_runs_without_jit_and_for_solid_state_storage(
    server_url: str,
) -> None:
    db = Database(server_url)
    try:
        for _ in range(2):  # also after the connection went back to the pool once
            with db.read() as s:
                assert s.scalar(text("SHOW jit")) == "off"
                assert s.scalar(text("SHOW random_page_cost")) == "1.1"
    finally:
        db.close()
