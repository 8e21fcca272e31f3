"""Slot types of dates and times: stored as ISO text (2026-05-03) and HH:MM, read from what users say relative
to the turn's time in the domain's time zone ("tomorrow", "next friday", "half past seven")."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any, ClassVar

from dialogue.domains.schema.slots import DateSlot, TimeSlot
from dialogue.domains.slot_types.base import SlotType, english
from dialogue.domains.values import InvalidValue, match_key, show

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
DATE_FORMS = ["today", "tomorrow", "tonight", "friday", "next friday", "this saturday", "sunday", "next week",
              "the 3rd of may", "may 3rd", "december 12", "12/05", "the day after tomorrow", "monday the 7th",
              "2026-12-01", "in two days", "wednesday", "17 december", "3 may", "the 21st of november",
              "november 28th", "1 january"]
TIME_FORMS = ["7pm", "7 pm", "19:30", "half past seven", "8 o'clock", "noon", "quarter to nine", "seven thirty",
              "9:15 am", "midday", "6.30pm", "eight", "20:00", "lunchtime", "5:45pm", "12:15 pm", "13:45"]
_HOURS = {name: number for number, name in enumerate(
    ["twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"])}
_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "midnight": "00:00", "lunchtime": "12:30",
                "lunch": "12:30", "dinner": "19:00", "dinnertime": "19:00", "teatime": "17:00"}
_TIME = re.compile(
    r"^(?:at |around |about |by )?(?:(?P<half>half past|half|quarter past|quarter to|(?P<minutes>\d{1,2}|[a-z]+) "
    r"(?:minutes )?(?:past|after|to)) )?(?P<hour>\d{1,2}|[a-z]+)(?:[:.h](?P<minute>\d{2}))?"
    r"(?: (?!am\b|pm\b|a\.m|p\.m|in |at |tonight|o'?clock)(?P<word_minute>[a-z]+(?: (?!am\b|pm\b)[a-z]+)?))?"
    r"\s*(?P<meridiem>am|pm|a\.m\.|p\.m\.|in the morning|in the "
    r"afternoon|in the evening|in the night|at night|tonight|o'clock|oclock)?$")


_TODAY = frozenset({"tonight", "this evening", "today", "this afternoon", "this morning", "now", "later today",
                    "later on today", "today later", "later tonight"})
_DAY_OF_MONTH = re.compile(rf"^(?:(?P<weekday>{'|'.join(WEEKDAYS)}) )?(?:the )?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
                           r"(?: of (?:this|the) month)?$")
_ORDINAL_DAY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b")
_MONTH = re.compile(rf"\b(?:{'|'.join(month[:3] for month in MONTHS)})")
_NUMBER = re.compile(r"\b\d{1,2}\b")
"""With no month said, a date parser reads a day of the month ("8th", or a number beside a weekday or a part of the
day: "thursday morning 11", "evening 4") as a month: such a phrase is a date only as _day_of_month reads it."""
_WEEK = re.compile(rf"^(?P<weekday>{'|'.join(WEEKDAYS)}) (?P<week>this|next) week$|"
                   rf"^(?P<week2>this|next) week (?:on )?(?P<weekday2>{'|'.join(WEEKDAYS)})$")
_PART_OF_DAY = re.compile(r"^(?:(?:in |at )?the |at |in )?(?P<part>morning|afternoon|evening|night|tonight),? "
                          r"(?P<time>.+)$")
_MERIDIEM_SAID = re.compile(r"\b(?:am|pm|a\.m|p\.m|morning|afternoon|evening|night|tonight|noon|midday|midnight)\b")
_MIDNIGHT = re.compile(r"\b(?:0?0|12|twelve|midnight)\b")
_OCLOCK = re.compile(r"\bo ?['\"’]? ?clock\b")


def _day_of_month(phrase: str, today: dt.date) -> dt.date | None:
    """ "the 9th", "9th of this month", "Monday the 7th": that day of this month, or of the first month after with
    such a day (on that weekday, when one is said) once it has passed; not September, as a date parser reads a bare
    9th."""
    match = _DAY_OF_MONTH.match(phrase)
    if match is None:
        return None
    day = int(match["day"])
    year, month = today.year, today.month
    for _ in range(13):
        try:
            found = dt.date(year, month, day)
        except ValueError:  # no such day in that month (the 31st in April)
            found = None
        if found is not None and found >= today and (
                match["weekday"] is None or WEEKDAYS[found.weekday()] == match["weekday"]):
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _day_in_week(phrase: str, today: dt.date) -> dt.date | None:
    """ "Tuesday next week", "next week on Tuesday": that day of the next Monday-to-Sunday week; "Saturday this
    week": of this one (today, if that day has passed)."""
    match = _WEEK.match(phrase)
    if match is None:
        return None
    weekday = WEEKDAYS.index(match["weekday"] or match["weekday2"])
    monday = today - dt.timedelta(days=today.weekday())
    if (match["week"] or match["week2"]) == "next":
        monday += dt.timedelta(weeks=1)
    return max(monday + dt.timedelta(days=weekday), today)


def _counted(phrase: str, language: str) -> bool:
    """Whether the phrase is a number in words and nothing else ("two", "twelve"): a count, not a date (a date
    parser would read a month)."""
    from dialogue.domains.slot_types.numbers import read_number

    if not phrase.isalpha():
        return False
    try:
        read_number(phrase, language)
    except ValueError:
        return False
    return True


class _Calendar(SlotType):
    phrased: ClassVar[bool] = True

    def warm_up(self, language: str) -> None:
        """dateparser's language data: about 0.1 s on the first date or time."""
        parse_date("tomorrow", dt.datetime(2000, 1, 1), language)


class Date(_Calendar):
    name: ClassVar[str] = "date"

    def coerce(self, spec: DateSlot, raw: Any) -> str:
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise InvalidValue(f"{show(raw)} is not a date (YYYY-MM-DD)") from None

    def read(self, spec: DateSlot, text: str, now: dt.datetime, language: str) -> str:
        phrase = match_key(text).removeprefix("on ").removeprefix("for ").strip(" .,!?")
        if phrase in _TODAY:
            return now.date().isoformat()
        plain = phrase.replace(",", "")
        day = _day_of_month(plain, now.date()) or _day_in_week(plain, now.date())
        if day is not None:
            return day.isoformat()
        if _counted(plain, language):
            raise ValueError(f"not a date: {text!r} (a number in words alone is a count)")
        named = [weekday for weekday in WEEKDAYS if re.search(rf"\b{weekday}\b", plain)]
        beside = named or _MERIDIEM_SAID.search(plain)  # "thursday morning 11", "evening 4": the number is no month
        if (_ORDINAL_DAY.search(plain) or (beside and _NUMBER.search(plain))) and not _MONTH.search(plain):
            raise ValueError(f"not a date: {text!r} (a day of the month with words that are not a date)")
        found = parse_date(phrase, now, language)
        if found is None:
            raise ValueError(f"not a date: {text!r}")
        if len(named) == 1 and WEEKDAYS[found.weekday()] != named[0]:
            raise ValueError(f"not a date: {text!r} (read as a {WEEKDAYS[found.weekday()]}, not a {named[0]})")
        day = found.date()
        if day.year == now.year + 1 and (day.month, day.day) == (now.month, now.day):
            day = now.date()  # "25 November" said on 25 November is today, not next year (the future is preferred)
        return day.isoformat()

    def forms(self, spec: DateSlot, language: str, rng: random.Random) -> list[str]:
        return DATE_FORMS if english(language) else []

    def sample(self, slot: str, spec: DateSlot, rng: random.Random, today: dt.date, annotated: list[str]) -> str:
        return (today + dt.timedelta(days=rng.randint(0, 30))).isoformat()

    def candidates(self, spec: DateSlot, today: dt.date, annotated: list[str]) -> list[Any]:
        return [(today + dt.timedelta(days=d)).isoformat() for d in range(-10, 40)]

    def say(self, spec: DateSlot, value: Any, rng: random.Random, today: dt.date, hint: str) -> str:
        return date_words(dt.date.fromisoformat(value), today, rng)


class Time(_Calendar):
    name: ClassVar[str] = "time"

    def coerce(self, spec: TimeSlot, raw: Any) -> str:
        if isinstance(raw, (dt.time, dt.datetime)):
            return raw.strftime("%H:%M")
        try:
            return dt.time.fromisoformat(str(raw).strip()).strftime("%H:%M")
        except ValueError:
            raise InvalidValue(f"{show(raw)} is not a time (HH:MM)") from None

    def read(self, spec: TimeSlot, text: str, now: dt.datetime, language: str) -> str:
        phrase = " ".join(_OCLOCK.sub(" o'clock", match_key(text).strip(" .,!?")).split())
        part = _PART_OF_DAY.match(phrase)
        if part is not None:  # "evening 7:15", "afternoon 12": the part of the day said first
            said = "at night" if part["part"] in ("night", "tonight") else f"in the {part['part']}"
            phrase = f"{part['time']} {said}"
        phrase = re.sub(r" o'clock (?=in |at )", " ", phrase)
        if phrase in _NAMED_TIMES:
            return _NAMED_TIMES[phrase]
        match = _TIME.match(phrase)
        if match is None:
            found = parse_date(phrase, now, language)
            if found is None or ((found.hour, found.minute) == (0, 0) and not _MIDNIGHT.search(phrase)):
                raise ValueError(f"not a time: {text!r}")  # a date parser gives a date alone midnight ("the 3rd")
            return found.strftime("%H:%M")
        hour = _small_number(match["hour"], language)
        minute = int(match["minute"]) if match["minute"] else 0
        if match["word_minute"]:
            minute = _small_number(match["word_minute"], language)
        if match["half"]:
            offset = {"half past": 30, "half": 30, "quarter past": 15, "quarter to": -15}.get(match["half"])
            if offset is None:
                offset = _small_number(match["minutes"], language)
                offset = -offset if match["half"].endswith(" to") else offset
            minute = offset % 60
            hour = hour - 1 if offset < 0 else hour
        meridiem = match["meridiem"] or ""
        if meridiem.startswith(("pm", "p.m", "in the afternoon", "in the evening", "in the night", "at night",
                                "tonight")):
            hour = hour % 12 + 12 if hour != 12 or meridiem.startswith(("pm", "p.m", "in the afternoon")) else 0
        elif meridiem.startswith(("am", "a.m", "in the morning")):
            hour %= 12
        elif 1 <= hour <= 6 and not match["hour"].startswith("0"):
            hour += 12  # no am/pm: one to six o'clock means the afternoon or evening (but 06:30 is 24-hour)
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValueError(f"not a time: {text!r}")
        return f"{hour:02d}:{minute:02d}"

    def readings(self, spec: TimeSlot, text: str, now: dt.datetime, language: str) -> list[str]:
        """A bare hour is the morning's or the afternoon's: "8" is 08:00, then 20:00."""
        first = self.read(spec, text, now, language)
        hour = int(first[:2])
        said_which = part_of_day_said(text) or text.strip().startswith("0")  # 08:00 is 24-hour
        return [first] if said_which or hour >= 12 or hour == 0 else [first, f"{hour + 12:02d}{first[2:]}"]

    def forms(self, spec: TimeSlot, language: str, rng: random.Random) -> list[str]:
        return TIME_FORMS if english(language) else []

    def sample(self, slot: str, spec: TimeSlot, rng: random.Random, today: dt.date, annotated: list[str]) -> str:
        return f"{rng.randint(0, 23):02d}:{rng.choice([0, 15, 30, 45]):02d}"

    def candidates(self, spec: TimeSlot, today: dt.date, annotated: list[str]) -> list[Any]:
        return [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]

    def say(self, spec: TimeSlot, value: Any, rng: random.Random, today: dt.date, hint: str) -> str:
        return time_words(value, rng)


def part_of_day_said(text: str) -> bool:
    """Whether the text says which half of the day a time is in ("pm", "evening", "tonight"; English)."""
    return _MERIDIEM_SAID.search(match_key(text)) is not None


def parse_date(phrase: str, now: dt.datetime, language: str) -> dt.datetime | None:
    """dateparser, relative to the turn's time in the domain's zone, preferring the future."""
    from dateparser.date import DateDataParser

    settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
    languages = [language] if language != "xx" else None
    return DateDataParser(languages=languages, settings=settings).get_date_data(phrase).date_obj


def _small_number(word: str, language: str) -> int:
    from text_to_num import text2num

    if word.isdigit():
        return int(word)
    if word in _HOURS:
        return _HOURS[word]
    return int(text2num(word, language))


def date_words(day: dt.date, today: dt.date, rng: random.Random) -> str:
    """A way of saying `day` that means it unambiguously on `today`."""
    ahead = (day - today).days
    forms = [f"the {ordinal(day.day)} of {MONTHS[day.month - 1]}", f"{MONTHS[day.month - 1]} {ordinal(day.day)}",
             f"{day.day} {MONTHS[day.month - 1]}"]
    if ahead == 0:
        forms += ["today"] * 3
    elif ahead == 1:
        forms += ["tomorrow"] * 3
    elif 1 < ahead < 7:
        forms += [WEEKDAYS[day.weekday()]] * 2
    return rng.choice(forms)


def time_words(value: str, rng: random.Random) -> str:
    hour, minute = (int(part) for part in value.split(":"))
    twelve = hour % 12 or 12
    meridiem = "pm" if hour >= 12 else "am"
    forms = [f"{hour:02d}:{minute:02d}", f"{twelve}:{minute:02d}{meridiem}", f"{twelve}:{minute:02d} {meridiem}"]
    if minute == 0:
        forms += [f"{twelve}{meridiem}", f"{twelve} {meridiem}"]
    return rng.choice(forms)


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
