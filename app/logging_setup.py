"""The rotating log in the platform log folder (issue 7 §8): unexpected errors land here."""

import io
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
            if (
                isinstance(handler, logging.handlers.RotatingFileHandler)
                and Path(handler.baseFilename) == path
            ):
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


class _LogStream(io.TextIOBase):
    """Stands in for stdout/stderr where the program has none (the windowed Windows exe):
    what would have been printed goes to the log, line by line, instead of nowhere."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            logging.getLogger(LOGGER + ".console").log(self.level, "%s", line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            logging.getLogger(LOGGER + ".console").log(self.level, "%s", self._pending)
            self._pending = ""


def safe_std_streams() -> None:
    """Printing must never fail: a missing stream goes to the log, and a character the
    console's code page cannot show (cp1252, GBK) prints as "?" instead of raising."""
    for name, level in (("stdout", logging.INFO), ("stderr", logging.ERROR)):
        stream = getattr(sys, name)
        if stream is None:
            setup_logging()
            setattr(sys, name, _LogStream(level))
        elif isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def log_unexpected(exc: BaseException, where: str) -> Path:
    """Log an exception nobody caught, with its traceback; returns the log file."""
    path = setup_logging()
    log_exception(type(exc), exc, exc.__traceback__, where)
    return path
