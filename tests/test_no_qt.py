"""`app/` is the Qt-free core: importing all of it must not load PySide6."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import app

MODULES = [
    m.name for m in pkgutil.walk_packages(app.__path__, "app.") if ".migrations" not in m.name
]
IMPORT_ALL = f"import importlib, sys\nfor m in {MODULES!r}: importlib.import_module(m)\n"


def test_app_imports_no_qt() -> None:
    code = (
        IMPORT_ALL + "bad = [m for m in sys.modules if m.startswith('PySide6')]\n"
        "print(len(bad)); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(MODULES) > 10


def test_the_single_clerk_program_never_loads_the_postgresql_dialect(tmp_path: Path) -> None:
    # SQLAlchemy's PostgreSQL dialect (all its drivers' modules) is 18 ms of every start; only
    # a server needs it (app.models.postgresql_options, app.counters.lock). The database is
    # made first: the migration scripts that create it spell PostgreSQL's indexes too.
    from app.bootstrap import open_database

    open_database(tmp_path / "x.sqlite3").close()
    code = (
        IMPORT_ALL + "from app.bootstrap import open_database\n"
        "from app.cases.search import CaseFilter\n"
        "from app.cases.service import CaseService\n"
        "from app.safety.auth import DEMO_USER\n"
        f"db = open_database({str(tmp_path / 'x.sqlite3')!r})\n"
        "CaseService(db, DEMO_USER).ids(CaseFilter(text='张三'))\n"
        "db.close()\n"
        "sys.exit('sqlalchemy.dialects.postgresql' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
