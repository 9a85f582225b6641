"""The services of one signed-in account, built in one place for the GUI.

A view gets the one service it needs from here (never the `Database`), so every call it makes
goes through a service that knows who is asking.
"""

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from app.db import Database
from app.safety.auth import AuthService, CurrentUser

# Each service is imported when first used: documents pull in python-docx and the ledger
# openpyxl (~0.4 s together), which the window does not need to open (cold start, issue 15).
if TYPE_CHECKING:
    from app.attachments.service import AttachmentService
    from app.cases.service import CaseService
    from app.cases.supervision_service import SupervisionService
    from app.documents.service import DocumentService
    from app.ledger.service import LedgerService
    from app.office.registers import RegisterService
    from app.office.service import OfficeService
    from app.office.units import UnitService
    from app.periods.service import PeriodService
    from app.safety.backup import BackupService
    from app.stats.service import StatisticsService


@dataclass
class Services:
    db: Database = field(repr=False)
    user: CurrentUser

    @cached_property
    def cases(self) -> "CaseService":
        from app.cases.service import CaseService

        return CaseService(self.db, self.user)

    @cached_property
    def office(self) -> "OfficeService":
        from app.office.service import OfficeService

        return OfficeService(self.db, self.user)

    @cached_property
    def registers(self) -> "RegisterService":
        from app.office.registers import RegisterService

        return RegisterService(self.db, self.user)

    @cached_property
    def statistics(self) -> "StatisticsService":
        from app.stats.service import StatisticsService

        return StatisticsService(self.db, self.user)

    @cached_property
    def documents(self) -> "DocumentService":
        from app.documents.service import DocumentService

        return DocumentService(self.db, self.user)

    @cached_property
    def accounts(self) -> AuthService:
        return AuthService(self.db, self.user)

    @cached_property
    def backup(self) -> "BackupService":
        from app.safety.backup import BackupService

        return BackupService(self.db, self.user)

    @cached_property
    def ledger(self) -> "LedgerService":
        from app.ledger.service import LedgerService

        return LedgerService(self.db, self.user)

    @cached_property
    def attachments(self) -> "AttachmentService":
        from app.attachments.service import AttachmentService

        return AttachmentService(self.db, self.user)

    @cached_property
    def units(self) -> "UnitService":
        from app.office.units import UnitService

        return UnitService(self.db, self.user)

    @cached_property
    def supervision(self) -> "SupervisionService":
        from app.cases.supervision_service import SupervisionService

        return SupervisionService(self.db, self.user)

    @cached_property
    def periods(self) -> "PeriodService":
        from app.periods.service import PeriodService

        return PeriodService(self.db, self.user)
