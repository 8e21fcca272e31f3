"""Turns worth teaching the model, found in stored conversations (`dialogue nlu review`).

A proposal is a user's text with the intent and slot spans it most likely meant, and why it was picked:

- `fallback`: the NLU was not sure enough; the intent proposed is the one the user's next turn was understood
  as (people rephrase what was not understood), or none when there is no such turn;
- `rescued`: the NLU was not sure and the LLM picked the intent (`nlg.rescue`): the LLM's reading;
- `corrected`: later in the conversation the user fixed what this turn was taken to mean: a task it started
  was cancelled at the next turn and another one begun (that one's intent is proposed), or a slot value it
  gave was corrected to a value these words hold (the span is moved onto it);
- `doubtful`: understood, but with a confidence below `below` or with two intents too close to tell.

Proposals come in the order of the conversations and their turns, one per text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from dialogue.domains.builtin import NLU_FALLBACK

Reason = Literal["fallback", "rescued", "corrected", "doubtful"]
_BRACKETS = str.maketrans("[]", "()")


@dataclass
class Proposal:
    session_id: str
    turn: int
    text: str
    reason: Reason
    intent: str | None
    """None when nothing in the conversation says what was meant."""
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    """(start, end, slot) of each value in `text`."""
    understood: str = ""
    """The intent the turn was understood as at the time."""
    note: str = ""

    @property
    def example(self) -> str:
        """The text with its spans marked, as a domain's examples are written: `book [2](party_size)`."""
        return annotate(self.text, self.spans)


@dataclass
class _Turn:
    number: int
    text: str | None
    reading: dict[str, Any]
    events: list[dict[str, Any]]

    @property
    def intent(self) -> str | None:
        return self.reading.get("intent")

    def started(self) -> list[str]:
        return [event["task"] for event in self.events if event["type"] == "task_started"]

    def cancelled(self) -> list[str]:
        return [event["task"] for event in self.events
                if event["type"] == "task_ended" and event.get("outcome") == "cancelled"]

    def corrections(self) -> list[tuple[str, Any]]:
        """(slot, value) of each slot this turn set and then said it corrected."""
        found, last = [], {}
        for event in self.events:
            if event["type"] == "slot_set":
                last[event["slot"]] = event["value"]
            elif event["type"] == "bot_uttered" and event.get("response") == "corrected":
                found += list(last.items())
        return found


def proposals(sessions: Iterable[dict[str, Any]], *, below: float = 0.7) -> list[Proposal]:
    """What to review in exported sessions (`SqlStore.export_sessions`: each with `session_id` and `events`)."""
    found: list[Proposal] = []
    seen: set[str] = set()
    for session in sessions:
        turns = [turn for turn in _turns(session["events"]) if turn.text]
        for index, turn in enumerate(turns):
            proposal = _proposal(session["session_id"], turn, turns[index + 1:], below)
            key = " ".join((turn.text or "").casefold().split())
            if proposal is not None and key not in seen:
                seen.add(key)
                found.append(proposal)
    return found


def _turns(events: list[dict[str, Any]]) -> list[_Turn]:
    turns: list[_Turn] = []
    for event in events:
        if event["type"] == "turn_started":
            turns.append(_Turn(event["turn"], (event.get("input") or {}).get("text"), {}, []))
        elif turns:
            if event["type"] == "user_understood":
                turns[-1].reading = event["interpretation"]
            turns[-1].events.append(event)
    return turns


def _proposal(session_id: str, turn: _Turn, later: list[_Turn], below: float) -> Proposal | None:
    assert turn.text is not None
    reading = turn.reading
    if reading.get("source") not in ("nlu", "llm"):
        return None
    spans = [(span["start"], span["end"], span["slot"]) for span in reading.get("spans", [])]
    proposal = Proposal(session_id, turn.number, turn.text, "doubtful", turn.intent, spans, turn.intent or "")
    if reading.get("source") == "llm":
        proposal.reason, proposal.note = "rescued", "the LLM's reading"
        return proposal
    if turn.intent == NLU_FALLBACK:
        rephrased = next((after for after in later[:1] if after.intent not in (None, NLU_FALLBACK)), None)
        proposal.reason, proposal.intent = "fallback", rephrased.intent if rephrased else None
        proposal.note = f"rephrased next as: {rephrased.text}" if rephrased else "no rephrasing followed"
        return proposal
    if _corrected(proposal, turn, later):
        return proposal
    if reading.get("confidence", 1.0) < below or reading.get("ambiguous"):
        proposal.note = f"confidence {reading.get('confidence', 1.0):.2f}" + \
                        (", two intents close" if reading.get("ambiguous") else "")
        return proposal
    return None


def _corrected(proposal: Proposal, turn: _Turn, later: list[_Turn]) -> bool:
    """Whether the conversation corrected the turn; if so, `proposal` says how."""
    started, following = turn.started(), later[:2]
    if started and following and set(started) & set(following[0].cancelled()):
        instead = next((after for after in following if after.started() and after.intent not in (None, NLU_FALLBACK)
                        and not set(after.started()) & set(started)), None)
        if instead is not None:
            proposal.reason, proposal.intent = "corrected", instead.intent
            proposal.note = f"task {started[0]} was cancelled, then: {instead.text}"
            return True
    given = turn.reading.get("entities", {})
    for after in later:
        for slot, value in after.corrections():
            at = find_words(proposal.text, str(value))
            if slot in given and given[slot] != value and at is not None:
                proposal.spans = [span for span in proposal.spans if span[2] != slot and not _overlap(span, at)]
                proposal.spans = sorted([*proposal.spans, (*at, slot)])
                proposal.reason, proposal.note = "corrected", f"{slot} was corrected to {value!r}"
                return True
    return False


def find_words(text: str, words: str) -> tuple[int, int] | None:
    """Where `words` stand in `text` as whole words, case aside: (start, end), or None."""
    match = re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text, re.IGNORECASE) if words.strip() else None
    return (match.start(), match.end()) if match else None


def _overlap(span: tuple[int, int, str], at: tuple[int, int]) -> bool:
    return span[0] < at[1] and at[0] < span[1]


def annotate(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, slot) marked as `[words](slot)`; spans must not overlap. Square brackets of
    the user's own become round ones, so the example reads back as written."""
    text = text.translate(_BRACKETS)
    out, position = [], 0
    for start, end, slot in sorted(spans):
        out += [text[position:start], f"[{text[start:end]}]({slot})"]
        position = end
    out.append(text[position:])
    return "".join(out)
