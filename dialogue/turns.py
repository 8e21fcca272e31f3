"""What goes into a turn and what comes out of it."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from dialogue.dm.events import ServiceCalled
from dialogue.dm.state import DialogueState
from dialogue.domains.interpretation import Found, Interpretation
from dialogue.domains.structured import is_structured, parse_structured
from dialogue.domains.values import SURROGATE, character_problem, value_problem
from dialogue.nlg.templates import Message


class InputError(ValueError):
    """A turn the engine cannot take as given; says which field is wrong and how to fix it."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


_CONTROL_OR_SURROGATE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
"""Every control character and lone surrogates: none belongs in an id."""
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters that free text loses (each becomes a space): what a keyboard, a speech recogniser or a chat
widget may let slip, which no one reads (and NUL, which PostgreSQL's text columns refuse)."""


def check_chars(field: str, value: str, refused: re.Pattern[str] = SURROGATE) -> str:
    """`value`, unless it holds a character `refused` matches: then InputError naming the field, the character
    and where it is."""
    problem = character_problem(value, refused)
    if problem is not None:
        raise InputError(field, problem)
    return value


def check_id(field: str, value: str) -> str:
    """A session, user or turn id: 1 to 200 characters, none of them a control character."""
    if not 0 < len(value) <= 200:
        raise InputError(field, f"give a {field.replace('_', ' ')} of 1 to 200 characters")
    return check_chars(field, value, _CONTROL_OR_SURROGATE)


def anonymous_user(session_id: str) -> str:
    """The user of a turn that names none: one of the session's own (`anonymous:` and a hash of the session id), so
    what the domain remembers of a user is kept for that session only, shared with no other caller."""
    return "anonymous:" + hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def check_values(field: str, value: Any) -> None:
    """A JSON value (entities) that can be kept and sent back (dialogue.domains.values.value_problem); InputError
    naming the place in it if not."""
    problem = value_problem(value, field)
    if problem is not None:
        raise InputError(*problem)


def plain_text(text: str) -> str:
    """Free text with its control characters (but tab, newline and carriage return) made spaces."""
    return _TEXT_CONTROLS.sub(" ", text)


class UserInput(BaseModel):
    """One user turn: text, a structured intent, or an event (DTMF digits, no input, start, end)."""

    text: str | None = None
    intent: str | None = None
    entities: dict[str, Any] = Field(default_factory=dict)
    event: Literal["no_input", "dtmf", "start", "end"] | None = None
    digits: str | None = Field(None, description="Keys pressed, for the dtmf event.")
    turn_id: str | None = Field(None, min_length=1, max_length=200,
                                description="The client's id of this turn: a retry with the same id gets the "
                                            "stored answer, and nothing runs twice.")

    @model_validator(mode="after")
    def _one_kind(self) -> UserInput:
        kinds = [self.text is not None, self.intent is not None, self.event is not None]
        if sum(kinds) != 1:
            raise ValueError("give exactly one of text, intent or event")
        if (self.event == "dtmf") != (self.digits is not None):
            raise ValueError("digits go with the dtmf event, and only with it")
        return self

    @classmethod
    def parse(cls, raw: str, *, turn_id: str | None = None) -> UserInput:
        """Typed or scripted input: `/intent{"slot": 1}` is structured, anything else is text."""
        if is_structured(raw):
            try:
                intent, entities = parse_structured(raw)
            except ValueError as err:
                raise InputError("text", str(err)) from None
            return cls(intent=intent, entities=entities, turn_id=turn_id)
        return cls(text=raw, turn_id=turn_id)

    def check(self) -> UserInput:
        """This input as the engine takes it: its text without control characters (`plain_text`), if every value
        can be kept and sent back (`check_values`) and every string is Unicode; InputError naming the field if
        not."""
        if self.turn_id is not None:
            check_id("turn_id", self.turn_id)
        check_values("entities", self.entities)
        if self.text is None:
            return self
        text = plain_text(check_chars("text", self.text))
        return self if text == self.text else self.model_copy(update={"text": text})


@dataclasses.dataclass(frozen=True)
class TurnInput:
    """A turn's input as the engine checked it (`Engine.check`): what was sent, by whom, on which channel; and,
    when the caller parsed the text already (a server parsing the texts of several turns in one model call),
    its interpretation and when the parse began (time.perf_counter(): the turn's NLU time counts from there)."""

    session_id: str
    user_id: str
    channel: str
    request: UserInput
    parsed: Interpretation | None = None
    began: float | None = None

    def parsed_as(self, interpretation: Interpretation, began: float) -> TurnInput:
        """This input with its text's interpretation."""
        return dataclasses.replace(self, parsed=interpretation, began=began)


class Offered(BaseModel):
    """Rows an `offer:` action offers now."""

    result: str
    rows: list[dict[str, Any]]


class StateSummary(BaseModel):
    active_task: str | None
    stack: list[str]
    fsm_state: str | None = None
    requested_slot: str | None = None
    slots: dict[str, Any] = Field(description="Slots that hold a value.")
    offered: Offered | None = Field(None, description="The rows on offer (an `offer:` action), for a client to "
                                                      "show as choices.")

    @classmethod
    def of(cls, state: DialogueState) -> StateSummary:
        top, offering = state.active, state.offering
        return cls(active_task=top.task if top else None, stack=[frame.task for frame in state.stack],
                   fsm_state=top.state if top else None, requested_slot=top.requested if top else None,
                   slots={name: value for name, value in state.slots.items() if value is not None},
                   offered=Offered(result=offering.result, rows=offering.rows(state)) if offering else None)


class TurnResult(BaseModel):
    session_id: str
    turn: int
    messages: list[Message]
    ended: bool
    handoff: bool
    understood: Interpretation | None
    state: StateSummary
    actions: list[str] = Field(description="Labels of what ran, e.g. respond:greet, insert:bookings.")
    latency_ms: dict[str, float] = Field(description="Time per step: load, nlu, guards, policy, nlg, store, total.")
    warnings: list[str] = Field(default_factory=list)
    attempts: int = Field(1, description="Times the turn ran: more than once when another server saved the "
                                         "session first, and the turn ran again on the fresh state (or, on "
                                         "SQLite, when another write came between its read and its write to "
                                         "a domain table).")
    replayed: bool = Field(False, description="A retry of a turn id already answered: this is the stored answer, "
                                              "and nothing ran again.")
    calls: list[ServiceCalled] = Field(default_factory=list, description="The turn's calls to services: where, "
                                       "the status, how long.")
    sources: list[Found] = Field(default_factory=list, description="What the turn's knowledge answers came from: "
                                                                   "FAQ entries and passages, with their scores.")

    @property
    def responses(self) -> list[str]:
        return [message.response for message in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(message.text for message in self.messages)
