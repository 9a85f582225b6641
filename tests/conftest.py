"""Shared fixtures: a migrated template database built once, copied per test; a pinned today.

`XINFANG_TEST_DATABASE_URL=postgresql://user@host:port/maintenance_db` (an account that may
CREATE DATABASE) runs the `db` fixtures on PostgreSQL instead (issue 20): one database is
migrated once per run, and every test gets `CREATE DATABASE … TEMPLATE` of it, dropped after.
Tests that only make sense on SQLite are marked `@pytest.mark.sqlite_only("why")` and skipped
there; `@pytest.mark.postgres_only` the other way round.
"""

import datetime as dt
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Whatever a test forgets to point elsewhere lands here, never in the clerk's real data folder.
os.environ["XINFANG_DATA_DIR"] = tempfile.mkdtemp(prefix="xinfang-tests-")

import pytest

from app import clock, paths
from app.bootstrap import open_database
from app.cases.service import CaseService
from app.db import Database

TODAY = dt.date(2025, 12, 31)
SERVER = os.environ.get("XINFANG_TEST_DATABASE_URL", "").strip()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): only meaningful on a SQLite file")
    config.addinivalue_line("markers", "postgres_only: needs XINFANG_TEST_DATABASE_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        only = item.get_closest_marker("sqlite_only")
        if SERVER and only is not None:
            why = only.args[0] if only.args else only.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}"))
        if not SERVER and item.get_closest_marker("postgres_only") is not None:
            item.add_marker(pytest.mark.skip(reason="needs XINFANG_TEST_DATABASE_URL"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On PostgreSQL, a test that itself reaches for the database FILE (`db.path`: a backup, a
    key file, `--data-dir db.path.parent`) is skipped as SQLite-only, with that reason. Only
    when the test's own code asked: the program reaching for the file on a server stays a
    failure."""
    outcome = yield
    report = outcome.get_result()
    if not SERVER or call.excinfo is None or report.outcome != "failed":
        return
    from app.db import ServerOnlyError

    if not call.excinfo.errisinstance(ServerOnlyError):
        return
    frames = [(Path(e.frame.code.path), e.frame.code.name) for e in call.excinfo.traceback]
    for (caller, _), (callee, name) in itertools.pairwise(frames):
        if callee.name == "db.py" and name == "path":
            if Path(__file__).parent in caller.parents:
                report.outcome = "skipped"
                where = f"{caller.name}: the test uses the database file (db.path)"
                report.longrepr = (str(caller), 0, f"SQLite only: {where}")
            return


class Server:
    """Databases on the test server. A test's database is reset, not re-created: CREATE
    DATABASE … TEMPLATE costs a checkpoint (~300 ms on a loaded machine), while emptying the
    few rows a test wrote and putting back the seeded ones (kept in schema `seed`) takes a few
    ms. `fresh()` (the `server_url` fixture) still gives a brand-new migrated database."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.base = make_url(url).set(drivername="postgresql+psycopg")
        # AUTOCOMMIT: CREATE / DROP DATABASE cannot run inside a transaction.
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.prefix = f"xt_{os.getpid()}"
        self.numbers = itertools.count(1)
        self.template = f"{self.prefix}_template"
        self.drop(self.template)
        self.create(self.template)
        open_database(self.url(self.template)).close()
        self.work = f"{self.prefix}_work"
        self.drop(self.work)
        self.create(self.work, self.template)
        self._reset_sql = self._prepare_reset(self.url(self.work))

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def _prepare_reset(self, url: str) -> str:
        """Copy the seeded rows into schema `seed` and build the SQL that puts the database
        back to exactly that: every table emptied, the seeded rows and the sequences restored."""
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:
            tables = list(
                conn.scalars(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version' ORDER BY tablename"
                    )
                )
            )
            sequences = conn.execute(
                text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname='public'")
            ).all()
            conn.execute(text("CREATE SCHEMA seed"))
            seeded = []
            for t in tables:
                conn.execute(text(f'CREATE TABLE seed."{t}" AS SELECT * FROM public."{t}"'))
                if conn.scalar(text(f'SELECT count(*) FROM seed."{t}"')):
                    seeded.append(t)
        engine.dispose()
        # replica: no foreign-key triggers while emptying and refilling (a superuser's right;
        # the throwaway test cluster's account is one).
        sql = ["SET session_replication_role = replica"]
        sql += [f'DELETE FROM public."{t}"' for t in tables]
        sql += [f'INSERT INTO public."{t}" SELECT * FROM seed."{t}"' for t in seeded]
        for name, last in sequences:
            sql.append(
                f"SELECT setval('public.\"{name}\"', {last or 1}, {'true' if last else 'false'})"
            )
        sql.append("SET session_replication_role = origin")
        return ";\n".join(sql)

    def reset(self) -> str:
        """The work database as the template left it."""
        import psycopg

        libpq = self.base.set(drivername="postgresql", database=self.work)
        with psycopg.connect(libpq.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(self._reset_sql.encode())  # several statements: the simple protocol
        return self.url(self.work)

    def create(self, name: str, template: str | None = None) -> str:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            extra = f" TEMPLATE {template}" if template else ""
            conn.execute(text(f"CREATE DATABASE {name}{extra}"))
        return self.url(name)

    def fresh(self) -> tuple[str, str]:
        name = f"{self.prefix}_{next(self.numbers)}"
        return name, self.create(name, self.template)

    def drop(self, name: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def close(self) -> None:
        self.drop(self.work)
        self.drop(self.template)
        self.admin.dispose()


@pytest.fixture(scope="session")
def server() -> Iterator[Server | None]:
    if not SERVER:
        yield None
        return
    srv = Server(SERVER)
    yield srv
    srv.close()


@pytest.fixture
def server_url(server: Server | None) -> Iterator[str]:
    """A fresh, migrated, empty database on the test server (skips without one)."""
    if server is None:
        pytest.skip("needs XINFANG_TEST_DATABASE_URL")
    name, url = server.fresh()
    yield url
    server.drop(name)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "xinfang.sqlite3"
    db = open_database(path)
    db.close()
    return path


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[dt.date]:
    clock.set_today(TODAY)
    yield TODAY
    clock.set_today(None)


@pytest.fixture(autouse=True)
def no_leaked_data_dir() -> Iterator[None]:
    """A command-line test sets `--data-dir` process-wide; the next test must not inherit it."""
    yield
    paths.set_data_dir(None)


@pytest.fixture
def db(
    template_db: Path, tmp_path: Path, server: Server | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    if server is not None:
        url = server.reset()
        # A command the test runs reaches this same database (not a new file in tmp_path).
        # There the command line needs an account (§9; tested in test_postgres.py without this
        # fixture); a test written for SQLite gives none, so its commands act as the signed-in
        # administrator they would be on a plain file.
        monkeypatch.setenv("XINFANG_DATABASE_URL", url)
        from app.cli import context

        def signed_in(self: context.Context) -> context.CurrentUser:
            if self._user is None:
                if self.username:
                    self._sign_in(self.username)
                else:
                    self._user = context.cli_user()
            assert self._user is not None
            return self._user

        monkeypatch.setattr(context.Context, "user", property(signed_in, context.Context.user.fset))
        database = Database(url)
        yield database
        database.close()
        return
    path = tmp_path / "xinfang.sqlite3"
    shutil.copy(template_db, path)
    database = Database(path)
    yield database
    database.close()


@pytest.fixture
def cases(db: Database) -> CaseService:
    from accounts import TESTER

    return CaseService(db, TESTER)
