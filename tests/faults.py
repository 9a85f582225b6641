"""Kill a child process at an exact step: the N-th file-system call (rename, delete, fsync)
or the N-th SQL statement. Used by the restore, upgrade and backup fault tests and by
benchmarks/fault_kill.py."""

import os
import signal
import traceback
from collections.abc import Callable
from typing import Any

FILE_CALLS = ("replace", "rename", "unlink", "fsync")


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm_file_calls(after: int) -> None:
    """In the child: SIGKILL right after the `after`-th rename, delete or fsync."""
    count = [0]
    for name in FILE_CALLS:
        original = getattr(os, name)

        def wrapped(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            result = _original(*args, **kwargs)
            count[0] += 1
            if count[0] >= after:
                _kill_self()
            return result

        setattr(os, name, wrapped)


def arm_sql_statements(after: int) -> None:
    """In the child: SIGKILL right after the `after`-th SQL statement SQLAlchemy executes."""
    from sqlalchemy import Engine, event

    count = [0]

    def executed(*_args: Any) -> None:
        count[0] += 1
        if count[0] >= after:
            _kill_self()

    event.listen(Engine, "after_cursor_execute", executed)


def run_child(work: Callable[[], None], arm: Callable[[], None] | None = None) -> str:
    """Fork; the child arms its kill and does `work`. Returns "killed", "done" or "failed"."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            if arm is not None:
                arm()
            work()
        except BaseException:
            traceback.print_exc()
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        return "killed"
    return "done" if os.WEXITSTATUS(status) == 0 else "failed"
