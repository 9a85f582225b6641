"""No view talks to the database: ui/ imports neither app.db nor sqlalchemy and opens no session.

ui/main.py opens the database at start-up and hands it to app.services.Services; the data-safety
start-up check (before login) restores by path. The ledger dialogs and the backup page still
receive the Database for app.ledger / app.safety.backup functions until LedgerService and
BackupService exist — listed here by name so the list can only shrink.
"""

import re
from pathlib import Path

UI = Path(__file__).resolve().parent.parent / "ui"

ALLOWED = {
    "main.py",  # bootstrap: opens the Database, builds Services
    "safety/data_safety.py",  # start-up check and restore-at-start, before login
    "safety/server_connect.py",  # bootstrap on a server: opens that Database, before login
}

FORBIDDEN = [
    (re.compile(r"^\s*(from|import)\s+sqlalchemy", re.M), "imports sqlalchemy"),
    (re.compile(r"^\s*from\s+app\.db\s+import|^\s*import\s+app\.db\b", re.M), "imports app.db"),
    (re.compile(r"\.session\(\)"), "opens a database session"),
    (re.compile(r"\bdb\.read\(\)|\.read\(\)\s+as\s+s\b"), "opens a database read"),
    (re.compile(r"\bselect\(\s*[A-Z]"), "builds SQL"),
]


def offences(text: str) -> list[str]:
    return [why for pattern, why in FORBIDDEN if pattern.search(text)]


def test_the_scan_catches_what_it_should() -> None:
    assert offences("from app.db import Database\n") == ["imports app.db"]
    assert offences("    from sqlalchemy import select\n") == ["imports sqlalchemy"]
    assert offences("with self.db.session() as s:\n") == ["opens a database session"]
    assert offences("with db.read() as s:\n") == ["opens a database read"]
    assert offences("s.scalars(select(DictEntry))") == ["builds SQL"]
    assert offences("self.service.cases()\n") == []


def test_no_view_touches_the_database() -> None:
    found = {}
    for path in sorted(UI.rglob("*.py")):
        name = path.relative_to(UI).as_posix()
        if name in ALLOWED:
            continue
        why = offences(path.read_text(encoding="utf-8"))
        if why:
            found[name] = why
    assert not found, f"views must talk to services only (app/services.py): {found}"


def test_the_allow_list_names_real_files() -> None:
    for name in ALLOWED:
        assert (UI / name).is_file(), name
