"""The services of one signed-in account, built in one place for the GUI.

A view gets the one service it needs from here (never the `Database`), so every call it makes
goes through a service that knows who is asking.
"""

from dataclasses import dataclass, field
from functools import cached_property

from app.cases.service import CaseService
from app.db import Database
from app.documents.service import DocumentService
from app.ledger.service import LedgerService
from app.office.registers import RegisterService
from app.office.service import OfficeService
from app.periods.service import PeriodService
from app.safety.auth import AuthService, CurrentUser
from app.safety.backup import BackupService
from app.stats.service import StatisticsService


@dataclass
class Services:
    db: Database = field(repr=False)
    user: CurrentUser

    @cached_property
    def cases(self) -> CaseService:
        return CaseService(self.db, self.user)

    @cached_property
    def office(self) -> OfficeService:
        return OfficeService(self.db, self.user)

    @cached_property
    def registers(self) -> RegisterService:
        return RegisterService(self.db, self.user)

    @cached_property
    def statistics(self) -> StatisticsService:
        return StatisticsService(self.db, self.user)

    @cached_property
    def documents(self) -> DocumentService:
        return DocumentService(self.db, self.user)

    @cached_property
    def accounts(self) -> AuthService:
        return AuthService(self.db, self.user)

    @cached_property
    def backup(self) -> BackupService:
        return BackupService(self.db, self.user)

    @cached_property
    def ledger(self) -> LedgerService:
        return LedgerService(self.db, self.user)

    @cached_property
    def periods(self) -> PeriodService:
        return PeriodService(self.db, self.user)
