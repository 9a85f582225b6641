"""Open a database file ready for use: migrated (with a safety copy first) and seeded."""

from pathlib import Path

from app import migrate
from app.db import Database
from app.office import dictionaries
from app.safety import encrypt, integrity


def open_database(path: Path) -> Database:
    """Create or upgrade the database at `path`; raises DatabaseTooNew for a newer schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # An encryption killed between its two renames is undone first (app/safety/encrypt.py):
    # otherwise a missing file would become a new, empty database.
    encrypt.recover(path)
    # A damaged or foreign file gets a Chinese message with the way to restore, not a traceback.
    integrity.ensure_usable(path)
    migrate.upgrade(path)
    db = Database(path)
    with db.session() as session:
        dictionaries.seed_defaults(session)
    return db
