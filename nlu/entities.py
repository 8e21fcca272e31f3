"""Entity normalisation: spans of text become typed slot values, and a gazetteer finds what the model missed.

A blank spaCy pipeline (no downloaded model) holds the words the model saw (so CJK
characters stand alone, as they do for the model), and a PhraseMatcher on case-, width-
and accent-folded words finds the canonical values and synonyms of category slots in any
language. Numbers ("four", "4", "a dozen") go through text2num; dates ("tomorrow", "next
friday", "3rd of May") and times ("7pm", "half past seven", "19:30") are read relative to
the turn's time in the domain's time zone. Phone, e-mail and regex slots are validated
by the domain's own value rules.

Merging the model's spans with the gazetteer's matches follows one rule, in this order:
1. every span the model tagged is kept, with its value normalised (a value that does not
   normalise keeps its text, so the dialogue asks again with the slot's invalid message); a
   span of a text slot inside a value annotated for that slot in the examples is widened to
   it (a lookup table), and a span that fits no value of its slot but exactly one slot of a
   strict form (regex, phone, e-mail) goes to that slot;
2. a gazetteer match adds its slot when the model filled no span of that slot and the match
   overlaps no span the model tagged;
3. where a model span of a category slot does not normalise but a gazetteer match of that
   slot overlaps it, the match's canonical value is used;
4. one value per slot: the first in the utterance wins.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from text_to_num import text2num

from dialogue.nlu.imports import without_torch

with without_torch():  # spaCy's thinc imports torch whenever it is installed; serving never needs it
    import spacy
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc
    from spacy.util import filter_spans

from dialogue.domains.annotations import parse_example
from dialogue.domains.schema import Domain
from dialogue.domains.schema.slots import (
    CategorySlot,
    DateSlot,
    EmailSlot,
    IntegerSlot,
    NumberSlot,
    PhoneSlot,
    RegexSlot,
    TextSlot,
    TimeSlot,
)
from dialogue.domains.values import InvalidValue, SlotValues, match_key
from dialogue.nlu.text import Word, clean, split_words

_CURRENCY = re.compile(r"[$€£¥]|\b(?:pounds?|quid|dollars?|euros?|bucks|gbp|usd|eur)\b", re.I)
_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_WORD_NUMBERS = {"a dozen": 12, "dozen": 12, "half a dozen": 6, "a couple": 2, "a couple of": 2, "couple": 2,
                 "a pair": 2, "a pair of": 2, "a hundred": 100, "a thousand": 1000, "a single": 1, "single": 1,
                 "just me": 1, "only me": 1, "myself": 1, "no one else": 1}
_HOURS = {name: number for number, name in enumerate(
    ["twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"])}
_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "midnight": "00:00", "lunchtime": "12:30",
                "lunch": "12:30", "dinner": "19:00", "dinnertime": "19:00", "teatime": "17:00"}
_TIME = re.compile(
    r"^(?:at |around |about |by )?(?:(?P<half>half past|quarter past|quarter to|(?P<minutes>\d{1,2}|[a-z]+) "
    r"(?:minutes )?(?:past|after|to)) )?(?P<hour>\d{1,2}|[a-z]+)(?:[:.h](?P<minute>\d{2}))?"
    r"(?: (?!am\b|pm\b|a\.m|p\.m|in |at |tonight|o'?clock)(?P<word_minute>[a-z]+(?: (?!am\b|pm\b)[a-z]+)?))?"
    r"\s*(?P<meridiem>am|pm|a\.m\.|p\.m\.|in the morning|in the "
    r"afternoon|in the evening|at night|tonight|o'clock|oclock)?$")


@dataclass(frozen=True)
class Found:
    """A slot value found in the text, with where it was."""

    slot: str
    value: Any
    start: int
    end: int
    normalised: bool
    source: str  # model or gazetteer


class EntityNormaliser:
    def __init__(self, domain: Domain):
        self.domain = domain
        self.language = domain.settings.language.split("-")[0]
        try:
            self.vocab = spacy.blank(self.language).vocab
        except ImportError:
            self.vocab = spacy.blank("xx").vocab
        self.values = SlotValues(domain.slots)
        self.strict = [name for name, spec in domain.slots.items()
                       if isinstance(spec, RegexSlot | PhoneSlot | EmailSlot)]
        self.matcher = PhraseMatcher(self.vocab, attr="NORM")
        for slot, spec in domain.slots.items():
            if isinstance(spec, CategorySlot):
                for canonical, synonyms in spec.values.items():
                    forms = [self._doc(split_words(clean(form))) for form in (canonical, *synonyms)]
                    self.matcher.add(f"{slot}\t{canonical}", [form for form in forms if len(form)])
        self.known = PhraseMatcher(self.vocab, attr="NORM")  # text slots' values annotated in the examples
        for intent in domain.intents.values():
            for example in intent.examples:
                for span in parse_example(example).spans:
                    if isinstance(domain.slots.get(span.slot), TextSlot):
                        self.known.add(span.slot, [self._doc(split_words(clean(span.text)))])

    def warm_up(self) -> None:
        """Load what the first date or time would load (dateparser's language data: ~0.1 s)."""
        if any(isinstance(spec, (DateSlot, TimeSlot)) for spec in self.domain.slots.values()):
            self._parse_date("tomorrow", dt.datetime(2000, 1, 1))

    def normalise(self, slot: str, text: str, now: dt.datetime) -> tuple[Any, bool]:
        """The typed value of `text` for `slot`, and whether it normalised (else the text comes back)."""
        spec = self.domain.slots[slot]
        try:
            if isinstance(spec, (IntegerSlot, NumberSlot)):
                return self.values.coerce(slot, self._number(text)), True
            if isinstance(spec, DateSlot):
                return self._date(text, now), True
            if isinstance(spec, TimeSlot):
                return self._time(text, now), True
            return self.values.coerce(slot, text), True
        except (InvalidValue, ValueError):
            return text, False

    def _doc(self, words: list[Word]) -> Doc:
        spaces = [i + 1 < len(words) and words[i + 1].start > word.end for i, word in enumerate(words)]
        doc = Doc(self.vocab, words=[w.text for w in words], spaces=spaces)
        for token in doc:
            token.norm_ = match_key(token.text)
        return doc

    def gazetteer(self, words: list[Word]) -> list[Found]:
        """Exact (folded) matches of category values and synonyms, the longest where they overlap."""
        if not words:
            return []
        doc = self._doc(words)
        matches = self.matcher(doc)
        labelled = {(start, end): self.vocab.strings[match] for match, start, end in matches}
        found = []
        for span in filter_spans([doc[start:end] for _, start, end in matches]):
            slot, canonical = labelled[(span.start, span.end)].split("\t")
            found.append(Found(slot, canonical, words[span.start].start, words[span.end - 1].end, True, "gazetteer"))
        return found

    def merge(self, tagged: list[tuple[str, int, int]], text: str, words: list[Word],
              now: dt.datetime) -> list[Found]:
        """The model's spans (slot, start, end) in `text` merged with the gazetteer by the module's rule."""
        matches = self.gazetteer(words)
        found = []
        for slot, start, end in tagged:
            start, end = self._widen(slot, start, end, text, words)
            value, ok = self.normalise(slot, text[start:end], now)
            if not ok and isinstance(self.domain.slots[slot], CategorySlot):
                cover = next((m for m in matches if m.slot == slot and m.start < end and start < m.end), None)
                if cover is not None:
                    value, ok = cover.value, True
            if not ok:
                slot, value, ok = self._retype(slot, text[start:end], value)
            found.append(Found(slot, value, start, end, ok, "model"))
        for match in matches:
            free = all(match.end <= f.start or f.end <= match.start for f in found if f.source == "model")
            if free and not any(f.slot == match.slot for f in found):
                found.append(match)
        found.sort(key=lambda f: f.start)
        first: dict[str, Found] = {}
        for item in found:
            first.setdefault(item.slot, item)
        return list(first.values())

    def _widen(self, slot: str, start: int, end: int, text: str, words: list[Word]) -> tuple[int, int]:
        """A span cut inside a value is widened to it: a number split at its separators ("1," of "1,156"),
        or a text slot's span inside a value annotated for that slot in the examples (a lookup table):
        the model found "Jo" of "Jo Park"."""
        spec = self.domain.slots[slot]
        if isinstance(spec, IntegerSlot | NumberSlot):
            for number in _DIGITS.finditer(text):
                if number.start() < end and start < number.end():
                    start, end = min(start, number.start()), max(end, number.end())
            return start, end
        if not isinstance(spec, TextSlot) or not words:
            return start, end
        for match, first, last in self.known(self._doc(words)):
            if self.vocab.strings[match] == slot and words[first].start <= start and end <= words[last - 1].end:
                start, end = words[first].start, words[last - 1].end
        return start, end

    def _retype(self, slot: str, text: str, value: Any) -> tuple[str, Any, bool]:
        """A span whose text is not a value of the slot the model gave it, but fits exactly one slot of a
        strict form (a regex pattern, a phone number, an e-mail address), goes to that slot."""
        fits = []
        for other in self.strict:
            try:
                fits.append((other, self.values.coerce(other, text)))
            except InvalidValue:
                continue
        return (*fits[0], True) if len(fits) == 1 else (slot, value, False)

    def _number(self, text: str) -> float | int:
        plain = " ".join(_CURRENCY.sub(" ", text.lower()).replace("-", " ").split())
        if _NUMBER.match(plain):
            return float(plain.replace(",", ""))
        if plain in _WORD_NUMBERS:
            return _WORD_NUMBERS[plain]
        words = plain.removeprefix("a ").removesuffix(" people").removesuffix(" of us").strip()
        try:
            return text2num(words, self.language)
        except ValueError:
            raise ValueError(f"not a number: {text!r}") from None

    def _date(self, text: str, now: dt.datetime) -> str:
        phrase = match_key(text).removeprefix("on ").removeprefix("for ").strip()
        if phrase in ("tonight", "this evening", "today", "this afternoon", "this morning", "now"):
            return now.date().isoformat()
        found = self._parse_date(phrase, now)
        if found is None:
            raise ValueError(f"not a date: {text!r}")
        day = found.date()
        if day.year == now.year + 1 and (day.month, day.day) == (now.month, now.day):
            day = now.date()  # "25 November" said on 25 November is today, not next year (the future is preferred)
        return day.isoformat()

    def _parse_date(self, phrase: str, now: dt.datetime) -> dt.datetime | None:
        """dateparser, relative to the turn's time in the domain's zone, preferring the future."""
        from dateparser.date import DateDataParser

        settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
        languages = [self.language] if self.language != "xx" else None
        return DateDataParser(languages=languages, settings=settings).get_date_data(phrase).date_obj

    def _time(self, text: str, now: dt.datetime) -> str:
        phrase = " ".join(match_key(text).split())
        if phrase in _NAMED_TIMES:
            return _NAMED_TIMES[phrase]
        match = _TIME.match(phrase)
        if match is None:
            found = self._parse_date(phrase, now)
            if found is None:
                raise ValueError(f"not a time: {text!r}")
            return found.strftime("%H:%M")
        hour = _small_number(match["hour"], self.language)
        minute = int(match["minute"]) if match["minute"] else 0
        if match["word_minute"]:
            minute = _small_number(match["word_minute"], self.language)
        if match["half"]:
            offset = {"half past": 30, "quarter past": 15, "quarter to": -15}.get(match["half"])
            if offset is None:
                offset = _small_number(match["minutes"], self.language)
                offset = -offset if match["half"].endswith(" to") else offset
            minute = offset % 60
            hour = hour - 1 if offset < 0 else hour
        meridiem = match["meridiem"] or ""
        if meridiem.startswith(("pm", "p.m", "in the afternoon", "in the evening", "at night", "tonight")):
            hour = hour % 12 + 12
        elif meridiem.startswith(("am", "a.m", "in the morning")):
            hour %= 12
        elif 1 <= hour <= 6 and not match["hour"].startswith("0"):
            hour += 12  # no am/pm: one to six o'clock means the afternoon or evening (but 06:30 is 24-hour)
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValueError(f"not a time: {text!r}")
        return f"{hour:02d}:{minute:02d}"


def _small_number(word: str, language: str) -> int:
    if word.isdigit():
        return int(word)
    if word in _HOURS:
        return _HOURS[word]
    return int(text2num(word, language))
