"""0006_docs: a blank 性质 is set from the summary at upgrade, audited as a system change."""

import datetime as dt
import sqlite3
from pathlib import Path

from accounts import TESTER
from alembic import command
from factories import case_input

from app import audit, migrate
from app.cases.service import CaseService
from app.db import Database


def test_blank_nature_gets_the_suggestion_at_upgrade(db: Database) -> None:
    cases = CaseService(db, TESTER)
    accusing = cases.create(
        case_input(
            dt.date(2025, 3, 1), "来信", name="甲", summary="举报某局长受贿", nature="申诉求决类"
        )
    ).number
    asking = cases.create(
        case_input(
            dt.date(2025, 3, 1), "来信", name="乙", summary="要求补发工资", nature="申诉求决类"
        )
    ).number
    path: Path = db.path
    db.close()
    command.downgrade(migrate.alembic_config(path), "0004")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE cases SET nature = NULL")
    conn.commit()
    conn.close()
    migrate.upgrade(path)
    conn = sqlite3.connect(path)
    natures = dict(conn.execute("SELECT number, nature FROM cases"))
    audits = conn.execute(
        "SELECT entity_id, user, field, new FROM audit_log WHERE action = '系统更正' ORDER BY id"
    ).fetchall()
    # The upgrade's own audit rows are sealed into the hash chain with it.
    broken = audit.verify_chain(conn)
    conn.close()
    assert broken is None
    assert natures[accusing] == "检举控告类" and natures[asking] == "申诉求决类"
    assert (accusing, "系统升级", "nature", "检举控告类") in audits
    assert (asking, "系统升级", "nature", "申诉求决类") in audits
