"""The rotating log in the platform log folder (issue 7 §8): unexpected errors land here."""

import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from types import TracebackType

from app import paths

LOGGER = "xinfang"
LOG_NAME = "xinfang.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5  # xinfang.log.1 … .5: a few megabytes at most
_lock = threading.Lock()


def setup_logging(level: int = logging.INFO, folder: Path | None = None) -> Path:
    """Attach the rotating file handler to the `xinfang` logger once; returns the log file."""
    path = (folder or paths.logs_dir()) / LOG_NAME
    log = logging.getLogger(LOGGER)
    with _lock:
        for handler in log.handlers:
            if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename) == path:  # fmt: skip
                return path
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
        )
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s")
        )
        log.addHandler(handler)
        log.setLevel(level)
    return path


def log_exception(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    where: str = "",
) -> None:
    logging.getLogger(LOGGER).error(
        "未预料的错误%s：%s", f"（{where}）" if where else "", exc, exc_info=(exc_type, exc, tb)
    )


def log_file() -> Path:
    return paths.logs_dir() / LOG_NAME


def python_info() -> str:
    return f"Python {sys.version.split()[0]} on {sys.platform}"
