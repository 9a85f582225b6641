"""0008_outgoing: events stay as recorded; the handling due is re-projected statutorily (a 交办
期限 no longer replaces it) and an imported 退回 of a 转送 makes the case 待受理 again."""

import datetime as dt
import sqlite3
from pathlib import Path

from accounts import TESTER
from alembic import command
from factories import case_input

from app import migrate
from app.cases.service import CaseService
from app.db import Database


def test_upgrade_reprojects_the_handling_due_and_leaves_events(db: Database) -> None:
    cases = CaseService(db, TESTER)
    assigned = cases.create(case_input(dt.date(2025, 3, 5), "来信", name="甲")).number
    cases.act(assigned, "交办", dt.date(2025, 3, 6), {"to": "镇政府", "deadline": "2025-04-15"})
    forwarded = cases.create(case_input(dt.date(2025, 3, 5), "来信", name="乙")).number
    cases.act(forwarded, "转送", dt.date(2025, 3, 6), {"to": "县人社局"})
    path: Path = db.path
    db.close()
    command.downgrade(migrate.alembic_config(path), "0007_crypto")
    conn = sqlite3.connect(path)
    # What the old program wrote: the 交办 期限 as the handling due; an imported 已退单 after
    # the 转送 that it kept as 已转送.
    conn.execute("UPDATE cases SET handling_due = '2025-04-15' WHERE number = ?", (assigned,))
    case_id = conn.execute("SELECT id FROM cases WHERE number = ?", (forwarded,)).fetchone()[0]
    conn.execute(
        'INSERT INTO events (case_id, seq, kind, "on", data, recorded_by, recorded_at) '
        "VALUES (?, 3, '退回', '2025-03-10', '{\"reason\": \"不属本单位职责\"}', '导入', "
        "'2025-12-01 09:00:00')",
        (case_id,),
    )
    conn.commit()
    events_before = conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    conn.close()

    migrate.upgrade(path)
    conn = sqlite3.connect(path)
    rows = dict(
        (n, (s, h, u1, u2))
        for n, s, h, u1, u2 in conn.execute(
            "SELECT number, status, handling_due, undone_final_on, undone_on FROM cases"
        )
    )
    events_after = conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    conn.close()
    assert events_after == events_before
    assert rows[assigned] == ("办理中", "2025-05-06", None, None)
    assert rows[forwarded] == ("待受理", None, "2025-03-06", "2025-03-10")
