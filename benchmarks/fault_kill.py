"""The SIGKILL fault test with many more kills than the normal suite (default 300).

Usage: uv run python benchmarks/fault_kill.py [KILLS]
Prints the number of kills, acknowledged and stored cases, and the time taken.
"""

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import clock  # noqa: E402
from app.bootstrap import open_database  # noqa: E402
from tests.test_fault_kill import check_database, run_kills  # noqa: E402


def main() -> None:
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    clock.set_today(__import__("datetime").date(2025, 12, 31))
    folder = Path(tempfile.mkdtemp(prefix="xinfang-fault-"))
    try:
        path = folder / "xinfang.sqlite3"
        open_database(path).close()
        result = run_kills(path, kills, seed=11)
        figures = check_database(path, result)
        print(
            f"kills={kills} acknowledged={figures['acknowledged']} stored={figures['stored']} "
            f"seconds={result.seconds:.1f} integrity=ok lost=0"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
