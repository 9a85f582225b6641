"""The ledger service: the checked entry point for importing and exporting the Excel 台账.

Reading a file and writing the cases need `import`; writing a ledger file needs `export`, and
one with the full ID numbers and phones also `reveal` (and is written to the audit log, PIPL).
The functions in importing.py and export.py do the work.
"""

from pathlib import Path

from app import audit
from app.cases import scope
from app.cases.search import CaseFilter
from app.db import Database
from app.ledger import export, importing, mappings, read, registers_import
from app.ledger.export import ExportResult
from app.ledger.importing import ImportPlan, ImportResult
from app.ledger.mappings import Remembered
from app.ledger.read import Table
from app.ledger.registers_import import RegisterPlan, RegisterResult
from app.periods.service import LEDGER, record_file_in
from app.safety import auth


class LedgerService:
    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        self.user = user  # the signed-in account, never a default

    def dry_run(
        self,
        path: Path,
        sheet: str | None = None,
        mapping: dict[str, int] | None = None,
        update: bool = False,
        add_unknown: bool = False,
        fixed: dict[str, str] | None = None,
    ) -> tuple[Table, ImportPlan]:
        """Read the file and check every row; writes nothing. `fixed`: whole-sheet values."""
        auth.require(self.user, "import")
        return importing.dry_run(self.db, path, sheet, mapping, update, add_unknown, fixed)

    def read(self, path: Path, sheet: str | None = None) -> Table:
        """Read the file and find its header; checks nothing (the clerk maps columns next)."""
        auth.require(self.user, "import")
        return read.read_table(Path(path), sheet)

    def remembered_mapping(self, table: Table) -> Remembered | None:
        """What the clerk set by hand for a sheet with this same header last time, if anything."""
        auth.require(self.user, "import")
        with self.db.read() as s:
            found = mappings.load(s, table.headers)
        return found or None

    def remember_mapping(
        self, table: Table, mapping: dict[str, int], fixed: dict[str, str] | None = None
    ) -> bool:
        """Keep the clerk's own choices (against the header detection's `table.mapping`) for the
        next sheet with this header; called after a successful import. Returns whether anything
        was kept (nothing when the clerk changed nothing)."""
        auth.require(self.user, "import")
        remembered = mappings.difference(table.mapping, mapping, fixed or {})
        with self.db.session() as s:
            return mappings.save(s, table.headers, remembered, self.user.label)

    def dry_run_register(
        self,
        path: Path,
        register: str,
        sheet: str | None = None,
        update: bool = False,
        also_cases: bool = False,
        add_unknown: bool = False,
        table: Table | None = None,
        fixed: dict[str, str] | None = None,
    ) -> RegisterPlan:
        """The dry run of a 领导接访 or 排查调处 sheet (and, `also_cases`, of its 来访 cases)."""
        auth.require(self.user, "import")
        return registers_import.dry_run(
            self.db,
            Path(path),
            register,
            sheet,
            update,
            also_cases,
            add_unknown,
            fixed=fixed,
            table=table,
        )

    def import_register(
        self, plan: RegisterPlan, source: str = "", skip_bad_rows: bool = False
    ) -> RegisterResult:
        """Write a checked register plan and its cases in one transaction, or nothing."""
        auth.require(self.user, "import")
        auth.require(self.user, "registers")
        return registers_import.import_register(self.db, plan, self.user, source, skip_bad_rows)

    def check(self, table: Table, update: bool = False, add_unknown: bool = False) -> ImportPlan:
        """The dry run of a table already read (after the clerk remapped its columns)."""
        auth.require(self.user, "import")
        return importing.check(self.db, table, update, add_unknown)

    def import_(
        self,
        plan: ImportPlan,
        source: str = "",
        progress: importing.Progress | None = None,
        skip_bad_rows: bool = False,
    ) -> ImportResult:
        """Write a checked plan: all rows in one transaction, or none."""
        auth.require(self.user, "import")
        return importing.import_ledger(
            self.db, plan, self.user.label, source, progress, skip_bad_rows, role=self.user.role
        )

    def export(
        self,
        case_filter: CaseFilter,
        out: Path,
        mask: bool = True,
        progress: export.Progress | None = None,
        with_stats: bool = True,
    ) -> ExportResult:
        """The cases `case_filter` selects, to `out` (.xlsx); masked unless `mask=False`."""
        auth.require(self.user, "export")
        if not mask:
            auth.require(self.user, "reveal")
        with self.db.read() as s:
            # A 登记员 limited to a 科室 exports that 科室's cases (app/cases/scope.py).
            case_filter = scope.restrict(s, self.user, case_filter)
        result = export.export_ledger(
            self.db, case_filter, Path(out), mask=mask, progress=progress, with_stats=with_stats
        )
        if not mask:
            with self.db.session() as s:
                audit.record(s, self.user.label, "导出完整身份证号和电话", "ledger", Path(out).name)
        f = case_filter
        if f.date_from and f.date_to and f == CaseFilter(date_from=f.date_from, date_to=f.date_to):
            # A ledger of exactly one period is one of its issued files (封账 records them).
            with self.db.session() as s:
                record_file_in(
                    s, f.date_from, f.date_to, None, LEDGER, "台账", Path(out), self.user.label
                )
        return result
