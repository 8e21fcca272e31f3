"""Entity normalisation: spans of text become typed slot values, and a gazetteer finds what the model missed.

A blank spaCy pipeline (no downloaded model) holds the words the model saw (so CJK
characters stand alone, as they do for the model), and a PhraseMatcher on case-, width-
and accent-folded words finds the canonical values and synonyms of category slots, and the
known values and aliases of text slots, in any language. How a span reads as a value is its
slot type's (dialogue.domains.slot_types): a text slot's known value it names ("NYC",
"Paris, France"); numbers ("four", "4", "a dozen") through text2num; dates ("tomorrow", "next friday",
"3rd of May") and times ("7pm", "half past seven", "19:30") relative to the turn's time in
the domain's time zone; phone, e-mail and regex slots by the domain's own value rules.

Merging the model's spans with the gazetteer's matches follows one rule, in this order:
1. every span the model tagged is kept (but a span of stop words only that is no value: "us", "the", nor
   one that only a strict form's pattern fits: "around" of "around 7" is no booking reference, nor a count "one"
   just after another value, which stands for a thing of that kind: "the cantonese one"), with
   its value normalised (a value that does not normalise keeps its text, so the dialogue asks again with the
   slot's invalid message); a span inside a value its slot lists ("Foster" of "Foster City"), or, for a text
   slot, inside a value annotated for that slot in the examples (a lookup table), is widened to it, and a span
   that fits no value of its slot but exactly one slot of a strict form (regex, phone, e-mail) goes to that
   slot; a span cut from a run of digit groups ("07700" of "07700 900123") that is not a value of its slot is
   widened to the run when the run is a value of that slot or of exactly one strict slot; a span of a date or
   time that does not read as one goes to the one slot of the other type that got no span when it reads as
   that ("evening 4" tagged as a date is the time), else is read with the words nearest it ("the" of "the 5th
   of March" reads as "the 5th"), or without words at its ends ("21:15 imax"); a time is read with the minutes
   said just before it ("half seven", the span "seven") and the part of the day ("in the evening 5:30"); a date
   span that says a time too is cut in two first ("next Thursday morning 11": `apart`);
2. a gazetteer match adds its slot when the model filled no span of that slot and the match
   overlaps no span the model tagged;
3. where a model span of a category slot does not normalise but a gazetteer match of that
   slot overlaps it, the match's canonical value is used; a span that is word for word a known value of
   another slot and no value of its own (a text slot that lists its values, or a yes/no slot) goes to that
   slot ("Livermore", a city, tagged as the movie) when the model tagged nothing of that slot;
4. one value per slot: the first in the utterance that normalised wins (else the first).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from dialogue.nlu.imports import without_torch

with without_torch():  # spaCy's thinc imports torch whenever it is installed; serving never needs it
    import spacy
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc
    from spacy.util import filter_spans

from dialogue.domains.annotations import parse_example
from dialogue.domains.schema import Domain
from dialogue.domains.slot_types import SlotValues, slot_type
from dialogue.domains.slot_types.calendar import part_of_day_said
from dialogue.domains.values import InvalidValue, match_key
from dialogue.nlu.text import Word, clean, split_words

_MINUTES_SAID = re.compile(r"^(?:half|(?:half|quarter|\d{1,2}|[a-z]+) (?:past|after|to))$")
"""Words before an hour that say its minutes ("half" seven, "twenty past" seven)."""
_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
REREAD_WORDS = 3
"""How many words beyond a date or time span that does not read are tried with it (see _reread)."""
_REREADINGS = [(0, more) for more in range(1, REREAD_WORDS + 1)] + [(more, 0) for more in range(1, REREAD_WORDS)] \
    + [(1, 1)]
"""(words added on the left, on the right) of each rereading, in the order they are tried."""
_CLOCK = re.compile(r"\d:\d\d|o'?\s?clock", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"\+?\(?\d(?:[\d().-]*[\d)])?(?: \(?\d(?:[\d().-]*[\d)])?)*")
"""Digits in groups, as phone numbers are said and written: "07700 900123", "+44 (20) 7946-0000"."""


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
            blank = spacy.blank(self.language)
        except ImportError:
            blank = spacy.blank("xx")
        self.vocab = blank.vocab
        self.stop_words = frozenset(blank.Defaults.stop_words)
        self.values = SlotValues(domain.slots)
        self.types = {name: slot_type(spec) for name, spec in domain.slots.items()}
        self.strict = [name for name, kind in self.types.items() if kind.strict]
        self.times = [name for name, kind in self.types.items() if kind.name == "time"]
        self.matcher = PhraseMatcher(self.vocab, attr="NORM")
        for slot, spec in domain.slots.items():
            if self.types[slot].closed or getattr(spec, "values", None):  # a category, or a text slot with known values
                for canonical, synonyms in spec.values.items():
                    forms = [self._doc(split_words(clean(form))) for form in (canonical, *synonyms)]
                    self.matcher.add(f"{slot}\t{canonical}", [form for form in forms if len(form)])
        self.known = PhraseMatcher(self.vocab, attr="NORM")  # text slots' values annotated in the examples
        for intent in domain.intents.values():
            for example in intent.examples:
                for span in parse_example(example).spans:
                    if span.slot in self.types and self.types[span.slot].lookup:
                        self.known.add(span.slot, [self._doc(split_words(clean(span.text)))])

    def warm_up(self) -> None:
        """Load what the first value of each slot type would load (dateparser's language data: ~0.1 s)."""
        for kind in {kind.name: kind for kind in self.types.values()}.values():
            kind.warm_up(self.language)

    def normalise(self, slot: str, text: str, now: dt.datetime) -> tuple[Any, bool]:
        """The typed value of `text` for `slot`, and whether it normalised (else the text comes back)."""
        try:
            read = self.types[slot].read(self.domain.slots[slot], text, now, self.language)
            return self.values.coerce(slot, read), True
        except (InvalidValue, ValueError):
            return text, False

    def _doc(self, words: list[Word]) -> Doc:
        spaces = [i + 1 < len(words) and words[i + 1].start > word.end for i, word in enumerate(words)]
        doc = Doc(self.vocab, words=[w.text for w in words], spaces=spaces)
        for token in doc:
            token.norm_ = match_key(token.text)
        return doc

    def gazetteer(self, words: list[Word]) -> list[Found]:
        """Exact (folded) matches of category values and synonyms, the longest where they overlap; a value that
        is one stop word counts only when not said in lower case."""
        if not words:
            return []
        doc = self._doc(words)
        matches = self.matcher(doc)
        labelled = {(start, end): self.vocab.strings[match] for match, start, end in matches}
        found = []
        for span in filter_spans([doc[start:end] for _, start, end in matches]):
            slot, canonical = labelled[(span.start, span.end)].split("\t")
            if len(span) == 1 and span.text.islower() and span.text in self.stop_words:
                continue  # "I'm after a film" says no "After": a value that is a stop word, said as one
            found.append(Found(slot, canonical, words[span.start].start, words[span.end - 1].end, True, "gazetteer"))
        return found

    def merge(self, tagged: list[tuple[str, int, int]], text: str, words: list[Word],
              now: dt.datetime) -> list[Found]:
        """The model's spans (slot, start, end) in `text` (their pieces `joined` first) merged with the gazetteer by
        the module's rule."""
        matches = self.gazetteer(words)
        found = []
        for number, (slot, start, end) in enumerate(tagged):
            start, end = self._widen(slot, start, end, text, words)
            holder = next((m for m in matches if m.slot == slot and m.start <= start and end <= m.end), None)
            if holder is not None:  # "Foster" of "Foster City", a value the domain lists
                start, end = holder.start, holder.end
            fillers = all(self._filler(w.text) for w in words if start <= w.start and w.end <= end)
            if fillers and self.types[slot].name == "text":
                continue  # "us", "The": no name is only such words
            others = [(s, e) for other, (_, s, e) in enumerate(tagged) if other != number]
            if self.types[slot].name == "integer" and text[start:end].lower() == "one" and any(
                    e <= start and not text[e:start].strip() for _, e in others):
                continue  # "the cantonese one": "one" just after a value stands for a thing of that kind, no count
            value, ok = self.normalise(slot, text[start:end], now)
            if ok and self.types[slot].name == "integer":
                slot, value, start = self._count_as_time(slot, value, start, end, text, words, tagged, now)
            if not ok and self.types[slot].closed:
                cover = next((m for m in matches if m.slot == slot and m.start < end and start < m.end), None)
                if cover is not None:
                    value, ok = cover.value, True
            if not ok:
                slot, value, ok, start, end = self._repair(slot, value, start, end, text, now)
            if not ok and self.types[slot].phrased:
                slot, value, ok = self._as_other_phrased(slot, value, text[start:end], tagged, now)
            if not ok and self.types[slot].phrased:
                value, ok, start, end = self._reread(slot, value, start, end, text, words, others, now)
            if ok and self.types[slot].name == "time":
                value, start = self._with_minutes_before(slot, value, start, end, text, words, others, now)
                value, start, end = self._with_part_of_day(slot, value, start, end, text, words, others, now)
            if fillers and (not ok or self.types[slot].strict):
                continue  # "the" of "until the 9th", cut from the date beside it, holds no value; nor is "around" of
                # "around 7", which a reference's pattern fits, a reference
            elsewhere = self._named_elsewhere(slot, ok, start, end, matches, tagged, words)
            found.append(elsewhere or Found(slot, value, start, end, ok, "model"))
        found = [f for f in found if f.normalised or not any(
            other.normalised and other.start <= f.start and f.end <= other.end for other in found)]  # "half" of it
        for match in matches:
            free = all(match.end <= f.start or f.end <= match.start for f in found if f.source == "model")
            if free and not any(f.slot == match.slot for f in found):
                found.append(match)
        found.sort(key=lambda f: f.start)
        first: dict[str, Found] = {}
        for item in found:
            if item.slot not in first or (item.normalised and not first[item.slot].normalised):
                first[item.slot] = item
        return sorted(first.values(), key=lambda f: f.start)

    def _named_elsewhere(self, slot: str, ok: bool, start: int, end: int, matches: list[Found],
                         tagged: list[tuple[str, int, int]], words: list[Word]) -> Found | None:
        """The known value of another slot that a span is, word for word, when the span is no value of the slot
        the model gave it (not one it lists, for a text slot that lists its values or looks them up; never, for a
        yes/no slot) and the model tagged nothing of that other slot: "Livermore", a city in the domain's list,
        tagged as the movie, "Petaluma" tagged as allowing pets. The domain's lists say which slot such a name
        is."""
        spec, kind = self.domain.slots[slot], self.types[slot].name
        listed = kind == "text" and (getattr(spec, "values", None) or spec.lookup)
        if ok and not (listed or kind == "boolean"):  # a span a yes/no slot takes names its feature: any text reads
            return None  # a value of its slot, or a text slot that lists none of its values (a person's name)
        exact = [m for m in matches if (m.start, m.end) == (start, end) and m.slot != slot]
        if len(exact) != 1 or any(m.slot == slot and m.start < end and start < m.end for m in matches) \
                or any(other == exact[0].slot for other, _, _ in tagged):
            return None
        annotated = self.known(self._doc(words)) if self.types[slot].lookup else []
        if any(self.vocab.strings[match] == slot and (words[first].start, words[last - 1].end) == (start, end)
               for match, first, last in annotated):
            return None
        return Found(exact[0].slot, exact[0].value, start, end, True, "model")

    def joined(self, tagged: list[tuple[str, int, int]], text: str, now: dt.datetime) -> list[tuple[str, int, int]]:
        """Spans of one date or time slot with only spaces between them, as one ("the" + "5th of March": the
        model began the value again), or a comma when they read as one ("Tuesday, next week"); stop words
        the model gave another slot of the type, just before a span, with it ("the" as the check-out, "9th of
        March" as the check-in: "the 9th of March", as the check-in, which `roles` may then move); and words the
        model gave another slot that are no value of it, just before a span, when together they read as one ("half"
        as the party size, "seven" as the time: "half seven")."""
        joined: list[tuple[str, int, int]] = []
        for slot, start, end in tagged:
            if joined and self.types[slot].phrased and self._one_value(joined[-1], slot, start, end, text, now):
                start = joined.pop()[1]
            joined.append((slot, start, end))
        return joined

    def apart(self, tagged: list[tuple[str, int, int]], text: str, now: dt.datetime) -> list[tuple[str, int, int]]:
        """A date span that also says a time ("next Thursday morning 11", all tagged as the date) as two spans, the
        date and the time, when the domain has one time slot and the model tagged none: the time's part says a time
        (a part of the day, am or pm, a clock time) and the date's does not, and both read as values."""
        if len(self.times) != 1 or any(slot == self.times[0] for slot, _, _ in tagged):
            return tagged
        parted = []
        for slot, start, end in tagged:
            pieces = self._date_and_time(slot, self.times[0], start, end, text, now) \
                if self.types[slot].name == "date" and _says_time(text[start:end]) else None
            parted += pieces or [(slot, start, end)]
        return sorted(parted, key=lambda span: span[1])

    def _date_and_time(self, date: str, time: str, start: int, end: int, text: str,
                       now: dt.datetime) -> list[tuple[str, int, int]] | None:
        """The date span cut in two between words, the date and the time in either order (see `apart`); None: no
        cut is."""
        words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
        for cut in range(1, len(words)):
            left, right = (start, words[cut - 1][1]), (words[cut][0], end)
            for (date_at, time_at) in ((left, right), (right, left)):
                said_date, said_time = text[date_at[0]:date_at[1]], text[time_at[0]:time_at[1]]
                if _says_time(said_time) and not _says_time(said_date) \
                        and not all(self._filler(word) for word in said_date.split()) \
                        and self.normalise(time, said_time, now)[1] and self.normalise(date, said_date, now)[1]:
                    return sorted([(date, *date_at), (time, *time_at)], key=lambda span: span[1])
        return None

    def _one_value(self, previous: tuple[str, int, int], slot: str, start: int, end: int, text: str,
                   now: dt.datetime) -> bool:
        """Whether the previous span and this date or time span are pieces of one value (see `joined`)."""
        other, first, last = previous
        between = text[last:start].strip()
        if other == slot:
            return not between or (between == "," and self.normalise(slot, text[first:end], now)[1])
        if between:
            return False
        if self.domain.slots[other].type == self.domain.slots[slot].type \
                and all(self._filler(word) for word in text[first:last].split()):
            return True
        return not self.normalise(other, text[first:last], now)[1] and self.normalise(slot, text[first:end], now)[1]

    def _widen(self, slot: str, start: int, end: int, text: str, words: list[Word]) -> tuple[int, int]:
        """A span cut inside a value is widened to it: a number split at its separators ("1," of "1,156"),
        or a text slot's span inside a value annotated for that slot in the examples (a lookup table):
        the model found "Jo" of "Jo Park"."""
        kind = self.types[slot]
        if kind.numeric:
            for number in _DIGITS.finditer(text):
                if number.start() < end and start < number.end():
                    start, end = min(start, number.start()), max(end, number.end())
            return start, end
        if not kind.lookup or not words:
            return start, end
        for match, first, last in self.known(self._doc(words)):
            if self.vocab.strings[match] == slot and words[first].start <= start and end <= words[last - 1].end:
                start, end = words[first].start, words[last - 1].end
        return start, end

    def _repair(self, slot: str, value: Any, start: int, end: int, text: str,
                now: dt.datetime) -> tuple[str, Any, bool, int, int]:
        """A span that is not a value of its slot: the whole run of digit groups it was cut from ("07700" of
        "07700 900123") when that run is a value of the slot or of exactly one strict slot; else the span itself
        when it fits exactly one strict slot (see _retype); else the span as it was, not normalised."""
        run = next((m for m in _DIGIT_RUN.finditer(text) if m.start() <= start and end <= m.end()), None)
        if run is not None and (run.start(), run.end()) != (start, end):
            widened, ok = self.normalise(slot, run.group(), now)
            if ok:
                return slot, widened, True, run.start(), run.end()
            other, widened, ok = self._retype(slot, run.group(), widened)
            if ok:
                return other, widened, True, run.start(), run.end()
        return (*self._retype(slot, text[start:end], value), start, end)

    def _reread(self, slot: str, value: Any, start: int, end: int, text: str, words: list[Word],
                others: list[tuple[int, int]], now: dt.datetime) -> tuple[Any, bool, int, int]:
        """A span of a date or time that does not read as one, read again with the words nearest it: up to
        REREAD_WORDS more on the right, then on the left ("the" of "the 5th of March", "quarter to 4 in" of
        "... in the afternoon"), never over another span; then without the stop words and marks at its ends
        ("8th in"); then without one or two words at its right end, then its left ("21:15 imax"); else the span
        as it was."""
        inside = [i for i, word in enumerate(words) if start <= word.start and word.end <= end]
        if not inside:
            return value, False, start, end
        first, last = inside[0], inside[-1]
        trimmed_first, trimmed_last = first, last
        while trimmed_first < trimmed_last and self._filler(words[trimmed_first].text):
            trimmed_first += 1
        while trimmed_last > trimmed_first and self._filler(words[trimmed_last].text):
            trimmed_last -= 1
        shorter = [(first, last - fewer) for fewer in range(1, REREAD_WORDS)] \
            + [(first + fewer, last) for fewer in range(1, REREAD_WORDS)]
        for begin, stop in [(first - left, last + right) for left, right in _REREADINGS] \
                + [(trimmed_first, trimmed_last)] + shorter:
            if not (0 <= begin <= stop < len(words)) or (begin, stop) == (first, last):
                continue
            wider_start, wider_end = words[begin].start, words[stop].end
            if any(s < wider_end and wider_start < e for s, e in others):
                continue
            reread, ok = self.normalise(slot, text[wider_start:wider_end], now)
            if ok:
                return reread, True, wider_start, wider_end
        return value, False, start, end

    def _as_other_phrased(self, slot: str, value: Any, said: str, tagged: list[tuple[str, int, int]],
                          now: dt.datetime) -> tuple[str, Any, bool]:
        """A date that reads only as a time ("evening 4" tagged as a second date), or a time only as a date, goes
        to the one slot of the other type that the model gave nothing; else it stays as it was. A clock time is no
        date ("7:30 in", which a date parser reads as tomorrow)."""
        kind = self.types[slot]
        fits = []
        for other, other_kind in self.types.items():
            if other_kind.name == "date" and _CLOCK.search(said):
                continue
            if other_kind.phrased and other_kind.name != kind.name and all(o != other for o, _, _ in tagged):
                read, ok = self.normalise(other, said, now)
                fits += [(other, read)] if ok else []
        return (*fits[0], True) if len(fits) == 1 else (slot, value, False)

    def _with_minutes_before(self, slot: str, value: Any, start: int, end: int, text: str, words: list[Word],
                             others: list[tuple[int, int]], now: dt.datetime) -> tuple[Any, int]:
        """A time read with the minutes said just before the model's span, in no other span: "half seven" and
        "twenty past seven", the span "seven", are 07:30 and 07:20."""
        before = [word for word in words if word.end <= start][-2:]
        for count in (1, 2):
            said = before[-count:]
            if len(said) < count or any(s < said[-1].end and said[0].start < e for s, e in others):
                break
            if _MINUTES_SAID.match(text[said[0].start:start].strip().lower()):
                reread, ok = self.normalise(slot, text[said[0].start:end], now)
                if ok:
                    return reread, said[0].start
        return value, start

    def _count_as_time(self, slot: str, value: Any, start: int, end: int, text: str, words: list[Word],
                       tagged: list[tuple[str, int, int]], now: dt.datetime) -> tuple[str, Any, int]:
        """A count the model found just after the minutes of an hour, in no other span ("half" seven, "quarter past"
        eight), or in a span that is no value of its slot ("half" tagged as a party size too), is the domain's one
        time slot, when the model gave that slot nothing: "how about half seven?", "seven" tagged as a party size, is
        19:30 (or 07:30, as the time slot reads it)."""
        if len(self.times) != 1 or any(other == self.times[0] for other, _, _ in tagged):
            return slot, value, start
        others = [(s, e) for other, s, e in tagged
                  if (s, e) != (start, end) and self.normalise(other, text[s:e], now)[1]]
        reread, wider = self._with_minutes_before(self.times[0], None, start, end, text, words, others, now)
        return (self.times[0], reread, wider) if wider != start else (slot, value, start)

    def _with_part_of_day(self, slot: str, value: Any, start: int, end: int, text: str, words: list[Word],
                          others: list[tuple[int, int]], now: dt.datetime) -> tuple[Any, int, int]:
        """A time that says no half of the day, read with the part of the day said just before or after it (up to
        REREAD_WORDS words, none in another span but one of a part of the day): "in the evening 5:30" and "5:30 in
        the evening", the model's span "5:30", are 17:30."""
        if part_of_day_said(text[start:end]):
            return value, start, end
        before = reversed([word for word in words if word.end <= start][-REREAD_WORDS:])
        after = [word for word in words if word.start >= end][:REREAD_WORDS]
        for nearby, is_before in ((before, True), (after, False)):
            for word in nearby:
                if any(s < word.end and word.start < e and not part_of_day_said(text[s:e]) for s, e in others):
                    break  # another span's words, but a part of the day the model tagged apart ("night")
                if part_of_day_said(word.text):
                    wider = (word.start, end) if is_before else (start, word.end)
                    reread, ok = self.normalise(slot, text[wider[0]:wider[1]], now)
                    if ok:
                        return reread, *wider
                    break
        return value, start, end

    def _filler(self, word: str) -> bool:
        """A stop word of the domain's language, or a mark."""
        return word.lower() in self.stop_words or not any(c.isalnum() for c in word)

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


def _says_time(text: str) -> bool:
    """Whether the text says a time of day: a part of the day, am or pm, or a clock time ("17:30", "5 o'clock")."""
    return part_of_day_said(text) or _CLOCK.search(text) is not None
