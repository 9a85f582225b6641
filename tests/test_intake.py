import datetime as dt

import pytest
from factories import case_input
from sqlalchemy import func, select

from app.cases.intake import CaseInput
from app.cases.service import CaseService
from app.cases.validation import check_id_number, check_phone, mask_id, mask_phone
from app.db import Database
from app.errors import DomainError
from app.models import AuditEntry, Case, Petitioner

D = dt.date
GOOD_ID = "11010519491231002X"


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_id_number_check_digit_error_names_the_right_digit() -> None:
    with pytest.raises(DomainError, match="校验位错误（按前17位应为 X）") as err:
        check_id_number("110105194912310021")
    assert err.value.field == "id_number"


def test_valid_id_yields_birth_gender_place() -> None:
    info = check_id_number(GOOD_ID.lower())
    assert info.number == GOOD_ID
    assert info.birth_date == D(1949, 12, 31) and info.gender == "女"
    assert info.birthplace == "北京市朝阳区"


def test_area_code_is_not_checked_against_the_birth_year() -> None:
    # 370102 (历下区) is a real code; stdnum alone refuses it for someone born in 1950 because
    # the district got the code later. The number is issued later, so it must be accepted.
    info = check_id_number(with_check_digit("37010219500101123"))
    assert info.warning is None and info.birthplace.startswith("山东省")


def test_unknown_area_code_is_a_warning_not_an_error() -> None:
    info = check_id_number(with_check_digit("99010519491231002"))
    assert info.warning and "行政区划" in info.warning


def test_fifteen_digit_id_accepted_with_warning() -> None:
    info = check_id_number("110105491231002")
    assert info.warning and info.birth_date == D(1949, 12, 31)


def with_check_digit(body: str) -> str:
    from stdnum.cn.ric import calc_check_digit

    return body + calc_check_digit(body + "0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1101051949123100", "应为18位"),
        (with_check_digit("11010519491331002"), "出生日期"),
        ("1101051949123A002X", "前17位应为数字"),
    ],
)
def test_bad_id_numbers(text: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        check_id_number(text)


def test_phones() -> None:
    assert check_phone("138 0013 8000") == "13800138000"
    assert check_phone("0531-86001234") == "0531-86001234"
    with pytest.raises(DomainError):
        check_phone("12345")
    assert mask_phone("13800138000") == "138****8000"
    assert mask_id(GOOD_ID) == "1101**********002X"


def test_bad_id_writes_nothing(cases: CaseService, db: Database) -> None:
    with pytest.raises(DomainError, match="校验位"):
        cases.create(
            case_input(
                received_on=D(2025, 3, 5), form="来信", name="张三", id_number="110105194912310021"
            )
        )
    assert count(db, Case) == 0 and count(db, Petitioner) == 0


def test_numbers_are_sequential_per_year(cases: CaseService) -> None:
    a = cases.create(case_input(received_on=D(2025, 3, 5), form="来信", name="甲"))
    b = cases.create(case_input(received_on=D(2025, 3, 6), form="来信", name="乙"))
    c = cases.create(case_input(received_on=D(2024, 12, 30), form="来信", name="丙"))
    assert (a.number, b.number, c.number) == ("XF2025-0001", "XF2025-0002", "XF2024-0001")


def test_collective_visit_from_head_count_and_override(cases: CaseService) -> None:
    big = cases.create(case_input(received_on=D(2025, 3, 5), form="来访", name="甲", persons=5))
    small = cases.create(case_input(received_on=D(2025, 3, 5), form="来访", name="乙", persons=4))
    letter = cases.create(case_input(received_on=D(2025, 3, 5), form="来信", name="丙", persons=9))
    forced = cases.create(
        case_input(
            received_on=D(2025, 3, 5), form="来访", name="丁", persons=3, collective_override=True
        )
    )
    assert [cases.detail(c.id).collective for c in (big, small, letter, forced)] == [
        True,
        False,
        False,
        True,
    ]


def test_same_id_is_one_person_and_earlier_cases_found(cases: CaseService, db: Database) -> None:
    first = cases.create(
        case_input(
            received_on=D(2025, 3, 5),
            form="来信",
            name="王芳",
            id_number=GOOD_ID,
            phone="13800138000",
        )
    )
    cases.create(case_input(received_on=D(2025, 4, 5), form="来访", name="王芳", id_number=GOOD_ID))
    assert count(db, Petitioner) == 1
    found = cases.earlier_cases(id_number=GOOD_ID)
    assert [e.number for e in found] == ["XF2025-0002", first.number]
    assert found[0].score == 1.0 and found[0].reason == "身份证号相同"
    by_phone = cases.earlier_cases(name="王芳", phone="13800138000")
    assert by_phone and by_phone[0].score >= 0.9
    assert cases.earlier_cases(name="李四") == []


def test_id_registered_under_another_name_is_refused(cases: CaseService) -> None:
    cases.create(case_input(received_on=D(2025, 3, 5), form="来信", name="王芳", id_number=GOOD_ID))
    with pytest.raises(DomainError, match="已登记为“王芳”"):
        cases.create(
            case_input(received_on=D(2025, 3, 6), form="来信", name="李四", id_number=GOOD_ID)
        )


def test_repeat_links_to_the_earlier_case(cases: CaseService) -> None:
    first = cases.create(case_input(received_on=D(2025, 3, 5), form="来信", name="王芳"))
    second = cases.create(
        case_input(received_on=D(2025, 4, 5), form="来信", name="王芳", repeat_of=first.number)
    )
    d = cases.detail(second.id)
    assert d.input.repeat and d.repeat_of == first.number
    assert cases.detail(first.id).repeats == [second.number]


def test_edit_is_audited_field_by_field_and_moves_deadlines(
    cases: CaseService, db: Database
) -> None:
    c = cases.create(
        case_input(received_on=D(2025, 3, 5), form="来信", name="王芳", phone="13800138000")
    )
    data = cases.detail(c.id).input
    data.received_on = D(2025, 3, 3)
    data.phone = "13900139000"
    cases.update(c.id, data)
    d = cases.detail(c.id)
    assert d.decision_due == D(2025, 3, 18) and d.input.phone == "13900139000"
    with db.read() as s:
        rows = s.execute(
            select(AuditEntry.user, AuditEntry.field, AuditEntry.old, AuditEntry.new).where(
                AuditEntry.action == "修改"
            )
        ).all()
    assert ("测试员", "received_on", "2025-03-05", "2025-03-03") in rows
    assert ("测试员", "phone", "13800138000", "13900139000") in rows


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"received_on": D(2026, 1, 1)}, "received_on"),
        ({"form": "电报"}, "form"),
        ({"persons": 0}, "persons"),
        ({"channel": "上级交办"}, "assigning_org"),
        ({"category": "不存在的类别"}, "category"),
        ({"name": ""}, "name"),
        ({"phone": "123"}, "phone"),
        ({"visit_level": "进京"}, "visit_level"),  # a letter has no visit level
    ],
)
def test_field_errors_name_the_field(cases: CaseService, changes: dict, field: str) -> None:
    data = case_input(received_on=D(2025, 3, 5), form="来信", name="王芳")
    for k, v in changes.items():
        setattr(data, k, v)
    with pytest.raises(DomainError) as err:
        cases.create(data)
    assert err.value.field == field


def test_anonymous_case_has_no_petitioner(cases: CaseService) -> None:
    c = cases.create(case_input(received_on=D(2025, 3, 5), form="网上", anonymous=True))
    assert cases.detail(c.id).input.name == ""


@pytest.mark.parametrize(
    ("missing", "field", "message"),
    [
        ({"summary": ""}, "summary", "请填写反映问题"),
        ({"category": ""}, "category", "请填写问题类别"),
        ({"nature": ""}, "nature", "请填写性质"),
        ({"name": ""}, "name", "请填写信访人姓名"),
        ({"form": ""}, "form", "信访形式应为"),
    ],
)
def test_intake_requires_the_fields_of_section_9(
    cases: CaseService, missing: dict[str, str], field: str, message: str
) -> None:
    """§9: 登记日期, 信访形式, 反映问题, 问题类别, 性质, 姓名 unless 匿名: create and update."""
    full = {
        "received_on": dt.date(2025, 3, 5),
        "form": "来信",
        "name": "张三",
        "summary": "反映土地承包问题",
        "category": "农村农业",
        "nature": "申诉求决类",
    }
    with pytest.raises(DomainError) as err:
        cases.create(CaseInput(**{**full, **missing}))
    assert err.value.field == field and message in err.value.message
    number = cases.create(CaseInput(**full)).number
    with pytest.raises(DomainError) as err:
        cases.update(number, CaseInput(**{**full, **missing}))
    assert err.value.field == field
    # 匿名 needs no name; the ledger import's own path does not apply the rule at all.
    assert cases.create(CaseInput(**{**full, "name": "", "anonymous": True})).number


def test_the_required_rule_is_not_the_ledger_rule(db: Database) -> None:
    """check_case (what the ledger import applies per row) leaves empty 类别/性质/摘要 to §6."""
    from app.cases.intake import check_case, check_required, load_choices

    data = CaseInput(received_on=dt.date(2025, 3, 5), form="来信", name="张三")
    with db.read() as s:
        assert check_case(data, load_choices(s)) == []
    with pytest.raises(DomainError) as err:
        check_required(data)
    assert err.value.field == "summary" and "问题类别、性质" in err.value.message
