"""One program per data folder: a second start is refused, a killed holder leaves no stale lock."""

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import paths
from app.cli import main
from app.safety.instance_lock import AlreadyRunning, InstanceLock, is_running

HOLD = """
import sys, time
from pathlib import Path
from app.safety.instance_lock import InstanceLock
lock = InstanceLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
time.sleep(60)
"""
TRY = """
import sys
from pathlib import Path
from app.safety.instance_lock import AlreadyRunning, InstanceLock
try:
    InstanceLock(Path(sys.argv[1])).acquire()
except AlreadyRunning as exc:
    print(exc.message)
    sys.exit(3)
print("acquired")
"""


@pytest.fixture(autouse=True)
def _reset_data_dir() -> Iterator[None]:
    yield
    paths.set_data_dir(None)


def other_process_tries(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", TRY, str(folder)], capture_output=True, text=True, timeout=60
    )


def test_a_second_program_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path).acquire()
    try:
        refused = other_process_tries(tmp_path)
        assert refused.returncode == 3
        assert "信访工作台已经在使用这个数据文件夹" in refused.stdout
        assert f"进程 {__import__('os').getpid()}" in refused.stdout  # names the holder
        assert is_running(tmp_path)
        # Another data folder is a different database: no conflict.
        assert other_process_tries(tmp_path / "other").returncode == 0
    finally:
        lock.release()
    assert other_process_tries(tmp_path).stdout.strip() == "acquired"
    assert not is_running(tmp_path)


def test_a_killed_program_leaves_no_stale_lock(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunning):
            InstanceLock(tmp_path).acquire()
        holder.send_signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    with InstanceLock(tmp_path) as lock:
        assert lock.held


def test_restore_is_refused_while_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "backup", "--out", str(tmp_path / "b.sqlite3")]) == 0
    with InstanceLock(tmp_path):
        code = main(["--data-dir", str(tmp_path), "restore", str(tmp_path / "b.sqlite3"), "--yes"])
    assert code == 1 and "请先关闭信访工作台窗口" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "restore", str(tmp_path / "b.sqlite3"), "--yes"]) == 0
