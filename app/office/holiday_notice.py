"""Read the State Council's yearly holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知)
pasted as text, into rest days and make-up workdays (docs/rules.md, 时限).

Pure: no database. The office pastes the notice when it is published (November) for a year the
`chinesecalendar` package does not know yet; `OfficeService.import_holidays` stores the result.

The wording followed is that of the real notices: "一、元旦：1月1日至3日放假调休，共3天。
1月4日（星期日）上班。", "6月7日放假，与周末连休。", a range crossing a month
("1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）"), an explicit year on days outside
the notice's year ("2022年12月31日至2023年1月2日"). A sentence of an item that names a day but
is neither 放假 nor 上班 is refused with the sentence quoted, rather than guessed at.
"""

import datetime as dt
import re
from dataclasses import dataclass

from app.errors import DomainError

WEEKDAYS = "一二三四五六日"
_TITLE = re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日安排")
_ITEM = re.compile(r"(?:^|(?<=[\s。；：:]))([一二三四五六七八九十]+)、\s*([^：:\n。]{1,12})[：:]")
_PAREN = r"(?:[（(]([^）)]*)[）)])?"
_DAY = r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日\s*" + _PAREN
_REST = re.compile(r"^\s*" + _DAY + r"(?:\s*[至到—\-–~～]\s*" + _DAY + r")?\s*放假")
_ANY_DAY = re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日")
_SIGNED = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
_COUNT = re.compile(r"共\s*(\d+)\s*天")
_WEEKDAY = re.compile(r"(?:星期|周)([一二三四五六日天])")


@dataclass(frozen=True)
class NoticeDay:
    day: dt.date
    rest: bool  # True = 放假, False = 调休上班
    name: str  # the holiday it belongs to, e.g. 春节


@dataclass(frozen=True)
class NoticeHoliday:
    name: str
    rest: list[dt.date]
    workdays: list[dt.date]


@dataclass(frozen=True)
class Notice:
    year: int
    holidays: list[NoticeHoliday]

    @property
    def days(self) -> list[NoticeDay]:
        out = [NoticeDay(d, True, h.name) for h in self.holidays for d in h.rest]
        out += [NoticeDay(d, False, h.name) for h in self.holidays for d in h.workdays]
        return sorted(out, key=lambda d: d.day)


def _fail(sentence: str, why: str) -> DomainError:
    return DomainError(f"无法识别通知中的这一句：“{sentence.strip()}”——{why}", field="text")


def _date(sentence: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _fail(sentence, f"{year}年{month}月{day}日不是有效日期。") from None


def _check_weekday(sentence: str, day: dt.date, paren: str | None) -> None:
    """The notice writes the weekday beside many days; a mismatch means a wrong year or a typo."""
    m = _WEEKDAY.search(paren or "")
    if m is None:
        return
    said = "日" if m.group(1) == "天" else m.group(1)
    real = WEEKDAYS[day.weekday()]
    if said != real:
        raise _fail(
            sentence, f"{day.month}月{day.day}日写的是星期{said}，但{day.year}年这天是星期{real}。"
        )


def _nearest(year: int, month: int, day: int, anchor: dt.date | None, sentence: str) -> dt.date:
    """A 上班 day without a year: the one closest to the holiday (12月31日 before 元旦)."""
    if anchor is None:
        return _date(sentence, year, month, day)
    candidates = []
    for y in (year - 1, year, year + 1):
        try:
            candidates.append(dt.date(y, month, day))
        except ValueError:
            continue
    if not candidates:
        raise _fail(sentence, f"{month}月{day}日不是有效日期。")
    return min(candidates, key=lambda d: abs((d - anchor).days))


def _rest_sentence(sentence: str, m: re.Match[str], year: int) -> list[dt.date]:
    y1, m1, d1, p1, y2, m2, d2, p2 = m.groups()
    if m1 is None:
        raise _fail(sentence, "放假的开始日期没有写月份。")
    start_month = int(m1)
    first = _date(sentence, int(y1) if y1 else year, start_month, int(d1))
    if d2 is None:
        last = first
    else:
        end_month = int(m2) if m2 else start_month
        end_year = int(y2) if y2 else first.year + (1 if end_month < start_month else 0)
        if not y1 and not y2 and end_month < start_month:
            # "12月31日至1月2日" in the notice for the year of 1月2日
            first = _date(sentence, year - 1, start_month, int(d1))
            end_year = year
        last = _date(sentence, end_year, end_month, int(d2))
    _check_weekday(sentence, first, p1)
    _check_weekday(sentence, last, p2)
    if last < first:
        raise _fail(sentence, "结束日期早于开始日期。")
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    if len(days) > 31:
        raise _fail(sentence, f"放假{len(days)}天，超过任何节假日的长度。")
    count = _COUNT.search(sentence)
    if count is not None and int(count.group(1)) != len(days):
        raise _fail(sentence, f"写的是共{count.group(1)}天，但所列日期是{len(days)}天。")
    return days


def _work_sentence(sentence: str, year: int, anchor: dt.date | None) -> list[dt.date]:
    body = sentence[: sentence.rindex("上班")]
    days: list[dt.date] = []
    pos = 0
    one = re.compile(r"\s*[、，,和及]?\s*" + _DAY)
    while pos < len(body.rstrip()):
        m = one.match(body, pos)
        if m is None or m.end() == pos:
            raise _fail(sentence, "上班日期应写作“X月X日（星期X）”，以顿号分隔。")
        y, mo, d, paren = m.groups()
        if mo is None:
            raise _fail(sentence, "上班日期没有写月份。")
        if y:
            day = _date(sentence, int(y), int(mo), int(d))
        else:
            day = _nearest(year, int(mo), int(d), anchor, sentence)
        _check_weekday(sentence, day, paren)
        if day.weekday() < 5:
            raise _fail(
                sentence,
                f"调休上班日应是周六或周日，{day:%Y-%m-%d}是星期{WEEKDAYS[day.weekday()]}。",
            )
        days.append(day)
        pos = m.end()
    if not days:
        raise _fail(sentence, "没有找到上班日期。")
    return days


def _sentences(body: str) -> list[str]:
    return [s for s in re.split(r"[。；;\n]", body) if s.strip()]


def parse(text: str, year: int | None = None) -> Notice:
    """Read the notice. `year` overrides the one in the title (a notice pasted without it)."""
    text = (text or "").replace("\u3000", " ").replace("\r", "")
    if year is None:
        title = _TITLE.search(text)
        if title is None:
            raise DomainError(
                "通知中没有找到“关于YYYY年部分节假日安排的通知”的标题，请一并粘贴标题或指定年份。",
                field="year",
            )
        year = int(title.group(1))
    if not 2000 <= year <= 2100:
        raise DomainError(f"年份 {year} 不对。", field="year")
    items = list(_ITEM.finditer(text))
    if not items:
        raise DomainError(
            "通知中没有找到“一、元旦：……”这样的节假日条目，请粘贴通知正文。", field="text"
        )
    holidays: list[NoticeHoliday] = []
    seen: dict[dt.date, str] = {}
    for i, item in enumerate(items):
        name = item.group(2).strip()
        end = items[i + 1].start() if i + 1 < len(items) else len(text)
        rest: list[dt.date] = []
        work: list[dt.date] = []
        for sentence in _sentences(text[item.end() : end]):
            if not _ANY_DAY.search(sentence) or _SIGNED.match(sentence):
                continue  # prose (值班安排 and the like) after the items, the signing date
            m = _REST.match(sentence)
            if m is not None and "上班" not in sentence:
                rest += _rest_sentence(sentence, m, year)
            elif sentence.rstrip().endswith("上班") and "放假" not in sentence:
                work += _work_sentence(sentence.strip(), year, rest[0] if rest else None)
            else:
                raise _fail(sentence, "既不是“X月X日至X日放假”，也不是“X月X日（星期X）上班”。")
        if not rest and not work:
            continue  # an item without days (the closing paragraph numbered by mistake)
        for day in rest + work:
            if day in seen:
                raise DomainError(
                    f"{day:%Y-%m-%d} 在“{seen[day]}”和“{name}”中都出现了，请检查通知。",
                    field="text",
                )
            seen[day] = name
        holidays.append(NoticeHoliday(name, rest, work))
    if not holidays:
        raise DomainError("通知中没有读到任何放假或上班日期。", field="text")
    return Notice(year, holidays)
