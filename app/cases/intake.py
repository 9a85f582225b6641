"""Registering and editing cases (docs/rules.md, 字段, 个人信息): validation, 编号, 集体访,
duplicates."""

import datetime as dt
import functools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock, counters
from app.cases import rules, sanitize, versions
from app.cases.projection import reproject
from app.cases.validation import check_id_number, check_phone
from app.errors import DomainError
from app.models import Case, Event, NumberCounter, Petitioner
from app.office import dictionaries, settings
from app.office.dictionaries import FORMS, GENDERS, NATURES, VISIT_LEVELS

ASSIGNED_CHANNELS = ("上级交办", "上级转送")


@dataclass
class CaseInput:
    """What the intake form (or the CLI, or an import row) supplies for a case."""

    received_on: dt.date
    form: str
    name: str = ""
    id_number: str = ""
    phone: str = ""
    gender: str = ""
    address: str = ""
    workplace: str = ""
    anonymous: bool = False
    joint: bool = False
    channel: str = "直接受理"
    assigning_org: str = ""
    assigning_ref: str = ""
    petition_on: dt.date | None = None
    persons: int = 1
    involved_persons: int | None = None
    summary: str = ""
    category: str = ""
    subcategory: str = ""
    nature: str = ""
    locality: str = ""
    target: str = ""
    collective_override: bool | None = None
    repeat: bool = False
    repeat_of: str = ""  # 编号 of the earlier case
    visit_level: str = ""
    skip_level: bool = False
    abnormal: bool = False
    legal: bool = False
    urgent: bool = False
    department: str = ""
    handler: str = ""
    leader: str = ""
    remark: str = ""
    # Ledger columns kept as written (领导批示, 拟办意见, 登记人, 登记部门), shown on the case page.
    extra: dict[str, str] | None = None
    number: str = ""  # empty = next automatic 编号; import keeps the ledger's own


_PERSON_FIELDS = ["name", "gender", "id_number", "phone", "address", "workplace"]
# Case columns copied as they are from CaseInput (empty text stored as NULL): the one list, derived
# from the dataclass and the Case table, that intake and the ledger import both use.
CASE_FIELDS = [
    f.name for f in fields(CaseInput) if f.name in Case.__table__.columns and f.name != "number"
]


@functools.lru_cache(maxsize=4096)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower case: 张三 → ('zs', 'zhangsan')."""
    # Imported here: loading pypinyin's dictionaries costs ~0.3 s, which start-up need not pay.
    from pypinyin import lazy_pinyin

    # One conversion: the initials are each syllable's first letter (what Style.FIRST_LETTER
    # gives), and pypinyin is most of a 10,000-row import's time.
    syllables = [s for s in lazy_pinyin(name, errors="ignore") if s]
    return "".join(s[0] for s in syllables).lower(), "".join(syllables).lower()


def _clean(data: CaseInput) -> CaseInput:
    for f in fields(data):
        value = getattr(data, f.name)
        if isinstance(value, str):
            setattr(data, f.name, value.strip())
    return data


@dataclass(frozen=True)
class Choices:
    """The dictionary values a case is checked against. Intake loads them per case; the ledger
    dry run loads them once for the whole sheet (and adds what the clerk chose to add)."""

    channels: Collection[str]
    categories: Collection[str]
    subcategories: Callable[[str], Collection[str]]  # 一级 → its 二级分类


def load_choices(session: Session) -> Choices:
    return Choices(
        dictionaries.values(session, "channel"),
        dictionaries.values(session, "category"),
        lambda parent: dictionaries.values(session, "subcategory", parent=parent),
    )


def validate(session: Session, data: CaseInput) -> list[str]:
    """Check a case; raises DomainError at the first bad field. Returns warnings."""
    return check_case(data, load_choices(session))


def check_case(data: CaseInput, choices: Choices, imported: bool = False) -> list[str]:
    """The rules every case obeys, however it arrives (the form, the CLI, a ledger row): raises
    DomainError (with the field) at the first bad one; normalises ID and phone; returns warnings.
    `imported`: a ledger row, which may lack the 交办机关 (kept blank, never invented).
    """
    warnings: list[str] = []
    sanitize.check_case_input(data)  # control characters, date range, integer bounds (§7)
    if data.received_on > clock.today():
        raise DomainError("登记日期不能晚于今天。", field="received_on")
    if data.petition_on and data.petition_on > data.received_on:
        raise DomainError("信访日期不能晚于登记日期。", field="petition_on")
    if data.form not in FORMS:
        raise DomainError(f"信访形式应为：{'、'.join(FORMS)}。", field="form")
    if not data.anonymous and not data.name:
        raise DomainError("请填写信访人姓名，或勾选“匿名”。", field="name")
    if data.gender and data.gender not in GENDERS:
        raise DomainError("性别应为男或女。", field="gender")
    if data.id_number:
        info = check_id_number(data.id_number)
        data.id_number = info.number
        if info.warning:
            warnings.append(info.warning)
        if not data.gender:
            data.gender = info.gender
    if data.phone:
        data.phone = check_phone(data.phone)
    if not isinstance(data.persons, int) or data.persons < 1:
        raise DomainError("人数至少为1。", field="persons")
    if data.involved_persons is not None and data.involved_persons < 0:
        raise DomainError("涉及人数不能为负数。", field="involved_persons")
    if data.channel not in choices.channels:
        raise DomainError(f"来源渠道“{data.channel}”不在字典中。", field="channel")
    if data.channel in ASSIGNED_CHANNELS and not data.assigning_org and not imported:
        raise DomainError(f"{data.channel}的信访件请填写交办机关。", field="assigning_org")
    if data.category and data.category not in choices.categories:
        raise DomainError(f"问题类别“{data.category}”不在字典中。", field="category")
    if (
        data.subcategory
        and data.category
        and data.subcategory not in choices.subcategories(data.category)
    ):
        raise DomainError(
            f"二级分类“{data.subcategory}”不属于“{data.category}”。", field="subcategory"
        )
    if data.nature and data.nature not in NATURES:
        raise DomainError(f"性质应为：{'、'.join(NATURES)}。", field="nature")
    if data.visit_level and data.visit_level not in VISIT_LEVELS:
        raise DomainError(f"走访层级应为：{'、'.join(VISIT_LEVELS)}。", field="visit_level")
    if data.visit_level and data.form != "来访":
        raise DomainError("只有来访件才有走访层级。", field="visit_level")
    if data.repeat_of and not data.repeat:
        data.repeat = True
    return warnings


# §9 "Intake required fields": what the form and `case add` must supply, in the form's order. The
# ledger import does not apply this (it keeps §6's own rules, in check_case and the plan).
REQUIRED = [
    ("received_on", "登记日期"),
    ("form", "信访形式"),
    ("name", "姓名"),
    ("summary", "反映问题（内容摘要）"),
    ("category", "问题类别"),
    ("nature", "性质"),
]


def missing_required(data: CaseInput) -> list[tuple[str, str]]:
    """The required fields (field, 名称) a case lacks; 姓名 only when it is not 匿名."""
    missing = []
    for name, label in REQUIRED:
        value = getattr(data, name)
        if name == "name" and data.anonymous:
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append((name, label))
    return missing


def check_required(data: CaseInput) -> None:
    """Raises DomainError at the first required field left empty (the form marks that field)."""
    missing = missing_required(data)
    if not missing:
        return
    name, label = missing[0]
    if name == "name":
        raise DomainError("请填写信访人姓名，或勾选“匿名”。", field="name")
    more = f"（还缺：{'、'.join(m[1] for m in missing[1:])}）" if len(missing) > 1 else ""
    raise DomainError(f"请填写{label}。{more}", field=name)


def is_collective(session: Session, form: str, persons: int, override: bool | None) -> bool:
    threshold = int(settings.get(session, "collective_threshold"))
    return rules.collective(form, persons, threshold, override)


def next_number(session: Session, year: int) -> str:
    """The next 编号 for a year: XF2025-0001. Never reuses a number, even of a voided case."""

    def taken(number: str) -> bool:
        # An imported ledger may already hold this number.
        return session.scalar(select(Case.id).where(Case.number == number)) is not None

    prefix = str(settings.get(session, "number_prefix"))
    return _allocate(
        session, prefix, year, counters.lock(session, _COUNTERS, _key(prefix, year)), taken
    )


def number_allocator(session: Session) -> Callable[[int], str]:
    """`next_number` for many cases at once (a ledger import): the prefix and the numbers in use
    are read once instead of per case (~7 ms each, a minute for 10,000 rows), and each year's
    counter is locked once; the transaction holds it to the end."""
    prefix = str(settings.get(session, "number_prefix"))
    used = set(session.scalars(select(Case.number).where(Case.number.startswith(prefix))))
    last: dict[int, int] = {}

    def allocate(year: int) -> str:
        if year not in last:
            last[year] = counters.lock(session, _COUNTERS, _key(prefix, year))
        number = _allocate(session, prefix, year, last[year], used.__contains__)
        last[year] = int(number.rsplit("-", 1)[1])
        used.add(number)
        return number

    return allocate


_COUNTERS = NumberCounter.__table__


def _key(prefix: str, year: int) -> dict[str, Any]:
    return {"prefix": prefix, "year": year}


def _allocate(
    session: Session, prefix: str, year: int, last: int, taken: Callable[[str], bool]
) -> str:
    """The first free 编号 after `last` (the counter, locked by the caller: app/counters.py),
    stored back as the counter's new value."""
    head = f"{prefix}{year}-"
    while True:
        last += 1
        number = f"{head}{last:04d}"
        if not taken(number):
            counters.store(session, _COUNTERS, _key(prefix, year), last)
            return number


def note_imported_number(session: Session, number: str) -> None:
    """Keep the counter past an imported 编号 of our own pattern, so it is never handed out."""
    prefix = str(settings.get(session, "number_prefix"))
    m = re.fullmatch(re.escape(prefix) + r"(\d{4})-(\d+)", number)
    if not m:
        return
    year, seq = int(m.group(1)), int(m.group(2))
    key = _key(prefix, year)
    if counters.lock(session, _COUNTERS, key) < seq:
        counters.store(session, _COUNTERS, key, seq)


def _find_petitioner(session: Session, data: CaseInput) -> Petitioner | None:
    if data.id_number:
        return session.scalar(select(Petitioner).where(Petitioner.id_number == data.id_number))
    if data.name and data.phone:
        return session.scalar(
            select(Petitioner)
            .where(
                Petitioner.name == data.name,
                Petitioner.phone == data.phone,
                Petitioner.id_number.is_(None),
            )
            .limit(1)
        )
    return None


def _petitioner_for(session: Session, data: CaseInput, user: str) -> Petitioner | None:
    if data.anonymous and not data.name:
        return None
    person = _find_petitioner(session, data)
    if person is None:
        initials, full = pinyin_keys(data.name)
        info = check_id_number(data.id_number) if data.id_number else None
        person = Petitioner(
            name=data.name,
            name_initials=initials,
            name_pinyin=full,
            gender=data.gender or None,
            id_number=data.id_number or None,
            birth_date=info.birth_date if info else None,
            phone=data.phone or None,
            address=data.address or None,
            workplace=data.workplace or None,
            created_at=clock.now(),
        )
        session.add(person)
        session.flush()
        return person
    if data.name and person.name != data.name:
        raise DomainError(
            f"身份证号 {data.id_number} 已登记为“{person.name}”，与所填姓名“{data.name}”不符。",
            field="name",
        )
    # A known person: newer contact details replace the old ones (audited).
    for name in ("phone", "address", "workplace", "gender"):
        value = getattr(data, name) or None
        if value and value != getattr(person, name):
            audit.record(
                session,
                user,
                "修改",
                "petitioner",
                str(person.id),
                name,
                getattr(person, name),
                value,
            )
            setattr(person, name, value)
    return person


def _apply(session: Session, case: Case, data: CaseInput) -> None:
    for name in CASE_FIELDS:
        value = getattr(data, name)
        setattr(case, name, None if value == "" else value)
    case.summary = data.summary
    case.collective = is_collective(session, data.form, data.persons, data.collective_override)
    case.repeat_of_id = None
    if data.repeat_of:
        earlier = session.scalar(select(Case).where(Case.number == data.repeat_of))
        if earlier is None:
            raise DomainError(f"找不到被重复的信访件 {data.repeat_of}。", field="repeat_of")
        if earlier.id == case.id:
            raise DomainError("信访件不能标记为重复自己。", field="repeat_of")
        case.repeat_of_id = earlier.id
        case.repeat = True


def create_case(
    session: Session, data: CaseInput, user: str = "", required: bool = True
) -> tuple[Case, list[str]]:
    """Register a case (the 登记 event). Returns the case and any warnings for the clerk.
    `required=False` is for callers that keep their own rules for empty fields (the ledger)."""
    data = _clean(data)
    warnings = validate(session, data)  # a wrong value given is named before a value missing
    if required:
        check_required(data)
    if data.number:
        if session.scalar(select(Case.id).where(Case.number == data.number)) is not None:
            raise DomainError(f"编号 {data.number} 已存在。", field="number")
        note_imported_number(session, data.number)
        number = data.number
    else:
        number = next_number(session, data.received_on.year)
    now = clock.now()
    case = Case(
        number=number, created_at=now, created_by=user, updated_at=now, updated_by=user or None
    )
    _apply(session, case, data)
    case.petitioner = _petitioner_for(session, data, user)
    case.events.append(
        Event(seq=1, kind="登记", on=data.received_on, data={}, recorded_by=user, recorded_at=now)
    )
    session.add(case)
    # Projected before the settings query can flush the new row: one INSERT with the
    # projection in it, not an INSERT and an UPDATE (which also made a new case version 2).
    with session.no_autoflush:
        reproject(session, case)
    session.flush()
    audit.record(session, user, "登记", "case", number, None, None, None)
    return case, warnings


def case_input(case: Case) -> CaseInput:
    """The editable fields of a stored case, as the form shows them."""
    values: dict[str, Any] = {name: getattr(case, name) for name in CASE_FIELDS}
    values = {
        k: (
            ""
            if v is None
            and k not in ("petition_on", "involved_persons", "collective_override", "extra")
            else v
        )
        for k, v in values.items()
    }
    person = case.petitioner
    for name in _PERSON_FIELDS:
        values[name] = (getattr(person, name) or "") if person else ""
    values["repeat_of"] = case.repeat_of.number if case.repeat_of else ""
    values["number"] = case.number
    return CaseInput(**values)


def update_case(
    session: Session, case: Case, data: CaseInput, user: str = "", required: bool = True
) -> list[str]:
    """Save an edit; every changed field goes to the audit log; deadlines follow the dates.
    `required=False`: the ledger import updating a case keeps §6's rules, not the form's."""
    data = _clean(data)
    warnings = validate(session, data)  # a wrong value given is named before a value missing
    if required:
        check_required(data)
    if data.received_on != case.received_on and case.events and len(case.events) > 1:
        first_action = case.events[1].on
        if data.received_on > first_action:
            raise DomainError(
                f"登记日期不能晚于第一步办理的日期 {first_action:%Y-%m-%d}。", field="received_on"
            )
    before = {name: getattr(case, name) for name in CASE_FIELDS}
    before_person = {
        n: (getattr(case.petitioner, n) if case.petitioner else None) for n in _PERSON_FIELDS
    }
    _apply(session, case, data)
    case.petitioner = _petitioner_for(session, data, user)
    if case.events and case.events[0].kind == "登记":
        case.events[0].on = case.received_on
    for name, old in before.items():
        new = getattr(case, name)
        if old != new:
            audit.record(session, user, "修改", "case", case.number, name, old, new)
    for name, old in before_person.items():
        new = getattr(case.petitioner, name) if case.petitioner else None
        if old != new:
            audit.record(session, user, "修改", "case", case.number, name, old, new)
    versions.touch(case, user)
    reproject(session, case)
    return warnings


@dataclass(frozen=True)
class EarlierCase:
    case_id: int
    number: str
    received_on: dt.date
    name: str
    summary: str
    status: str
    score: float  # 1.0 same ID … 0.4 same name only
    reason: str  # 身份证号相同 / 姓名和电话相同 / 电话相同 / 姓名相同


def find_earlier_cases(
    session: Session,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    exclude_case_id: int | None = None,
    limit: int = 20,
) -> list[EarlierCase]:
    """The person's earlier cases, best match first, so the form can say 此人已有N件信访."""
    name, id_number, phone = name.strip(), id_number.strip().upper(), phone.strip()
    scored: dict[int, tuple[float, str]] = {}

    def take(person_ids: list[int], score: float, reason: str) -> None:
        for pid in person_ids:
            if scored.get(pid, (0.0, ""))[0] < score:
                scored[pid] = (score, reason)

    if id_number:
        take(
            list(session.scalars(select(Petitioner.id).where(Petitioner.id_number == id_number))),
            1.0,
            "身份证号相同",
        )
    if name and phone:
        take(
            list(
                session.scalars(
                    select(Petitioner.id).where(Petitioner.name == name, Petitioner.phone == phone)
                )
            ),
            0.9,
            "姓名和电话相同",
        )
    if phone:
        take(
            list(session.scalars(select(Petitioner.id).where(Petitioner.phone == phone))),
            0.6,
            "电话相同",
        )
    if name:
        take(
            list(session.scalars(select(Petitioner.id).where(Petitioner.name == name).limit(200))),
            0.4,
            "姓名相同",
        )
    if not scored:
        return []
    query = (
        select(
            Case.id,
            Case.number,
            Case.received_on,
            Petitioner.name,
            Case.summary,
            Case.status,
            Case.petitioner_id,
        )
        .join(Petitioner, Case.petitioner_id == Petitioner.id)
        .where(Case.petitioner_id.in_(scored), Case.voided.is_(False))
    )
    if exclude_case_id is not None:
        query = query.where(Case.id != exclude_case_id)
    rows = session.execute(query).all()
    result = [
        EarlierCase(
            r.id, r.number, r.received_on, r.name, r.summary, r.status, *scored[r.petitioner_id]
        )
        for r in rows
    ]
    result.sort(key=lambda e: (-e.score, -e.received_on.toordinal()))
    return result[:limit]
