"""The ledger service: the checked entry point for importing and exporting the Excel 台账.

Reading a file and writing the cases need `import`; writing a ledger file needs `export`, and
one with the full ID numbers and phones also `reveal` (and is written to the audit log, PIPL).
The functions in importing.py and export.py do the work.
"""

from pathlib import Path

from app import audit
from app.cases.search import CaseFilter
from app.db import Database
from app.ledger import export, importing
from app.ledger.export import ExportResult
from app.ledger.importing import ImportPlan, ImportResult
from app.ledger.read import Table
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
        result = export.export_ledger(
            self.db, case_filter, Path(out), mask=mask, progress=progress, with_stats=with_stats
        )
        if not mask:
            with self.db.session() as s:
                audit.record(s, self.user.label, "导出完整身份证号和电话", "ledger", Path(out).name)
        return result
