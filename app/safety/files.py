"""File operations that must behave on an office PC: renames that ride out passing locks, and
the URI that opens a database file read-only wherever it lies (local disk, mapped drive, share).
"""

import ntpath
import os
import posixpath
import sys
import time
from urllib.parse import quote

# On Windows an antivirus scanner or the search indexer opens a file we have just written for
# a moment, and a rename then fails with WinError 5 or 32. Waiting a little is what every
# Windows program that writes atomically does; two seconds covers a scan without making a
# real "file is open in Word" case feel stuck.
RETRY_PAUSES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.25, 0.5, 0.5)

BUSY_HINT = "文件正被其他程序占用（可能在 Word、WPS 或 Excel 中打开，或正被杀毒软件扫描）"


def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """`os.replace` that retries for about two seconds while the target is locked.

    The last PermissionError is raised when the lock outlasts the retries; callers turn it
    into their message (see `BUSY_HINT`).
    """
    for pause in RETRY_PAUSES:
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            time.sleep(pause)
    os.replace(src, dst)


def sqlite_uri(path: str | os.PathLike[str], windows: bool | None = None, **query: str) -> str:
    """A `file:` URI for sqlite3.connect(uri=True) naming `path` exactly as given.

    Not `Path.resolve().as_uri()`: resolve() turns a mapped drive into its UNC name, and
    as_uri() writes a UNC path as `file://server/share/…`, an authority SQLite refuses.
    SQLite wants `file:///C:/dir/x` for a drive and `file:////server/share/x` for a share.
    """
    raw = os.fspath(path)
    on_windows = sys.platform == "win32" if windows is None else windows
    if on_windows:
        text = ntpath.abspath(raw).replace("\\", "/")
        # A drive path gets one leading slash; a UNC path keeps its two (four in all).
        body = text if text.startswith("//") else "/" + text
    else:
        body = posixpath.abspath(raw)
    # Keep the path's own separators and a drive's colon; escape what SQLite would read as
    # the query (?), a fragment (#) or an escape (%), and every non-ASCII character.
    uri = "file://" + quote(body, safe="/:")
    if query:
        uri += "?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in query.items())
    return uri
