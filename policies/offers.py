"""Reading the user's answer to rows offered by an `offer:` action: the row they took, or that they want others.

A row is taken by its place ("the second one", "number 2", "the last"), by its time when the rows fill a time or date
("the later one", "the earliest"), by naming one of its values ("Golden Dragon", "the Italian one", typos allowed: the
offered rows are a gazetteer for that turn), by the value the turn gives for the slot a row's name fills (found by the
NLU or a `lookup`: "IT two"); rows named alike that fill the same values are one choice (the same film at two cinemas,
when the film is all the offer fills); or, when one row is offered, by a yes or by asking for what taking it leads to
(the task its `on_select` starts: "sounds good, book me in there"; or values only that task takes, but those the rows
fill: "for Tuesday at 10:45"; a message the NLU could not place between such readings is a yes when together they pass
its threshold). A no or a request for others ("anything else?") asks for the next rows, and a yes to several asks which,
unless the turn changes what was searched for ("a different one, in Woodside", "I want one in San Jose", "ok, but for
7": values of the searching task's own slots that differ from those it holds): the offer is then passed over and the
turn goes on to search again; the rows seen so far, when the user asked for others, are offered last in what it finds.
Anything else is no answer: the offer is passed over and the turn goes on (input not understood at all, and a question a
digression answers, leave it open; a question naming a row, or giving its place, fills its values in for the answer and
leaves the offer open too ("what's the second one like?"), and a yes to several rows then takes the one the slots name).
Just after a row is taken, while the task it leads to is proposed, a request for others offers the next rows
(`reopened`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz

from dialogue.dm.events import OfferAnswered, OfferMade, ResultsStored, SlotSet
from dialogue.dm.state import offered_window
from dialogue.dm.tracker import Tracker
from dialogue.domains.builtin import NLU_FALLBACK
from dialogue.domains.references import next_tasks, offer_specs, offers_lead_to, task_actions
from dialogue.domains.schema import Domain
from dialogue.domains.schema.actions import Offer, OfferSpec
from dialogue.domains.slot_types import SlotValues, slot_type
from dialogue.policies.steps import Say, Step
from dialogue.policies.task import aside, read_as_yes

PLACES = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4,
          "5th": 4}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_PLACE = re.compile(r"\b(?:(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b(?!\s+of\b)"
                    r"|(?:number|option|no\.?|#)\s*([1-9]|one|two|three|four|five)\b)", re.IGNORECASE)
_OTHERS = re.compile(r"\b(another|other|others|else|next(?!\s+(?:week|weekend|month|year|monday|tuesday|wednesday|"
                     r"thursday|friday|saturday|sunday|morning|afternoon|evening|night)\b)|different|more|"
                     r"alternatives?)\b", re.IGNORECASE)
"""Words asking for other rows ("next" is not one before a day: "next Tuesday" is a date)."""
_BY_TIME = re.compile(r"\bthe\s+(?:(earlier|earliest|sooner|soonest)|later|latest)\b", re.IGNORECASE)
"""A row taken by its time among those offered: the earliest (first group) or the latest ("the later one")."""
_WORD = re.compile(r"\w+(?:['’]\w+)*")
NAME_SCORE = 85.0
"""How close (rapidfuzz's ratio, 0-100) the user's words must be to a row's value to name it."""


class Offers:
    """The `offer:` action's handler, and the next turn's answer to it (asked by the goal stack first)."""

    def __init__(self, domain: Domain, task_slots: dict[str, list[str]]):
        """`task_slots`: the slots each task owns."""
        self.domain = domain
        self.specs = offer_specs(domain)
        self.next_tasks = {result: next_tasks(spec) for result, spec in self.specs.items()}
        """The tasks each offer's `on_select` starts or proposes."""
        self.next_slots = {result: {slot for task in tasks for slot in task_slots[task]}
                           - {slot for task, slots in task_slots.items() if task not in tasks for slot in slots}
                           - set(self.specs[result].fill)
                           for result, tasks in self.next_tasks.items()}
        """The slots only those tasks own, but those the rows fill (a row's name names the row): a value of one is a
        value for what taking the row leads to."""
        self.searching = {result: {name for name, task in domain.tasks.items() for action in task_actions(task)
                                   if isinstance(action, Offer) and action.offer.result == result}
                          for result in self.specs}
        """The tasks that offer each result."""
        self.leads_to = offers_lead_to(domain)
        """The tasks each task's offers lead to (`on_select`): what its search is for."""
        offered = {name: [result for result, tasks in self.searching.items() if name in tasks] for name in domain.tasks}
        self.finds = {name: {slot for result in results for slot in self.specs[result].fill}
                      for name, results in offered.items()}
        """The slots each task's offers fill: what its search can find."""
        self.search_slots = {result: {slot for task in tasks for slot in task_slots[task]}
                             for result, tasks in self.searching.items()}
        """Their slots: a new value of one is a new search."""
        self.leads = {result: _asking_for(domain, tasks) for result, tasks in self.next_tasks.items()}
        """The intent that asks for the one task each offer's `on_select` leads to (None: not one task)."""
        self.slot_values = SlotValues(domain.slots)
        self.timed = {result: next((slot for slot in spec.fill
                                    if slot_type(domain.slots[slot]).name in ("date", "time")), None)
                      for result, spec in self.specs.items()}
        """The first slot each offer fills with a date or a time: what "the later one" compares."""

    def offer(self, tracker: Tracker, action: Offer) -> list[Step]:
        spec = action.offer
        rows = tracker.state.results.get(spec.result, [])
        if not rows:
            return list(spec.on_empty) or [Say("no_options")]
        down = tracker.state.turned_down.get(spec.result, [])
        last = [row for row in rows if _identity(spec, row) in down]
        if not last or len(last) == len(rows):
            return self._offered(spec, rows, 0)
        rows = [row for row in rows if _identity(spec, row) not in down] + last  # "another one, with 2 baths"
        return [ResultsStored(name=spec.result, rows=rows), *self._offered(spec, rows, 0)]

    def reply(self, tracker: Tracker) -> tuple[list[Step], bool, str | None]:
        """The steps of the turn's answer to the rows on offer; whether the turn goes on after them (it does when it
        took no row and asked for no other, or when it took one and triggers a task); and the task that searched,
        when it is to start again with the turn's values ("another one, in Woodside": it is done, and one task
        searched)."""
        offering = tracker.state.offering
        assert offering is not None
        spec = self.specs[offering.result]
        rows = tracker.state.results.get(offering.result, [])
        turn = tracker.turn
        read_as_yes(tracker, self.domain, self.next_tasks[spec.result])
        triggered = {name for name, task in self.domain.tasks.items() if turn.intent in task.triggers}
        triggers = bool(triggered)
        gives_next = not triggers and bool(set(turn.entities) & self.next_slots[spec.result])
        naming = {slot: column for slot, column in spec.fill.items()
                  if column in spec.match and slot not in self.search_slots[spec.result]}
        given = _given_row(turn.entities, rows, naming, spec.fill)
        reply = None if turn.intent == "cancel" else Reply("take", given) if given is not None else read_reply(
            turn.text or "", self.domain.yes_or_no(turn.intent or ""), rows, offering.start, spec,
            named_only=triggers and not aside(self.domain, turn.intent),
            taking_leads=bool(triggered & self.next_tasks[spec.result]) or gives_next,
            times=self._times(spec, rows) if _BY_TIME.search(turn.text or "") else None)
        if (reply is None or reply.kind != "take") and any(
                turn.entities[slot] != tracker.state.slots.get(slot)
                for slot in set(turn.entities) & self.search_slots[spec.result]):
            asked_others = reply is not None and reply.kind == "others"
            seen = rows[:offering.start + offering.size] if asked_others else []  # others than these
            tasks = self.searching[spec.result]
            again = next(iter(tasks)) if len(tasks) == 1 and not any(map(tracker.state.frame, tasks)) else None
            return [OfferAnswered(result=spec.result, chosen=None,
                                  turned_down=[_identity(spec, row) for row in seen])], True, again
        if reply is None:  # passed over; input not understood, or a question a digression answers, leaves it open
            kept = turn.intent == NLU_FALLBACK or aside(self.domain, turn.intent)
            return ([] if kept else [OfferAnswered(result=spec.result, chosen=None)]), True, None
        if reply.kind == "which":
            end = min(offering.start + spec.size, len(rows))
            held = _given_row(tracker.state.slots, rows[offering.start:end], naming, spec.fill)
            if held is None:
                window = offered_window(rows, offering.start, spec.size)
                return [Say("which_option", {"offered": window, "choices": _names(spec, window["rows"])})], False, None
            reply = Reply("take", offering.start + held)  # a yes after asking about one of them: that one
        if reply.kind == "others":
            start = offering.start + spec.size
            if start < len(rows):
                return self._offered(spec, rows, start), False, None
            return list(spec.on_exhausted or [Say("no_more_options")]), False, None  # still on offer: "the first one"
        assert reply.row is not None
        values = self._values(tracker, spec, rows[reply.row])
        interpretation = turn.interpretation
        if interpretation is not None:  # the row's values are what the user named, for the rest of the turn
            tracker.understand_as(entities={**interpretation.entities, **values})
        taken: list[Step] = [OfferAnswered(result=spec.result, chosen=reply.row),
                             *(SlotSet(slot=slot, value=value) for slot, value in values.items())]
        if triggers:  # "book Jade Garden": the turn goes on to its task instead of on_select; a question about
            # the row ("is Jade Garden open on Sundays?") leaves the offer open, the row's values known to answer it,
            # unless they answer what the task going asked: then they are its answer, and the row is taken
            top = tracker.state.active
            asked = aside(self.domain, turn.intent) and not (top is not None and top.requested in values)
            return [step for step in taken if not (asked and isinstance(step, OfferAnswered))], True, None
        lead = self.leads.get(spec.result)
        if gives_next and lead is not None and tracker.turn.interpretation is not None:
            # "for Tuesday at 10:45": the turn asks for what taking the row leads to, with its values
            tracker.understand_as(intent=lead)
            return taken, True, None
        return [*taken, *spec.on_select], False, None

    def search_asked_for(self, tracker: Tracker) -> str | None:
        """With nothing on offer, the search to start when the turn asks for others while a task goes that one
        search, not on the stack, leads to ("what other options do you have, rated 4 or more?" while booking a house
        asked for outright): None when it asks for none, or no such search or several do."""
        state = tracker.state
        top = state.active
        if top is None or state.offering is not None or not _OTHERS.search(tracker.turn.text or ""):
            return None
        searches = [name for name in self.searches_leading_to(top.task) if state.frame(name) is None]
        return searches[0] if len(searches) == 1 else None

    def searches_leading_to(self, task: str) -> list[str]:
        """The tasks with triggers whose offers lead to `task`: the searches a user can ask for to find it."""
        return [name for name, led in self.leads_to.items() if task in led and self.domain.tasks[name].triggers]

    def reopened(self, tracker: Tracker) -> list[Step] | None:
        """Asking for others just after taking a row, while the task it leads to is proposed ("that won't work,
        I'd like another salon" after "shall I book Great Clips?"): the next rows of that offer (None: the turn
        asks for no others, or changes what was searched for)."""
        picked, turn = tracker.state.picked, tracker.turn
        if picked is None or not _OTHERS.search(turn.text or "") or any(
                turn.entities[slot] != tracker.state.slots.get(slot)
                for slot in set(turn.entities) & self.search_slots[picked.result]):
            return None
        spec = self.specs[picked.result]
        rows = tracker.state.results.get(picked.result, [])
        start = picked.start + spec.size
        if start < len(rows):
            return self._offered(spec, rows, start)
        return list(spec.on_exhausted or [Say("no_more_options")])

    def _times(self, spec: OfferSpec, rows: Sequence[dict[str, Any]]) -> list[Any] | None:
        """Each row's date or time, as its slot holds it (None where the row has none that is valid); None when the
        offer fills no date or time."""
        slot = self.timed[spec.result]
        if slot is None:
            return None
        times = []
        for row in rows:
            try:
                times.append(self.slot_values.coerce(slot, row.get(spec.fill[slot])))
            except (ValueError, TypeError):
                times.append(None)
        return times

    def _values(self, tracker: Tracker, spec: OfferSpec, row: dict[str, Any]) -> dict[str, Any]:
        """The row's values for the `fill` slots, each a valid value of its slot (one that is not is left out,
        with a warning)."""
        values = {}
        for slot, column in spec.fill.items():
            if row.get(column) is None:
                continue
            try:
                values[slot] = self.slot_values.coerce(slot, row[column])
            except (ValueError, TypeError) as err:
                tracker.warnings.append(f"offer of {spec.result}: {column} = {row[column]!r:.100} is no value "
                                        f"for slot {slot}: {err}")
        return values

    @staticmethod
    def _offered(spec: OfferSpec, rows: list[dict[str, Any]], start: int) -> list[Step]:
        return [OfferMade(result=spec.result, start=start, size=spec.size),
                Say(spec.ask, {"offered": offered_window(rows, start, spec.size)})]


def _names(spec: OfferSpec, rows: list[dict[str, Any]]) -> list[str]:
    """What each row is called: its value in the first column it may be named by ("Golden Dragon", "19:30")."""
    return [next((str(row[column]) for column in spec.columns if row.get(column) is not None), "") for row in rows]


def _asking_for(domain: Domain, tasks: set[str]) -> str | None:
    """The first trigger of the task, when there is one task."""
    return next(iter(domain.tasks[next(iter(tasks))].triggers), None) if len(tasks) == 1 else None


def _identity(spec: OfferSpec, row: dict[str, Any]) -> dict[str, Any]:
    """What tells a row from the others: its `fill` and `match` values (the whole row when the offer has none)."""
    columns = sorted({*spec.fill.values(), *spec.match})
    return {column: row.get(column) for column in columns} if columns else row


@dataclass(frozen=True)
class Reply:
    kind: Literal["take", "others", "which"]
    row: int | None = None
    """The taken row's place in the result."""


def read_reply(text: str, meaning: str | None, rows: Sequence[dict[str, Any]], start: int,
               spec: OfferSpec, *, named_only: bool = False, taking_leads: bool = False,
               times: Sequence[Any] | None = None) -> Reply | None:
    """What the user's turn says to the rows offered from `start` (None: it is no answer to the offer).
    `meaning` is what the turn's intent answers to a yes/no question (`affirm`, `deny` or None); with
    `named_only` (the turn asks for a task: "book Jade Garden", "a table for two more"), only a row named by its
    value counts; with `taking_leads` (the turn asks for the task the offer's `on_select` starts, or gives values
    only that task takes), the one row offered is taken unless the user says no or wants another ("sounds good,
    book it", "for Tuesday at 10"). `times`: each row's date or time, when the offer fills one ("the later one")."""
    end = min(start + spec.size, len(rows))
    place = None if named_only else _place(text, first=0 if spec.size == 1 else start, last=end - 1)
    if place is None and not named_only and times is not None:
        place = _by_time(text, times, 0 if spec.size == 1 else start, end)
    if place is not None and place < end:
        return Reply("take", place)
    named = named_row(text, rows[:end], spec.columns, fills=spec.fill)
    if named is None and taking_leads and end - start == 1 and meaning != "deny" and not _OTHERS.search(text):
        return Reply("take", start)
    if named is not None or named_only:
        return None if named is None else Reply("take", named)
    if meaning == "deny" or _OTHERS.search(text):
        return Reply("others")
    if meaning == "affirm":
        return Reply("take", start) if end - start == 1 else Reply("which")
    return None


def _given_row(entities: dict[str, Any], rows: Sequence[dict[str, Any]], naming: dict[str, str],
               fill: dict[str, str]) -> int | None:
    """The one row of the result, offered yet or not, whose value in a naming column (`naming`: slot -> column) the
    turn gives for its slot: a name the domain's `lookup` found where the words were not close enough to the row's
    ("IT two" for "IT Chapter Two"), or a film the search found that was not offered yet."""
    found = {number for slot, column in naming.items() if isinstance(value := entities.get(slot), str)
             for number, row in enumerate(rows) if _text(row.get(column)) == _text(value)}
    return _one_choice(found, rows, fill)


def _one_choice(found: set[int], rows: Sequence[dict[str, Any]], fill: dict[str, str]) -> int | None:
    """The row found, or the first of several that fill the same values (the film showing at two cinemas, when
    the offer fills only the film); None when none was found, or rows that fill differently."""
    filled = {tuple(_text(rows[number].get(column)) for column in fill.values()) for number in found}
    return min(found) if found and (len(found) == 1 or (fill and len(filled) == 1)) else None


def _text(value: Any) -> str:
    return str(value).casefold().strip()


def _place(text: str, first: int, last: int) -> int | None:
    """The row a place in the text names, counting from `first` ("the last" is `last`)."""
    found = _PLACE.search(text)
    if found is None:
        return None
    word, number = found.groups()
    if word is not None and word.lower() == "last":
        return last
    if word is not None:
        return first + PLACES[word.lower()]
    return first + (int(number) if number.isdigit() else NUMBERS[number.lower()]) - 1


def _by_time(text: str, times: Sequence[Any], start: int, end: int) -> int | None:
    """The offered row (from `start` to `end`) the text takes by its time: "the later one", "the earliest"
    (None: the text says no such thing, or the rows offered have no times to compare)."""
    found = _BY_TIME.search(text)
    offered = [(time, number) for number, time in enumerate(times[start:end], start) if time is not None]
    if found is None or not offered:
        return None
    return min(offered)[1] if found[1] else max(offered)[1]


def named_row(text: str, rows: Sequence[dict[str, Any]], columns: list[str], *,
              fills: dict[str, str] | None = None) -> int | None:
    """The one row whose value in `columns` the text names (None if none does, or several equally well, unless
    those fill the same values: `fills`, slot -> column)."""
    words = [word.lower() for word in _WORD.findall(text)]
    scores = [max((_named(words, value) for column in columns if isinstance(value := row.get(column), str)),
                  default=0.0) for row in rows]
    best = max(scores, default=0.0)
    if best < NAME_SCORE:
        return None
    return _one_choice({number for number, score in enumerate(scores) if score == best}, rows, fills or {})


def _named(words: list[str], value: str) -> float:
    """How well some run of the user's words spells `value` (0-100); values of three letters or fewer must be
    said exactly."""
    wanted = [word.lower() for word in _WORD.findall(value)]
    if not wanted or not words:
        return 0.0
    target = " ".join(wanted)
    exact = len(target) <= 3
    best = 0.0
    for size in {max(1, len(wanted) - 1), len(wanted), len(wanted) + 1}:
        for i in range(max(1, len(words) - size + 1)):
            said = " ".join(words[i:i + size])
            score = 100.0 if said == target else 0.0 if exact else fuzz.ratio(said, target)
            best = max(best, score)
    return best
