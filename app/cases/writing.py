"""Write transactions on cases (issue 20, docs/rules.md 多人使用): the optimistic version of
every case written is checked and held (versions.py), and a concurrent change never escapes as
a raw StaleDataError.

- `write`: one transaction on one or more cases (a 办理 step on one, 关联/合并 on two). Each is
  loaded with its row locked, in id order (two clerks linking A–B and B–A wait for each other
  instead of deadlocking on PostgreSQL), checked against the version the clerk saw, and claimed
  on SQLite before anything else is written.
- `retried`: a transaction that loads its cases itself (the ledger import, with
  `versions.load_for_write` and `versions.claim` per case).

A write with no version (the command line, an import) acts on the current state: when another
clerk's change lands in between, it is done again, up to RETRIES times. A refused write has
written nothing (the transaction is rolled back) and raises StaleCase naming who changed which
case and when.
"""

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.cases import versions
from app.db import Database
from app.errors import DomainError
from app.models import Case

RETRIES = 3
T = TypeVar("T")
Key = int | str


def _id_of(session: Session, key: Key) -> int:
    if isinstance(key, int):
        return key  # load_for_write refuses an id that is not there
    found = session.scalar(select(Case.id).where(Case.number == key.strip()))
    if found is None:
        raise DomainError(f"找不到信访件 {key}。")
    return found


def lock(session: Session, keys: Sequence[Key]) -> list[Case]:
    """The cases of `keys`, in that order, their rows locked in id order."""
    ids = [_id_of(session, k) for k in keys]
    held = {i: versions.load_for_write(session, i) for i in sorted(set(ids))}
    return [held[i] for i in ids]


def refusal(session: Session, exc: StaleDataError, loaded: dict[int, int]) -> versions.StaleCase:
    """The StaleCase for a write that lost a race, read after the rollback: the case `claim`
    found changed, else the first whose version is no longer the one loaded. Named by 编号
    unless the write was about one case only (the page the clerk is on)."""
    first = [exc.case_id] if isinstance(exc, versions.Changed) else []
    cases = [c for c in (session.get(Case, i) for i in (*first, *loaded)) if c is not None]
    moved = [c for c in cases if c.version != loaded.get(c.id)] or cases
    if not moved:  # a flush of a row no longer there: the message without a name
        return versions.StaleCase("", None, 0)
    return versions.stale(session, moved[0], named=len(loaded) != 1)


def write(
    db: Database,
    keys: Sequence[Key],
    expected: Sequence[int | None],
    work: Callable[[Session, list[Case]], T],
    admit: Callable[[Session, Case], None] | None = None,
) -> T:
    """`work(session, cases)` in one transaction. `expected[i]` is the version of `keys[i]` the
    clerk saw (None: act on the current state); `admit` refuses a case before anything is
    checked (the 科室 scope). A concurrent change that slips in after the check fails the
    claim or the UPDATE's WHERE (StaleDataError): everything is rolled back, then done again
    or refused with StaleCase."""
    attempts = 1 if any(e is not None for e in expected) else RETRIES
    loaded: dict[int, int] = {}
    for attempt in range(attempts):
        try:
            with db.session() as s:
                cases = lock(s, keys)
                if admit is not None:
                    for case in cases:
                        admit(s, case)
                for case, want in zip(cases, expected, strict=True):
                    versions.check(s, case, want)
                loaded = {c.id: c.version for c in cases}
                held = {c.id: c for c in cases}
                for i in sorted(held):
                    versions.claim(s, held[i])
                result = work(s, cases)
                s.flush()  # the versions' UPDATEs inside the try, not at commit
                return result
        except StaleDataError as exc:
            if attempt + 1 < attempts:
                continue
            with db.read() as s:
                raise refusal(s, exc, loaded) from None
    raise AssertionError("unreachable")


def retried(db: Database, run: Callable[[Session], T]) -> T:
    """`run(session)` in one transaction that loads and claims its cases itself; done again
    (up to RETRIES times) when one changed meanwhile, then refused with StaleCase."""
    for attempt in range(RETRIES):
        try:
            with db.session() as s:
                result = run(s)
                s.flush()
                return result
        except StaleDataError as exc:
            if attempt + 1 < RETRIES:
                continue
            with db.read() as s:
                raise refusal(s, exc, {}) from None
    raise AssertionError("unreachable")
