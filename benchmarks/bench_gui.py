"""The workbench at 100,000 cases: cold start, first page of the case list, a search keystroke,
resident memory after browsing. Prints the figures and the targets beside them.

    uv run python benchmarks/bench_gui.py [--data-dir DIR] [--cases 100000] [--runs 3]

The database is generated once (demo data, ~1–2 minutes) and reused. Cold start is measured
from process spawn to the dashboard drawn with its figures (`xinfang gui --smoke`), against a
bare PySide6 window started the same way in the same run.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = """
import time, sys
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv)
w = QMainWindow(); w.setCentralWidget(QLabel("信访工作台")); w.resize(1366, 768); w.show()
app.processEvents(); w.repaint()
print("drawn", flush=True)
"""


def ensure_database(data_dir: Path, cases: int) -> None:
    from app.bootstrap import open_database
    from app.cases import demo
    from app.cases.search import CaseFilter
    from app.cases.service import CaseService
    from app.paths import database_path
    from app.safety import auth

    db = open_database(database_path(data_dir))
    have = CaseService(db, auth.SYSTEM).count(CaseFilter(include_voided=True))
    if have < cases:
        print(f"生成演示数据 {cases - have} 件…", flush=True)
        demo.generate(db, cases - have, seed=1)
    db.close()


def spawn_until(args: list[str], marker: str) -> float:
    """Seconds from spawn to the first output line containing `marker` (the process then ends)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    elapsed = float("nan")
    for line in proc.stdout:
        if marker in line:
            elapsed = time.perf_counter() - started
            if line.startswith("{"):
                print("   ", line.strip())
            break
    proc.wait(120)
    return elapsed


def warm_bytecode() -> None:
    """A clerk's installation has compiled .pyc files (the bundle ships them; Python writes them
    on the first start). A shell with PYTHONDONTWRITEBYTECODE=1 would recompile every module on
    every start, so compile once and let the child processes use them."""
    import compileall
    import sysconfig

    for folder in (sysconfig.get_paths()["purelib"], str(ROOT / "app"), str(ROOT / "ui")):
        compileall.compile_dir(folder, quiet=2, workers=2)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def cold_start(data_dir: Path, runs: int) -> tuple[float, float]:
    warm_bytecode()
    entry = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"
    app_args = [sys.executable, "-c", entry, "--data-dir", str(data_dir), "gui", "--smoke"]
    bare, ours = [], []
    for _ in range(runs):
        bare.append(spawn_until([sys.executable, "-c", BARE], "drawn"))
        ours.append(spawn_until(app_args, "dashboard_drawn_s"))
    return statistics.median(bare), statistics.median(ours)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def in_process(data_dir: Path) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import open_database
    from app.paths import database_path
    from app.safety.auth import DEMO_USER
    from app.services import Services
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    db = open_database(database_path(data_dir))
    w = MainWindow(Services(db, DEMO_USER))
    w.setWindowState(Qt.WindowState.WindowNoState)
    w.resize(1366, 768)
    w.show()
    w.runner.wait()
    app.processEvents()
    page, model = w.case_list, w.case_list.model

    def until_loaded(action: object, first_screen: bool = False) -> float:
        """Seconds until every matching id is in the model, or with `first_screen` until the
        first screen of rows is drawn (the model shows it before the rest of the ids)."""
        loop = QEventLoop()
        signals = [model.loaded, model.first_page_shown] if first_screen else [model.loaded]
        for signal in signals:
            signal.connect(loop.quit)
        QTimer.singleShot(30000, loop.quit)
        started = time.perf_counter()
        action()  # type: ignore[operator]
        loop.exec()
        page.table.repaint()  # the visible rows fetched and drawn
        elapsed = time.perf_counter() - started
        for signal in signals:
            signal.disconnect(loop.quit)
        if first_screen:
            w.runner.wait()
            app.processEvents()
        return elapsed

    w.go("cases")
    out: dict[str, float] = {}
    firsts = [until_loaded(page.apply, first_screen=True) for _ in range(5)]
    out["first_screen_ms"] = statistics.median(firsts) * 1000
    firsts = [until_loaded(page.apply) for _ in range(5)]
    out["first_page_ms"] = statistics.median(firsts) * 1000
    out["cases_listed"] = model.rowCount()
    # One keystroke after a pause: the box already holds the text before it, answered.
    for text in ("z", "zs", "张", "土地", "1380", "XF2025-00"):
        times = []
        for _ in range(3):
            page.search.setText(text[:-1])
            until_loaded(page.apply)
            page.timer.stop()  # the pause: the next key is answered at once
            page.search.setFocus()
            last = text[-1]
            if last.isascii():
                times.append(until_loaded(lambda k=last: QTest.keyClicks(page.search, k)))
            else:
                times.append(until_loaded(lambda t=text: (page.search.setText(t), page._typed(t))))
            assert model.filter.text == text
        out[f"search_{text}_ms"] = statistics.median(times) * 1000
        out[f"search_{text}_rows"] = model.rowCount()
    page.search.clear()
    until_loaded(page.apply)
    # Browse: scroll through the list, open cases, visit every page.
    table = page.table
    for row in range(0, model.rowCount(), max(1, model.rowCount() // 200)):
        table.scrollTo(model.index(row, 0))
        table.viewport().repaint()
    table.scrollToBottom()
    table.viewport().repaint()
    for row in range(0, 30):
        case_id = model.case_id(row * 997)
        if case_id is not None:
            w.open_case(case_id)
            app.processEvents()
    for key in (
        "workbench",
        "intake",
        "cases",
        "stats",
        "reports",
        "receptions",
        "screenings",
        "settings",
    ):
        w.go(key)
        w.runner.wait()
        app.processEvents()
        w.repaint()
    QTest.qWait(200)
    w.runner.wait()
    out["rss_after_browsing_mb"] = rss_mb()
    import resource

    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w.pages["intake"].dirty = False  # type: ignore[attr-defined]
    w.close()
    w.runner.wait()
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="/tmp/xinfang-bench-100k")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    ensure_database(data_dir, args.cases)
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    bare, ours = cold_start(data_dir, args.runs)
    figures = in_process(data_dir)
    print(
        f"cold start to dashboard drawn: {ours:.2f} s (target ≤ 1.5 s); bare PySide6 window: "
        f"{bare:.2f} s; ratio {ours / bare:.1f}×"
    )
    print(
        f"first page of the case list: {figures['first_page_ms']:.0f} ms for "
        f"{int(figures['cases_listed']):,} cases, every id in the model (target ≤ 150 ms); "
        f"first screen drawn: {figures['first_screen_ms']:.0f} ms"
    )
    for key, value in figures.items():
        if key.startswith("search_") and key.endswith("_ms"):
            text = key[len("search_") : -len("_ms")]
            rows = int(figures[f"search_{text}_rows"])
            print(
                f"search keystroke '{text}' → rows updated: {value:.0f} ms ({rows:,} rows) (target "
                "≤ 150 ms)"
            )
    print(
        f"resident memory after browsing: {figures['rss_after_browsing_mb']:.0f} MB, peak "
        f"{figures['peak_rss_mb']:.0f} MB (target ≤ 350 MB)"
    )
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        json.dumps(
            {
                "cold_start_s": round(ours, 3),
                "bare_window_s": round(bare, 3),
                **{k: round(v, 1) for k, v in figures.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
