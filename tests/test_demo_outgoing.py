"""The demo generator's outgoing handling (issue 17): 交办 with 期限, 签收, 反馈, 退回, 催办, 督办
and 上级督办 at realistic rates, inside the rules, and the same data for the same seed."""

from collections import Counter
from pathlib import Path

from sqlalchemy import select

from app.bootstrap import open_database
from app.cases import demo
from app.cases.outgoing import unit_states
from app.db import Database
from app.models import Case, Event


def _events(db: Database) -> list[tuple[int, int, str, str, str]]:
    with db.read() as s:
        # Ordered: PostgreSQL returns rows in no particular order (SQLite: as inserted).
        query = select(Event.case_id, Event.seq, Event.kind, Event.on, Event.data)
        rows = s.execute(query.order_by(Event.case_id, Event.seq))
        return [(c, q, k, str(on), str(sorted(d.items()))) for c, q, k, on, d in rows]


def test_demo_outgoing_rates_rules_and_seed(db: Database, tmp_path: Path) -> None:
    demo.generate(db, 1500, seed=11, years=(2024, 2025))
    kinds = Counter(k for _c, _q, k, _on, _d in _events(db))
    cases = 1500
    # Realistic shares of all cases (not exact figures: the timeline is cut off at today).
    assert 0.15 * cases < kinds["交办"] < 0.3 * cases
    assert kinds["签收"] > 0.5 * kinds["交办"] and kinds["反馈"] > 0.5 * kinds["交办"]
    for kind in ("退回", "催办", "督办", "上级督办"):
        assert 0 < kinds[kind] < 0.1 * cases, kind
    with db.read() as s:
        for case in s.scalars(select(Case)):
            sends = unit_states(case.events)
            for send in sends:
                # Every 期限 within the statutory due (§3), every step matched to its send.
                if send.deadline is not None:
                    assert case.handling_due is not None and send.deadline <= case.handling_due
            follow = [e for e in case.events if e.kind in ("签收", "反馈", "退回", "催办")]
            assert all(e.data["unit"] in {u.unit for u in sends} for e in follow)
            ext = next((e for e in case.events if e.kind == "延期"), None)
            if ext is not None:
                assert case.handling_due is not None
                # recorded before the due it extended (§3: not after the limit expired)
                assert (case.handling_due - ext.on).days >= int(ext.data["days"])
        returned = s.scalars(select(Case).join(Event).where(Event.kind == "退回")).all()
        assert {c.status for c in returned} - {"已作废"}  # some returned cases in the data
    other = open_database(tmp_path / "again.sqlite3")
    try:
        demo.generate(other, 1500, seed=11, years=(2024, 2025))
        assert _events(other) == _events(db)
    finally:
        other.close()
