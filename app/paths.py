"""Where data, backups, logs and bundled files live. The only module that decides it."""

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "XinfangDesk"
DB_FILENAME = "xinfang.sqlite3"

_data_dir_override: Path | None = None


def set_data_dir(path: str | os.PathLike[str] | None) -> None:
    """`--data-dir` sets this; it wins over XINFANG_DATA_DIR and the platform default."""
    global _data_dir_override
    # abspath, not resolve(): resolve() turns a mapped drive (Z:\\) into its UNC name.
    _data_dir_override = Path(os.path.abspath(Path(path).expanduser())) if path else None


def program_dir() -> Path:
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    if _data_dir_override is not None:
        path = _data_dir_override
    elif os.environ.get("XINFANG_DATA_DIR"):
        path = Path(os.path.abspath(Path(os.environ["XINFANG_DATA_DIR"]).expanduser()))
    elif (program_dir() / "portable.txt").exists():
        # Portable mode: a USB stick copy keeps its data beside the program.
        path = program_dir() / "data"
    else:
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_data_dir() -> Path:
    path = data_dir() / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path(base: Path | None = None) -> Path:
    return (base or data_dir()) / DB_FILENAME


def backups_dir(base: Path | None = None) -> Path:
    path = (base or data_dir()) / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def attachments_dir(base: Path | None = None) -> Path:
    """The content-addressed attachment store (docs/rules.md, 附件): beside the database, never
    inside it (a DB-backed store replaces this folder on PostgreSQL). Made by the first write
    only: `xinfang check` and a backup of a case without files create nothing."""
    return (base or data_dir()) / "附件"


def templates_dir(base: Path | None = None) -> Path:
    """The office's own template copies (they override the bundled defaults)."""
    path = (base or data_dir()) / "templates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def logs_dir() -> Path:
    if _data_dir_override is not None or os.environ.get("XINFANG_DATA_DIR"):
        path = data_dir() / "logs"
    else:
        path = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def bundled(*parts: str) -> Path:
    """A file shipped with the program (templates/, resources/, migrations), from source or
    bundle."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base.joinpath(*parts)
