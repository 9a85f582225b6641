"""A case as the tests register it: §9's required fields (反映问题, 问题类别, 性质) filled in with
neutral defaults when a test does not care about them, so each test names only what it checks.

A test that is about the required fields themselves builds `CaseInput` directly.
"""

from pathlib import Path
from typing import Any

from app.cases.intake import CaseInput, create_case, missing_required
from app.cases.service import CaseService
from app.db import Database

DEFAULTS: dict[str, Any] = {
    "summary": "反映问题（测试）",
    "category": "农村农业",
    "nature": "申诉求决类",
}


def case_input(*args: Any, **kw: Any) -> CaseInput:
    """`CaseInput(received_on, form, …)` with the required fields a test leaves out filled in."""
    for name, value in zip(("received_on", "form"), args, strict=False):
        kw[name] = value
    for name, value in DEFAULTS.items():
        kw.setdefault(name, value)
    kw.setdefault("form", "来信")
    return CaseInput(**kw)


def register(cases: CaseService, data: CaseInput) -> str:
    """Register through the service; a case missing a required field (no 问题类别: 未填写 in the
    breakdowns) can only come from an imported ledger, so it is stored as the import would."""
    if not missing_required(data):
        return cases.create(data).number
    with cases.db.session() as s:
        case, _ = create_case(s, data, cases.user.label, required=False)
        return case.number


def data_dir_of(db: Database) -> Path:
    """The `--data-dir` a command should get to reach `db`: a file's own folder; on a server
    (which the command reaches through XINFANG_DATABASE_URL, set by the `db` fixture) the data
    folder the test already uses, for whatever the command writes locally."""
    from app import paths

    return paths.data_dir() if db.is_server else db.path.parent
