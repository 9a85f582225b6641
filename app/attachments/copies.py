"""Attachments in backups, restores and `xinfang check` (docs/rules.md, 附件 and 备份).

A backup's files go to a content-addressed `附件/` folder beside the backup's database copy,
shared by every backup in that folder: a second backup copies only hashes the folder does not
have. Each copy is written under a temporary name, flushed, its hash checked, and only then
renamed to its hash, so a killed backup never leaves a file that counts as good.

A restore first checks that every file the backup's database names is there with its hash
(in the backup's `附件/`, or already in the data folder); only then are the files copied in
and the database put in place. Missing one file, nothing is changed.
"""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.attachments.store import FolderStore, copy_verified
from app.errors import DomainError

BACKUP_DIR = "附件"  # beside the backup .sqlite3 files


@dataclass(frozen=True)
class Needed:
    """Every file a database's attachments name: hash → (编号, file name) of each holder."""

    holders: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def hashes(self) -> list[str]:
        return sorted(self.holders)

    def describe(self, hashes: list[str], limit: int = 8) -> str:
        """“XF2025-0001：来信.pdf、照片.jpg；XF2025-0002：…” for these hashes, by case."""
        by_case: dict[str, list[str]] = {}
        for h in hashes:
            for number, name in self.holders.get(h, []):
                by_case.setdefault(number, []).append(name)
        parts = [f"{n}：{'、'.join(names)}" for n, names in sorted(by_case.items())]
        more = f"……（共 {len(parts)} 件信访）" if len(parts) > limit else ""
        return "；".join(parts[:limit]) + more


def needed(conn: sqlite3.Connection) -> Needed:
    """The files the database behind `conn` refers to (detached ones too: they are kept). A
    database from before attachments has none."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "attachments" not in tables:
        return Needed()
    holders: dict[str, list[tuple[str, str]]] = {}
    for sha, number, name in conn.execute(
        "SELECT a.sha256, c.number, a.name FROM attachments a JOIN cases c ON c.id = a.case_id "
        "ORDER BY c.number, a.id"
    ):
        holders.setdefault(sha, []).append((number, name))
    return Needed(holders)


@dataclass
class Copied:
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)  # hashes the source store lacks


Step = Callable[[int, int], None]


def back_up(
    source: FolderStore, backup_folder: Path, want: Needed, step: Step | None = None
) -> Copied:
    """Copy into `backup_folder/附件` each wanted file it does not have yet, verified by hash.
    A file the data folder has lost is reported (`missing`), not copied."""
    target = FolderStore(backup_folder / BACKUP_DIR)
    target.remove_temporaries()  # a killed backup's half copy: never counted, cleared now
    done = Copied()
    hashes = want.hashes
    for i, sha in enumerate(hashes):
        if step is not None:
            step(i, len(hashes))
        if target.exists(sha):
            continue  # there under its hash: it was verified when it was written
        if not source.exists(sha):
            done.missing.append(sha)
            continue
        with source.open(sha) as f:
            stored = copy_verified(f, target.root, target.path, expect=sha)
        done.files += 1
        done.bytes += stored.size
    return done


@dataclass(frozen=True)
class RestorePlan:
    copy: list[tuple[Path, str]]  # (file in the backup's 附件/, its hash) to bring in
    into: FolderStore
    total: int  # files the backup names


def plan_restore(
    want: Needed, backup_folder: Path, live: FolderStore, read: bool = True
) -> RestorePlan:
    """What a restore must copy in; DomainError naming each missing or altered file (by
    case) when the backup cannot be restored whole. Every file is read and hashed here;
    `read=False` only looks that each is there (the quick check before the clerk confirms)."""
    source = FolderStore(backup_folder / BACKUP_DIR)
    sound = (lambda st, h: st.verify(h)) if read else (lambda st, h: st.exists(h))
    copy: list[tuple[Path, str]] = []
    lost, altered = [], []
    for sha in want.hashes:
        if sound(live, sha):
            continue  # already in the data folder with the right content
        if sound(source, sha):
            copy.append((source.path(sha), sha))
        elif source.exists(sha):
            altered.append(sha)
        else:
            lost.append(sha)
    if lost or altered:
        lines = []
        if lost:
            lines.append(f"缺少 {len(lost)} 个附件文件（{want.describe(lost)}）")
        if altered:
            lines.append(f"{len(altered)} 个附件文件内容已改变（{want.describe(altered)}）")
        raise DomainError(
            "这份备份的附件不完整：" + "；".join(lines) + f"。附件应在 {source.root}。"
            "为了不让信访件丢失附件，没有恢复，数据库和附件均未改动。"
            "请把备份文件夹连同其中的“附件”文件夹一起找回，或选择另一份备份。"
        )
    return RestorePlan(copy, live, len(want.holders))


def bring_back(plan: RestorePlan) -> int:
    """Copy the plan's files into the data folder's store (each verified again on the way)."""
    for path, sha in plan.copy:
        with open(path, "rb") as f:
            copy_verified(f, plan.into.root, plan.into.path, expect=sha)
    return len(plan.copy)


@dataclass(frozen=True)
class StoreProblems:
    total: int
    missing: list[str]
    altered: list[str]


def check_store(want: Needed, store: FolderStore) -> StoreProblems:
    """Each file the database names, read and hashed: missing or altered ones."""
    missing, altered = [], []
    for sha in want.hashes:
        if not store.exists(sha):
            missing.append(sha)
        elif not store.verify(sha):
            altered.append(sha)
    return StoreProblems(len(want.holders), missing, altered)
