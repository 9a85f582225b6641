"""Where data, backups, logs and bundled files live. The only module that decides it."""

import os
import sys
from pathlib import Path

import platformdirs

from app.errors import DomainError

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
    path = _data_dir_location()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _data_dir_location() -> Path:
    """Where the data folder is, without creating it (reading server.json must not make one)."""
    if _data_dir_override is not None:
        path = _data_dir_override
    elif os.environ.get("XINFANG_DATA_DIR"):
        path = Path(os.path.abspath(Path(os.environ["XINFANG_DATA_DIR"]).expanduser()))
    elif (program_dir() / "portable.txt").exists():
        # Portable mode: a USB stick copy keeps its data beside the program.
        path = program_dir() / "data"
    else:
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
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


# --- which database: a file here, or the office's server (issue 20) --------------------------
SERVER_CONFIG = "server.json"
DATABASE_URL_ENV = "XINFANG_DATABASE_URL"


class ConfigError(DomainError):
    """The server config file is unusable, or a URL holds a password."""


def server_config_path(base: Path | None = None) -> Path:
    return (base or _data_dir_location()) / SERVER_CONFIG


def _check_no_password(url: str) -> None:
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    if parts.password or "password" in {k.lower() for k in parse_qs(parts.query)}:
        raise ConfigError(
            "服务器地址中不能包含密码（配置文件从不保存密码）：密码在登录时输入，"
            "或由系统的密码文件（pgpass）提供。"
        )


def configured_database_url(base: Path | None = None) -> str | None:
    """The server URL the data folder's config file names, or None (a database file here)."""
    import json

    path = server_config_path(base)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"服务器配置文件 {path} 无法读取（{exc}），请删除或改正它。") from None
    url = str(data.get("database_url") or "").strip() if isinstance(data, dict) else ""
    if not url:
        return None
    _check_no_password(url)
    return url


def write_server_config(url: str | None, base: Path | None = None) -> Path:
    """Remember the server (the GUI's first-run choice 连接单位服务器), or forget it (None:
    单机使用). Never with a password in it."""
    import json

    path = server_config_path(base)
    if not url:
        path.unlink(missing_ok=True)
        return path
    _check_no_password(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"database_url": url.strip()}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def database_url(given: str | None = None) -> str | None:
    """The server to use: `--database-url`, else XINFANG_DATABASE_URL, else the config file;
    None means the database file in the data folder (the single-clerk default)."""
    for url in (given, os.environ.get(DATABASE_URL_ENV)):
        if url and url.strip():
            return url.strip()
    return configured_database_url()
