"""Issue 8 figures: the bundle's size against a bare PySide6 window, and bundled start-up.

uv run python benchmarks/bench_bundle.py [--keep DIR] [--runs 5] [--cases 2000]

In one run, with the same PyInstaller and PySide6:
1. builds the application from `build.spec` (trimmed, see the spec's header);
2. builds a bare QtWidgets "hello" window with PyInstaller's defaults (`pyinstaller hello.py`);
3. prints both folder sizes; the application must not be larger than the bare window;
4. starts the bundled program to the dashboard (`xinfang gui --smoke`, offscreen) `--runs` times
   on a data folder with `--cases` demo cases, and prints the wall times (target ≤ 2 s) next to
   the program's own start-up marks.
Everything is built in a temporary folder, so the working tree's `dist/` is left alone.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TARGET_S = 2.0
HELLO = """\
import sys
from PySide6.QtWidgets import QApplication, QLabel

app = QApplication(sys.argv)
label = QLabel("hello")
label.show()
sys.exit(0 if "--smoke" in sys.argv else app.exec())
"""


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


def pyinstaller(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", *args]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"PyInstaller failed: {' '.join(args)}\n{done.stderr[-4000:]}")
    return time.perf_counter() - started


def load() -> str:
    return "load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--keep", metavar="DIR", help="build here and keep it (default: a temporary folder)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--cases", type=int, default=2000, help="demo cases in the start-up data folder"
    )
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="xinfang-bench-bundle-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    print(load())
    try:
        app_s = pyinstaller(
            ["--distpath", str(work / "dist"), "--workpath", str(work / "build"), "build.spec"],
            ROOT,
        )
        hello_dir = work / "hello"
        hello_dir.mkdir(exist_ok=True)
        (hello_dir / "hello.py").write_text(HELLO, encoding="utf-8")
        hello_s = pyinstaller(["hello.py"], hello_dir)  # PyInstaller's defaults
        app_folder, hello_folder = work / "dist" / "xinfang", hello_dir / "dist" / "hello"
        app_size, hello_size = folder_size(app_folder), folder_size(hello_folder)
        print(f"build: application {app_s:.0f} s, bare window {hello_s:.0f} s")
        print(f"size: application {mb(app_size)} ({app_size} bytes)")
        print(f"size: bare PySide6 window {mb(hello_size)} ({hello_size} bytes)")
        smaller = app_size <= hello_size
        print(
            f"size check: application {'≤' if smaller else '>'} bare window "
            f"({(app_size - hello_size) / 1_048_576:+.1f} MB)"
        )
        subprocess.run([str(hello_folder / "hello"), "--smoke"], env=env, check=True)

        exe = app_folder / ("xinfang.exe" if sys.platform == "win32" else "xinfang")
        data = work / "data"
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(
            [str(exe), "--data-dir", str(data), "demo", "--cases", str(args.cases)],
            env=env,
            check=True,
            capture_output=True,
        )
        walls: list[float] = []
        marks: list[dict[str, float]] = []
        for _ in range(args.runs + 1):  # the first start warms the disk cache; not counted
            started = time.perf_counter()
            done = subprocess.run(
                [str(exe), "--data-dir", str(data), "gui", "--smoke"],
                env=env,
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - started
            if done.returncode != 0:
                sys.exit(f"bundled start-up failed:\n{done.stderr[-4000:]}")
            walls.append(wall)
            marks.append(json.loads(done.stdout.strip().splitlines()[-1]))
        walls, marks = walls[1:], marks[1:]
        median = statistics.median(walls)
        print(
            f"start-up to the dashboard ({args.cases} cases, {args.runs} runs): median "
            f"{median:.2f} s, min {min(walls):.2f} s, max {max(walls):.2f} s (target ≤ "
            f"{STARTUP_TARGET_S} s)"
        )
        print(
            "program's own marks (median run, from its first line): "
            f"{marks[walls.index(sorted(walls)[len(walls) // 2])]}"
        )
        print(load())
        ok = smaller and median <= STARTUP_TARGET_S
        print("RESULT:", "ok" if ok else "NOT MET")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
