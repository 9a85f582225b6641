"""Closing, reopening and comparing periods (封账, docs/rules.md): `PeriodService`.

A snapshot belongs to its exact (from, to, as-of) (§9): a month, a quarter and a year each close
on their own. Closing stores the §5 JSON exactly as `xinfang stats --json` gives it, the counts a
report is rebuilt from, the case ids behind every count (the statistics' own drill-down
conditions, in one scan per population) and the files generated for exactly that period.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.db import Database
from app.dialect import year_month
from app.errors import DomainError
from app.models import AuditEntry, Case, PeriodCorrection, PeriodFile, PeriodSnapshot
from app.periods import snapshots
from app.periods.guard import period_text
from app.safety import auth
from app.stats import art41, period, queries
from app.stats.figures import BLANK, BREAKDOWN_COLUMNS, RATES, SUMS, figures, populations
from app.stats.result import Statistics
from app.stats.service import compute_in

# Audit entities of the settings that move figures without a correction (§9: no reason needed).
SETTING_ENTITIES = ("setting", "holiday", "dictionary")
REPORT, LEDGER = "报告", "台账"


@dataclass(frozen=True)
class Snapshot:
    id: int
    date_from: dt.date
    date_to: dt.date
    as_of: dt.date
    closed_by: str
    closed_at: dt.datetime
    reopened_by: str | None
    reopened_at: dt.datetime | None
    reopen_reason: str | None
    total: int
    files: list[dict[str, Any]]
    corrections: int

    @property
    def name(self) -> str:
        return period_text(self.date_from, self.date_to)

    @property
    def in_force(self) -> bool:
        return self.reopened_at is None


@dataclass(frozen=True)
class Correction:
    at: dt.datetime
    user: str
    reason: str
    cases: list[str]
    what: str


@dataclass(frozen=True)
class KeyDiff:
    key: str  # a JSON path: "total", "visits.batches", "by_category.水利", "closure_rate"
    frozen: Any
    live: Any
    added: list[str] = field(default_factory=list)  # 编号 counted now, not when closed
    removed: list[str] = field(default_factory=list)  # counted when closed, not now


@dataclass(frozen=True)
class Diff:
    snapshot: Snapshot
    keys: list[KeyDiff]
    corrections: list[Correction]
    settings: list[str]  # setting changes since the closing ("时间 账号 修改 …")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"visits": {"batches": 3}} → {"visits.batches": 3}; yoy is left out (it repeats the
    figures of both years)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if not prefix and k == "yoy":
            continue
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def case_ids(
    session: Session, date_from: dt.date, date_to: dt.date, as_of: dt.date
) -> dict[str, Any]:
    """The case ids behind every count of the period, from the drill-down's own conditions, in
    a compact form (`ids_of` reads one key back): per case a bit mask of the figures it counts
    in and the index of its breakdown values. One scan per population, the mask summed in SQL:
    a year of 100,000 cases is ~2 MB, where key → id lists would be ~25 MB.

    {"keys": [figure per bit], "values": {breakdown: [names]}, "cases": {id: [mask, i…]}}."""
    s = queries.scope(session, date_from, date_to, as_of)
    figs = figures(s)
    figs.update(art41.figures(figs))
    pops = populations(s)
    keys = [k for k, (p, _) in figs.items() if not k.startswith("workload.")]
    assert len(keys) < 63, "one SQLite integer holds the mask"
    bit = {k: 1 << i for i, k in enumerate(keys)}
    names = [*BREAKDOWN_COLUMNS, "by_month"]
    values: dict[str, list[str]] = {n: [] for n in names}
    index: dict[str, dict[str, int]] = {n: {} for n in names}
    cases: dict[str, list[int]] = {}
    for pop in ("R", "carried", "open"):
        mine = [k for k in keys if figs[k][0] == pop]
        mask = sum(
            (case((figs[k][1], bit[k]), else_=0) for k in mine[1:]),
            start=case((figs[mine[0]][1], bit[mine[0]]), else_=0),
        )
        # The month as by_month's key 'YYYY-MM' (SQLite: the text's first seven characters, no
        # date conversion per row; dialect.year_month).
        month = year_month(Case.received_on)
        extra: list[Any] = [*BREAKDOWN_COLUMNS.values(), month] if pop == "R" else []
        query = select(Case.id, mask, *extra).where(pops[pop])
        for row in session.execute(query):
            entry = cases.setdefault(str(row[0]), [0])
            entry[0] |= int(row[1] or 0)
            if pop == "R":
                cells = [v or BLANK for v in row[2:-1]] + [row[-1]]
                for name, value in zip(names, cells, strict=True):
                    at = index[name].get(value)
                    if at is None:
                        at = index[name][value] = len(values[name])
                        values[name].append(value)
                    entry.append(at)
    return {"keys": keys, "values": values, "cases": cases}


def ids_of(stored: dict[str, Any], key: str) -> set[int]:
    """The case ids `case_ids` stored for one drill-down key ("total", "by_category.水利")."""
    if not stored:
        return set()
    cases: dict[str, list[int]] = stored["cases"]
    if key in stored["keys"]:
        flag = 1 << stored["keys"].index(key)
        return {int(cid) for cid, entry in cases.items() if entry[0] & flag}
    head, _, value = key.partition(".")
    names = [*BREAKDOWN_COLUMNS, "by_month"]
    if head in names and value in stored["values"].get(head, []):
        pos, at = 1 + names.index(head), stored["values"][head].index(value)
        return {int(cid) for cid, e in cases.items() if len(e) > pos and e[pos] == at}
    return set()


def _files_of(
    session: Session, date_from: dt.date, date_to: dt.date, as_of: dt.date
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(PeriodFile)
        .where(
            PeriodFile.date_from == date_from,
            PeriodFile.date_to == date_to,
            PeriodFile.as_of == as_of,
        )
        .order_by(PeriodFile.id)
    )
    return [
        {
            "kind": f.kind,
            "name": f.name,
            "path": f.path,
            "sha256": f.sha256,
            "at": f.at.isoformat(timespec="seconds"),
            "by": f.by,
        }
        for f in rows
    ]


def _snapshot(session: Session, snap: PeriodSnapshot) -> Snapshot:
    n = len(
        list(
            session.scalars(
                select(PeriodCorrection.id).where(PeriodCorrection.snapshot_id == snap.id)
            )
        )
    )
    return Snapshot(
        snap.id,
        snap.date_from,
        snap.date_to,
        snap.as_of,
        snap.closed_by,
        snap.closed_at,
        snap.reopened_by,
        snap.reopened_at,
        snap.reopen_reason,
        int(snap.figures.get("total", 0)),
        list(snap.files or []),
        n,
    )


def _key(snap: PeriodSnapshot) -> str:
    return f"{snap.date_from}~{snap.date_to}@{snap.as_of}"


class PeriodService:
    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        # Closing needs `edit_case` (the clerk who issued the report closes it); reopening is
        # for administrators only (`settings`, which only 管理员 holds).
        self.user = user
        # `moved()` for the same corrections, setting changes and snapshots (see there).
        self._moved: tuple[tuple[Any, ...], list[tuple[Snapshot, list[str]]]] | None = None

    def _resolve(self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None) -> dt.date:
        return period.resolve(date_from, date_to, as_of, clock.today())

    def close(self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None) -> Snapshot:
        """Freeze the period's figures as they stand now (one snapshot per exact period)."""
        auth.require(self.user, "edit_case")
        as_of = self._resolve(date_from, date_to, as_of)
        with self.db.session() as s:
            if snapshots.exact(s, date_from, date_to, as_of) is not None:
                raise DomainError(
                    f"{period_text(date_from, date_to)}（截至{as_of:%Y-%m-%d}）已经封账。"
                    "如需重新封账，请管理员先解除封账。"
                )
            stats = compute_in(s, date_from, date_to, as_of)
            snap = PeriodSnapshot(
                date_from=date_from,
                date_to=date_to,
                as_of=as_of,
                figures=stats.to_json(),
                raw=snapshots.freeze(stats),
                case_ids=case_ids(s, date_from, date_to, as_of),
                files=_files_of(s, date_from, date_to, as_of),
                closed_by=self.user.label,
                closed_at=clock.now(),
            )
            s.add(snap)
            s.flush()
            audit.record(
                s,
                self.user.label,
                "封账",
                "period",
                _key(snap),
                "信访总量",
                None,
                stats.counts["total"],
            )
            return _snapshot(s, snap)

    def reopen(
        self, date_from: dt.date, date_to: dt.date, reason: str, as_of: dt.date | None = None
    ) -> Snapshot:
        """Lift a closing (administrators only, with a reason); the old snapshot is kept."""
        auth.require(self.user, "settings")
        if self.user.role != auth.ADMIN:  # `settings` is 管理员's today; the rule is the role
            raise DomainError(f"当前账号（{self.user.role}）无权解除封账：只有管理员可以。")
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("解除封账须填写原因。", field="reason")
        with self.db.session() as s:
            snap = self._find(s, date_from, date_to, as_of)
            snap.reopened_by = self.user.label
            snap.reopened_at = clock.now()
            snap.reopen_reason = reason
            audit.record(s, self.user.label, "解除封账", "period", _key(snap), "原因", None, reason)
            return _snapshot(s, snap)

    def _find(
        self, s: Session, date_from: dt.date, date_to: dt.date, as_of: dt.date | None
    ) -> PeriodSnapshot:
        if as_of is not None:
            snap = snapshots.exact(s, date_from, date_to, as_of)
        else:
            found = list(
                s.scalars(
                    select(PeriodSnapshot)
                    .where(
                        PeriodSnapshot.date_from == date_from,
                        PeriodSnapshot.date_to == date_to,
                        PeriodSnapshot.reopened_at.is_(None),
                    )
                    .order_by(PeriodSnapshot.as_of.desc())
                )
            )
            if len(found) > 1:
                raise DomainError(
                    f"{period_text(date_from, date_to)}有多个统计时点的封账，请用 --as-of 指定。"
                )
            snap = found[0] if found else None
        if snap is None:
            raise DomainError(f"{period_text(date_from, date_to)}没有封账。")
        return snap

    def list_all(self) -> list[Snapshot]:
        """Every snapshot, reopened ones included, newest period first."""
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            rows = s.scalars(
                select(PeriodSnapshot).order_by(
                    PeriodSnapshot.date_from.desc(),
                    PeriodSnapshot.date_to.desc(),
                    PeriodSnapshot.as_of.desc(),
                    PeriodSnapshot.id.desc(),
                )
            )
            return [_snapshot(s, r) for r in rows]

    def is_closed(self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None) -> bool:
        """For the 已封账 mark beside a period picker: exactly (from, to, as-of) is closed (as-of
        None: the default one, min(to, today), as a report would take it)."""
        auth.require(self.user, "view_case")
        if date_from > date_to or (as_of is not None and as_of < date_from):
            return False
        as_of = self._resolve(date_from, date_to, as_of)
        with self.db.read() as s:
            return snapshots.exact(s, date_from, date_to, as_of) is not None

    def frozen(
        self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None
    ) -> Statistics:
        """The closed period's figures as frozen (`stats --json --frozen`)."""
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            return snapshots.thaw(self._find(s, date_from, date_to, as_of).raw)

    def frozen_json(
        self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None
    ) -> dict[str, Any]:
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            return dict(self._find(s, date_from, date_to, as_of).figures)

    def diff(self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None) -> Diff:
        """Each key whose live value differs from the frozen one, with the cases behind it, the
        corrections recorded against the period and the setting changes since it was closed."""
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            snap = self._find(s, date_from, date_to, as_of)
            live_stats = compute_in(s, snap.date_from, snap.date_to, snap.as_of)
            frozen, live = flatten(snap.figures), flatten(live_stats.to_json())
            changed = [k for k in dict.fromkeys([*frozen, *live]) if frozen.get(k) != live.get(k)]
            keys: list[KeyDiff] = []
            live_ids = case_ids(s, snap.date_from, snap.date_to, snap.as_of) if changed else {}
            numbers: dict[int, str] = {}
            for k in changed:
                before: set[int] = set()
                now: set[int] = set()
                for ids_key in _ids_keys(k):
                    before |= ids_of(snap.case_ids, ids_key)
                    now |= ids_of(live_ids, ids_key)
                want = (now - before) | (before - now)
                missing = [i for i in want if i not in numbers]
                if missing:
                    found = s.execute(select(Case.id, Case.number).where(Case.id.in_(missing)))
                    numbers.update({int(cid): str(n) for cid, n in found})
                keys.append(
                    KeyDiff(
                        k,
                        frozen.get(k),
                        live.get(k),
                        sorted(numbers.get(i, f"#{i}") for i in now - before),
                        sorted(numbers.get(i, f"#{i}") for i in before - now),
                    )
                )
            corrections = [
                Correction(c.at, c.user, c.reason, list(c.cases or []), c.what)
                for c in s.scalars(
                    select(PeriodCorrection)
                    .where(PeriodCorrection.snapshot_id == snap.id)
                    .order_by(PeriodCorrection.id)
                )
            ]
            settings = [
                f"{a.at:%Y-%m-%d %H:%M} {a.user} {a.action} {a.field or a.entity_id or ''}"
                f"：{a.old or ''} → {a.new or ''}"
                for a in s.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.entity.in_(SETTING_ENTITIES), AuditEntry.at >= snap.closed_at)
                    .order_by(AuditEntry.id)
                )
            ]
            return Diff(_snapshot(s, snap), keys, corrections, settings)

    def moved(self, limit: int = 6) -> list[tuple[Snapshot, list[str]]]:
        """The closed periods whose live figures differ from the frozen ones, with the keys that
        moved (the dashboard's notice). Only a correction or a setting change since the closing
        can move them (every other write is refused), so only those periods are recomputed —
        the newest `limit` of them, one statistics computation each."""
        auth.require(self.user, "view_case")
        out: list[tuple[Snapshot, list[str]]] = []
        with self.db.read() as s:
            corrected = set(s.scalars(select(PeriodCorrection.snapshot_id).distinct()))
            last_setting = s.execute(
                select(AuditEntry.id, AuditEntry.at)
                .where(AuditEntry.entity.in_(SETTING_ENTITIES))
                .order_by(AuditEntry.id.desc())
                .limit(1)
            ).first()
            candidates = [
                snap
                for snap in s.scalars(
                    select(PeriodSnapshot)
                    .where(PeriodSnapshot.reopened_at.is_(None))
                    .order_by(PeriodSnapshot.date_to.desc(), PeriodSnapshot.id.desc())
                )
                if snap.id in corrected
                or (last_setting is not None and last_setting.at >= snap.closed_at)
            ][:limit]
            # Nothing else can move a closed period's figures, so while no correction, setting
            # change or snapshot is new the answer is the last one: the dashboard asks after
            # every save, and each candidate costs a whole statistics computation.
            key = (
                s.scalar(select(func.max(PeriodCorrection.id))),
                last_setting.id if last_setting is not None else None,
                tuple(snap.id for snap in candidates),
                limit,
            )
            if self._moved is not None and self._moved[0] == key:
                return list(self._moved[1])
            for snap in candidates:
                live = flatten(compute_in(s, snap.date_from, snap.date_to, snap.as_of).to_json())
                frozen = flatten(snap.figures)
                keys = [k for k in dict.fromkeys([*frozen, *live]) if frozen.get(k) != live.get(k)]
                if keys:
                    out.append((_snapshot(s, snap), keys))
        self._moved = (key, out)
        return list(out)

    def record_file(
        self,
        date_from: dt.date,
        date_to: dt.date,
        as_of: dt.date | None,
        kind: str,
        name: str,
        path: Path,
    ) -> None:
        """Note a report or ledger generated for exactly this period, with its SHA-256."""
        auth.require(self.user, "export")
        with self.db.session() as s:
            record_file_in(s, date_from, date_to, as_of, kind, name, path, self.user.label)


def record_file_in(
    session: Session,
    date_from: dt.date,
    date_to: dt.date,
    as_of: dt.date | None,
    kind: str,
    name: str,
    path: Path,
    user: str,
) -> None:
    """`record_file` inside a session a service holds (DocumentService.report, the ledger
    export); as_of resolved as the statistics resolve it."""
    as_of = period.resolve(date_from, date_to, as_of, clock.today())
    session.add(
        PeriodFile(
            date_from=date_from,
            date_to=date_to,
            as_of=as_of,
            kind=kind,
            name=name,
            path=str(Path(path).resolve()),
            sha256=sha256_of(Path(path)),
            at=clock.now(),
            by=user,
        )
    )


def _ids_keys(key: str) -> tuple[str, ...]:
    """The drill-down keys behind a JSON path: a count is itself, a rate its numerator's and
    denominator's figures, a sum the figure it sums over (registers and event counts have none
    stored, so they list no cases)."""
    rates = {**RATES, **art41.RATES}
    if key in rates:
        return rates[key]
    if key in SUMS:
        return (SUMS[key][1],)
    if key == "avg_days_to_close":
        return ("closed_dated",)
    if key == "carried_over_correction":
        return ("carried_over",)
    return (key,)
