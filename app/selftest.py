"""`xinfang selftest`: prove an installed copy works, end to end, without touching real data.

Everything happens in a new temporary data folder: the migrations run, cases are registered and
taken through the workflow, statistics are computed and compared with figures known in advance,
every bundled template is rendered, a ledger is exported and read back into a second database,
and a backup is made and verified. Every module of `app` and `ui` is imported (a module the
bundle left out is named), and the real main window is started offscreen on the selftest's
database by the `gui` command's own code (`ui.main.run_gui`, in demo mode so no login is asked),
drawn and closed. It runs the same from source and from the PyInstaller bundle, so it is what CI
runs against the built folder and what a support person asks a clerk to run.

`app/` imports no Qt: the 主窗口 step calls `ui/selftest_window.py`, loaded only when it runs.

Each step reports 通过 or 失败 with the reason; a failed step does not hide the others (a step
whose input is missing says so). "Today" is pinned for the run so the expected figures hold.
"""

import datetime as dt
import importlib
import importlib.util
import json
import pkgutil
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from app import clock, paths

if TYPE_CHECKING:
    from app.safety.auth import CurrentUser

TODAY = dt.date(2025, 12, 31)  # a year chinesecalendar knows, so deadlines are exact
PERIOD = (dt.date(2025, 11, 1), dt.date(2025, 12, 31))
USER = "自检"  # the account the checks act as (an administrator, passed to every service)
VALID_ID = "11010519491231002X"  # GB 11643-1999's own example number


def _user() -> "CurrentUser":
    from app.safety.auth import ADMIN, CurrentUser

    return CurrentUser(USER, USER, ADMIN)


class Failed(Exception):
    """A check inside a step did not hold; the message says which and what was seen."""


@dataclass
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Report:
    folder: Path
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    @property
    def failed(self) -> list[StepResult]:
        return [s for s in self.steps if not s.ok]


def expect(what: str, got: Any, want: Any) -> None:
    if got != want:
        raise Failed(f"{what}应为 {want!r}，实为 {got!r}")


def describe(exc: BaseException) -> str:
    """One line a developer can act on: the message and where it was raised."""
    from app.errors import DomainError

    if isinstance(exc, Failed):
        return str(exc)
    if isinstance(exc, DomainError):
        return f"程序报告：{exc.message}"
    if isinstance(exc, ImportError):
        return f"缺少模块 {exc.name or exc}（此功能没有装进程序）"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"（{Path(frames[-1].filename).name} 第 {frames[-1].lineno} 行）" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


class _Run:
    """The state the steps share: the folder, the database and what earlier steps produced."""

    def __init__(self, folder: Path, server_url: str | None = None) -> None:
        self.folder = folder
        self.server_url = server_url
        self.db: Any = None
        self.numbers: dict[str, str] = {}  # role in the script -> 编号
        self.ledger: Path | None = None

    def need_db(self) -> Any:
        if self.db is None:
            raise Failed("数据库没有建成（见“数据库迁移”一步），无法进行")
        return self.db

    # ---- steps ----
    def files(self) -> str:
        """The shipped files the program reads at run time are where `paths.bundled` looks."""
        from app.documents import catalog

        versions = sorted(paths.bundled("app", "migrations", "versions").glob("*.py"))
        if not paths.bundled("app", "migrations", "env.py").is_file() or not versions:
            raise Failed(f"找不到数据库迁移脚本（{paths.bundled('app', 'migrations')}）")
        missing = [
            s.name
            for s in catalog.SPECS
            if not (catalog.default_dir() / f"{s.name}.docx").is_file()
        ]
        if missing:
            raise Failed(f"缺少默认模板：{'、'.join(missing)}（{catalog.default_dir()}）")
        icon = paths.bundled("resources", "xinfang.png")
        if not icon.is_file():
            raise Failed(f"缺少程序图标 {icon}")
        # Qt's Chinese buttons and dialogs; found without importing Qt (app/ never loads it).
        spec = importlib.util.find_spec("PySide6")
        qt = Path(next(iter(spec.submodule_search_locations or []), "")) if spec else None
        qm = qt / "Qt" / "translations" / "qtbase_zh_CN.qm" if qt else None
        if qm is None or not qm.is_file():
            raise Failed(f"缺少 Qt 中文翻译 qtbase_zh_CN.qm（{qm or '找不到 PySide6'}）")
        # The bundle turns UTF-8 mode on itself (build.spec: the "X utf8" interpreter option;
        # a frozen program ignores PYTHONUTF8). From source it follows the environment.
        utf8 = "开" if sys.flags.utf8_mode else "关"
        if getattr(sys, "frozen", False) and not sys.flags.utf8_mode:
            raise Failed("程序没有以 UTF-8 模式运行（打包时应在 build.spec 中设置 X utf8 选项）")
        return (
            f"迁移脚本 {len(versions)} 个，默认模板 {len(catalog.SPECS)} 个，"
            f"图标，Qt 中文翻译，UTF-8 模式：{utf8}"
        )

    def modules(self) -> str:
        """Every module of `app` and `ui` imports (what the bundle left out is named)."""
        names, broken = import_all()
        if broken:
            shown = "；".join(f"{name}：{describe(exc)}" for name, exc in broken[:5])
            raise Failed(f"{len(broken)} 个模块不能导入：{shown}")
        count = {pkg: sum(1 for n in names if n.split(".")[0] == pkg) for pkg in PACKAGES}
        # A walk that finds nothing (a frozen importer that cannot list) must not pass.
        missing = [
            m
            for m in ("app.cli.gui_cmd", "ui.main", "ui.main_window", "ui.safety.single_instance")
            if m not in names
        ]
        if missing:
            raise Failed(f"列举模块时没有找到 {'、'.join(missing)}（共找到 {len(names)} 个）")
        return f"app {count['app']} 个、ui {count['ui']} 个模块全部导入"

    def main_window(self) -> str:
        """The real main window, started by the `gui` command's code offscreen, drawn, closed."""
        self.need_db()
        # The Qt part lives in ui/ (app/ imports no Qt); loaded only when this step runs.
        from ui.selftest_window import start_main_window

        return start_main_window()

    def migrate(self) -> str:
        from app import migrate
        from app.bootstrap import open_database

        path = paths.database_path(self.folder)
        self.db = open_database(path)
        expect("数据库结构版本", migrate.current_revision(path), migrate.head_revision())
        differences = migrate.schema_differences(path)
        if differences:
            raise Failed(f"迁移后的数据库与程序的数据模型不一致：{differences[:3]}")
        return f"结构版本 {migrate.head_revision()}，与数据模型一致"

    def server(self) -> str:
        """Given a server URL (issue 20): psycopg loads, the server answers, and its schema is
        this program's — read only, in a READ ONLY transaction: the office's data is never
        touched (the other steps run on a temporary file as always)."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        from app import migrate
        from app.db import describe_url, make_server_engine, server_url

        assert self.server_url is not None
        url = server_url(self.server_url)
        engine = make_server_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SET TRANSACTION READ ONLY"))
                version = conn.execute(text("SHOW server_version")).scalar()
                tls = conn.execute(
                    text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                ).scalar()
                revision = migrate.server_revision(conn)
                conn.rollback()
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
            raise Failed(f"无法连接服务器 {describe_url(url)}：{reason}") from None
        finally:
            engine.dispose()
        if revision is not None and revision != migrate.SCHEMA_HEAD:
            if revision not in migrate.known_revisions():
                raise Failed(f"服务器数据库结构版本 {revision} 由更新版本创建，本程序不能使用")
            return (
                f"{describe_url(url)}：PostgreSQL {version}，结构版本 {revision}"
                "（较旧，首次连接时会升级）"
            )
        shown = revision or "空数据库，首次连接时会建立"
        return (
            f"{describe_url(url)}：PostgreSQL {version}，加密连接 {'是' if tls else '否'}，"
            f"结构版本 {shown}"
        )

    def cases(self) -> str:
        from app.cases.intake import CaseInput
        from app.cases.search import CaseFilter
        from app.cases.service import CaseService

        service = CaseService(self.need_db(), _user())
        d = dt.date

        def new(role: str, **kw: Any) -> str:
            kw.setdefault("nature", "申诉求决类")  # §9: 性质 is required at intake
            created = service.create(CaseInput(category="农村农业", summary=f"自检{role}", **kw))
            self.numbers[role] = created.number
            return created.number

        # A: a collective visit taken through every step up to 终结 (every 文书 has its event).
        a = new(
            "甲",
            received_on=d(2025, 11, 3),
            form="来访",
            name="自检甲",
            id_number=VALID_ID,
            phone="13800138000",
            persons=6,
        )
        for action, on, data in [
            ("受理", d(2025, 11, 4), {}),
            ("督办", d(2025, 11, 10), {"by": "局办公室"}),
            ("延期", d(2025, 11, 12), {"reason": "需要现场核实", "approver": "局长", "days": 15}),
            ("答复", d(2025, 11, 20), {"result": "支持", "text": "已协调解决"}),
            ("办结", d(2025, 11, 21), {}),
            ("回访", d(2025, 11, 25), {"rating": "满意"}),
            ("复查申请", d(2025, 11, 28), {}),
            ("复查意见", d(2025, 12, 10), {"opinion": "维持原处理意见"}),
            ("复核申请", d(2025, 12, 15), {}),
            ("复核意见", d(2025, 12, 20), {"opinion": "维持复查意见"}),
        ]:
            service.act(a, action, on, cast(dict[str, Any], data))
        b = new("乙", received_on=d(2025, 11, 10), form="来信", name="自检乙")
        service.act(b, "交办", d(2025, 11, 12), {"to": "农村经营管理股", "deadline": "2026-01-10"})
        c = new("丙", received_on=d(2025, 12, 1), form="来电", name="自检丙")
        service.act(
            c, "不予受理", d(2025, 12, 3), {"reason": "属诉讼事项", "route": "向人民法院起诉"}
        )
        e = new("丁", received_on=d(2025, 12, 5), form="网上", name="自检丁")
        service.act(e, "转送", d(2025, 12, 8), {"to": "县住房和城乡建设局"})
        v = new("戊", received_on=d(2025, 12, 6), form="传真", name="自检戊")
        service.act(v, "作废", d(2025, 12, 7), {"reason": "重复登记"})

        statuses = {role: service.detail(n).status for role, n in self.numbers.items()}
        expect(
            "各件状态",
            statuses,
            {"甲": "终结", "乙": "办理中", "丙": "不予受理", "丁": "已转送", "戊": "已作废"},
        )
        expect("查询“自检”找到的件数（不含作废）", service.count(CaseFilter(text="自检")), 4)
        expect("按拼音首字母 zjj 查到的件数", service.count(CaseFilter(text="zjj")), 1)
        steps = sum(len(service.detail(n).events) for n in self.numbers.values())
        return f"登记 5 件，办理 {steps} 步，状态与查询正确"

    def statistics(self) -> str:
        from app.stats.service import StatisticsService

        stats = StatisticsService(self.need_db(), _user()).compute(*PERIOD).to_json()
        json.dumps(stats, ensure_ascii=False)  # the CLI and reports serialise it
        # Expected from the script above (docs/rules.md, 统计); 戊 is void and leaves every figure.
        expect("信访总量", stats["total"], 4)
        expect("总人次", stats["persons_total"], 9)
        expect("按形式", stats["by_form"], {"来信": 1, "来访": 1, "来电": 1, "网上": 1, "传真": 0})
        expect("来访", stats["visits"], {"batches": 1, "persons": 6})
        expect("集体访", stats["collective"], {"batches": 1, "persons": 6})
        expect("及时受理率", stats["timely_acceptance_rate"], 1.0)
        expect("办结率", stats["closure_rate"], 0.5)  # 甲 closed of 甲, 乙
        expect("处理率", stats["handled_rate"], 0.75)  # 甲 终结, 丙 不予受理, 丁 转送
        expect("满意率", stats["satisfaction_rate"], 1.0)
        return "总量 4、人次 9、办结率 50%、处理率 75%、满意率 100%，与预期一致"

    def documents(self) -> str:
        from docx import Document

        from app.documents import catalog
        from app.documents.service import DocumentService
        from app.documents.template_check import leftover_tags

        service = DocumentService(self.need_db(), _user())
        out_dir = self.folder / "文档"
        out_dir.mkdir()
        done: list[str] = []
        for info in catalog.available():
            out = out_dir / f"{info.name}.docx"
            try:
                if info.kind == catalog.REPORT:
                    service.report(info.name, *PERIOD, None, out)
                else:
                    service.case_document(self._case_for(info), info.name, out)
                doc = Document(str(out))
                left = leftover_tags(doc)
                if left:
                    raise Failed(f"生成的文档里还有没填的标签：{left[:3]}")
                if not any(p.text.strip() for p in doc.paragraphs):
                    raise Failed("生成的文档是空的")
            except Exception as exc:
                raise Failed(f"《{info.name}》：{describe(exc)}") from exc
            done.append(info.name)
        expect("生成的模板数", len(done), len(catalog.SPECS))
        return f"{len(done)} 个模板全部生成并检查：{'、'.join(done)}"

    def _case_for(self, info: Any) -> str:
        """The case of the script whose timeline has an event this 文书 needs."""
        from app.cases.service import CaseService

        service = CaseService(self.need_db(), _user())
        for number in self.numbers.values():
            kinds = {e.kind for e in service.detail(number).events}
            if not info.requires or kinds & set(info.requires):
                return number
        raise Failed(
            f"自检数据中没有能生成《{info.name}》的信访件（需要{'或'.join(info.requires)}）"
        )

    def ledger_roundtrip(self) -> str:
        from app.bootstrap import open_database
        from app.cases.search import CaseFilter
        from app.ledger.export import export_ledger
        from app.ledger.importing import dry_run, import_ledger
        from app.stats.service import StatisticsService

        db = self.need_db()
        self.ledger = self.folder / "台账.xlsx"
        exported = export_ledger(db, CaseFilter(), self.ledger)
        expect("导出的行数", exported.rows, 4)
        other = open_database(self.folder / "导入" / paths.DB_FILENAME)
        try:
            _table, plan = dry_run(other, self.ledger)
            if plan.errors:
                raise Failed("导回时报错：" + "；".join(p.line() for p in plan.errors[:3]))
            result = import_ledger(other, plan, USER, self.ledger.name)
            expect("导回的件数", result.created, 4)
            keys = ("total", "persons_total", "by_form", "visits", "collective")
            mine = StatisticsService(db, _user()).compute(*PERIOD).to_json()
            back = StatisticsService(other, _user()).compute(*PERIOD).to_json()
            for key in keys:
                expect(f"导回后的{key}", back[key], mine[key])
        finally:
            other.close()
        return f"导出 {exported.rows} 行，导入到新数据库 {result.created} 件，统计一致"

    def backup(self) -> str:
        from app.safety import backup

        db = self.need_db()
        info = backup.make_backup(db, folder=self.folder / "备份")
        expect("备份中的信访件数", info.cases, 4)
        expect("校验备份文件得到的件数", backup.check_backup_file(info.path), 4)
        listed = [b.path for b in backup.list_backups(self.folder / "备份")]
        expect("备份文件夹中的备份", listed, [info.path])
        return f"备份 {info.path.name}（{info.size // 1024} KB）已校验"

    def encryption(self) -> str:
        """SQLCipher in this build: the first account encrypts, only its password opens."""
        from app import migrate
        from app.bootstrap import open_database
        from app.cases.intake import CaseInput
        from app.cases.search import CaseFilter
        from app.cases.service import CaseService
        from app.safety import crypto, unlock

        path = self.folder / "加密" / "xinfang.sqlite3"
        # A copy of the migrated database (no second schema build): without accounts, plain.
        migrate.copy_database(self.need_db().path, path)
        db = open_database(path)
        before = CaseService(db, _user()).count(CaseFilter())
        user, _recovery = unlock.create_first_admin(db, "admin", "selftest-1")
        CaseService(db, user).create(
            CaseInput(
                received_on=dt.date(2025, 3, 5),
                form="来信",
                name="自检",
                phone="13800138000",
                summary="自检加密",
                category="农村农业",
                nature="申诉求决类",  # §9: 反映问题, 问题类别 and 性质 are required at intake
            )
        )
        db.close()
        crypto.forget(path)
        expect("加密后文件头不是明文", crypto.has_plain_header(path), False)
        expect("数据库文件中没有明文电话", b"13800138000" in path.read_bytes(), False)
        try:
            unlock.sign_in(path, "admin", "wrong-pass")
        except crypto.WrongKey:
            pass
        else:
            raise Failed("错误的密码打开了加密数据库")
        done = unlock.sign_in(path, "admin", "selftest-1")
        try:
            got = CaseService(done.db, done.user).count(CaseFilter())
            expect("解锁后的信访件数", got, before + 1)
        finally:
            done.db.close()
            crypto.forget(path)
        return "SQLCipher 加密、错误密码被拒、正确密码打开"


# ---- the modules (the main window: ui/selftest_window.py) -----------------------------------

PACKAGES = ("app", "ui")


def import_all() -> tuple[list[str], list[tuple[str, BaseException]]]:
    """Import every module of `app` and `ui` (not the migration scripts: Alembic reads those
    as data). Returns the names found and the (name, error) of those that failed."""
    names: list[str] = []
    broken: list[tuple[str, BaseException]] = []
    for pkg in PACKAGES:
        try:
            package = importlib.import_module(pkg)
        except Exception as exc:  # noqa: BLE001 (named in the report)
            broken.append((pkg, exc))
            continue
        names.append(pkg)
        found = pkgutil.walk_packages(package.__path__, f"{pkg}.", onerror=lambda _name: None)
        for info in sorted(found, key=lambda m: m.name):
            if info.name == "app.migrations" or info.name.startswith("app.migrations."):
                continue
            names.append(info.name)
            try:
                importlib.import_module(info.name)
            except Exception as exc:  # noqa: BLE001 (named in the report)
                broken.append((info.name, exc))
    return names, broken


def steps(run: _Run) -> list[tuple[str, Callable[[], str]]]:
    server = [("服务器连接", run.server)] if run.server_url else []
    return [
        ("程序文件", run.files),
        ("模块导入", run.modules),
        *server,
        ("数据库迁移", run.migrate),
        ("登记与办理", run.cases),
        ("统计", run.statistics),
        ("模板生成", run.documents),
        ("台账导出与导回", run.ledger_roundtrip),
        ("备份与校验", run.backup),
        ("数据加密", run.encryption),
        ("主窗口", run.main_window),
    ]


def run_selftest(
    keep: bool = False,
    on_step: Callable[[StepResult], None] | None = None,
    server_url: str | None = None,
) -> Report:
    """Run every step in a new temporary data folder (removed afterwards unless `keep`); with
    `server_url`, also check that server (read only)."""
    folder = Path(tempfile.mkdtemp(prefix="xinfang-selftest-"))
    report = Report(folder)
    run = _Run(folder, server_url)
    # The steps use the program's own path and clock helpers; point them at the temporary folder
    # and the pinned day for the run, and put back whatever was set before.
    previous_dir = getattr(paths, "_data_dir_override", None)
    previous_today = getattr(clock, "_fixed", None)
    paths.set_data_dir(folder)
    clock.set_today(TODAY)
    try:
        for name, step in steps(run):
            started = time.perf_counter()
            try:
                result = StepResult(name, True, step(), 0.0)
            except Exception as exc:
                result = StepResult(name, False, describe(exc), 0.0)
            result.seconds = round(time.perf_counter() - started, 2)
            report.steps.append(result)
            if on_step:
                on_step(result)
    finally:
        if run.db is not None:
            run.db.close()
        paths.set_data_dir(previous_dir)
        clock.set_today(previous_today)
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    return report
