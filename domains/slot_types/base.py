"""What a slot type knows about its values, with the defaults most types share."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, ClassVar


class SlotType:
    """One entry of the registry (`dialogue.domains.slot_types.SLOT_TYPES`), for the slot schema of its `name`.

    The flags tell the NLU how to find values of the type in text: `closed` (a closed set of values and
    synonyms, found by the gazetteer), `strict` (a strict form: a span that fits it and no other slot of the
    domain goes to it), `numeric` (a number cut at its separators is widened), `lookup` (the values
    annotated in the examples are looked up in the text) and `phrased` (a value said in several words, a date
    or a time: a span that does not read as one is read again with the words around it).
    """

    name: ClassVar[str]
    closed: ClassVar[bool] = False
    strict: ClassVar[bool] = False
    numeric: ClassVar[bool] = False
    lookup: ClassVar[bool] = False
    phrased: ClassVar[bool] = False

    def coercer(self, spec: Any) -> Any:
        """A function from a raw value (buttons, DTMF, tests, the NLU) to the slot's canonical value, raising
        InvalidValue (dialogue.domains.values) saying why a value does not fit."""
        return lambda raw: self.coerce(spec, raw)

    def coerce(self, spec: Any, raw: Any) -> Any:
        raise NotImplementedError

    def read(self, spec: Any, text: str, now: dt.datetime, language: str) -> Any:
        """What a span of the user's text means, before coercion (ValueError if it means nothing of the type);
        relative values (tomorrow, 7pm) are read at the turn's time `now`."""
        return text

    def readings(self, spec: Any, text: str, now: dt.datetime, language: str) -> list[Any]:
        """What a bare answer to a question about this slot may mean, most likely first ("8" for a time: 08:00,
        then 20:00); the asker takes the first its rules accept. ValueError if it means nothing of the type."""
        return [self.read(spec, text, now, language)]

    def warm_up(self, language: str) -> None:
        """Load what the first `read` would load, so that the first turn costs what the others do."""

    def forms(self, spec: Any, language: str, rng: random.Random) -> list[str]:
        """Surface forms to swap in for annotated values when examples are augmented for training."""
        return []

    def sample(self, slot: str, spec: Any, rng: random.Random, today: dt.date, annotated: list[str]) -> Any:
        """A value a simulated user may mean for `slot` (`annotated`: the texts annotated for it in the examples);
        InvalidValue saying why when the domain gives nothing to draw from."""
        raise NotImplementedError

    def invalid(self, spec: Any, rng: random.Random) -> Any:
        """A value outside the slot's range, for a simulated user who gets it wrong (None: the type has no
        range)."""
        return None

    def candidates(self, spec: Any, today: dt.date, annotated: list[str]) -> list[Any]:
        """Values of a wider range than `sample` draws, to find ones a task's validation rejects."""
        return []

    def say(self, spec: Any, value: Any, rng: random.Random, today: dt.date, hint: str) -> str:
        """How a simulated user says `value` (`hint`: the example's own text for the span, its style)."""
        return str(value)


def english(language: str) -> bool:
    """Whether the typical phrasings the types know (numbers, dates, times, phones) fit the language."""
    return language.startswith("en")
