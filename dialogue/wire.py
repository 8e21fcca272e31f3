"""The engine's models to and from the `dialogue.v1` messages, for the server and the clients.

Requests are checked here, field by field: what cannot be taken is an InputError naming the
field. JSON values (entities, slots, variables) travel as google.protobuf.Struct, whose numbers
are doubles: whole numbers come back as int.
"""

from __future__ import annotations

from typing import Any, TypeVar

from google.protobuf import json_format, struct_pb2
from pydantic_core import to_jsonable_python

from dialogue.dm.state import DialogueState
from dialogue.domains.interpretation import EntitySpan, Found, IntentScore, Interpretation
from dialogue.domains.schema import Suggestion
from dialogue.nlg.chunks import TextChunk
from dialogue.nlg.templates import Message
from dialogue.turns import InputError, StateSummary, TurnResult, UserInput, check_chars
from dialogue.v1 import dialogue_pb2 as pb

CHANNELS = {pb.CHANNEL_UNSPECIFIED: "text", pb.CHANNEL_TEXT: "text", pb.CHANNEL_VOICE: "voice"}
EVENTS = {pb.Event.TYPE_NO_INPUT: "no_input", pb.Event.TYPE_DTMF: "dtmf", pb.Event.TYPE_START: "start",
          pb.Event.TYPE_END: "end"}
M = TypeVar("M")


# Requests, on the server


def channel(value: int) -> str:
    if value not in CHANNELS:
        raise InputError("channel", f"unknown channel {value}; use CHANNEL_TEXT or CHANNEL_VOICE")
    return CHANNELS[value]


def user_input(request: pb.TurnRequest) -> UserInput:
    """The turn's input: text, a structured intent or an event."""
    kind = request.WhichOneof("input")
    turn_id = request.turn_id or None
    if turn_id is not None and len(turn_id) > 200:
        raise InputError("turn_id", "give a turn id of at most 200 characters, or none")
    if kind == "text":
        return UserInput.parse(request.text, turn_id=turn_id)
    if kind == "intent":
        if not request.intent.name:
            raise InputError("intent.name", "give the intent's name")
        return UserInput(intent=request.intent.name, entities=from_struct(request.intent.entities), turn_id=turn_id)
    if kind == "event":
        event = EVENTS.get(request.event.type)
        if event is None:
            raise InputError("event.type", "give the event's type: TYPE_NO_INPUT, TYPE_DTMF, TYPE_START or TYPE_END")
        if (event == "dtmf") != bool(request.event.digits):
            raise InputError("event.digits", "digits go with TYPE_DTMF (1 to 32 of 0-9, * and #), and only with it")
        return UserInput(event=event, digits=request.event.digits or None, turn_id=turn_id)
    raise InputError("input", "give one of text, intent or event")


# Requests, on the client


def turn_request(domain: str, session_id: str, given: UserInput | str, *, user_id: str | None = None,
                 channel: str = "text") -> pb.TurnRequest:
    """The request of one turn; text in the chat's notation (`/intent{...}`) becomes a structured intent. Without
    a user id, the server gives the turn one of the session's own (`dialogue.turns.anonymous_user`)."""
    given = (UserInput.parse(given) if isinstance(given, str) else given).check()
    request = message(pb.TurnRequest, domain=domain, session_id=session_id, user_id=user_id or "")
    request.turn_id = given.turn_id or ""
    request.channel = pb.CHANNEL_VOICE if channel == "voice" else pb.CHANNEL_TEXT
    if given.intent is not None:
        request.intent.name = given.intent
        request.intent.entities.update(to_jsonable_python(given.entities))
    elif given.event is not None:
        kinds = {name: number for number, name in EVENTS.items()}
        request.event.type = kinds[given.event]
        request.event.digits = given.digits or ""
    else:
        request.text = given.text or ""
    return request


def message(kind: type[M], **fields: str) -> M:
    """A request of these string fields; InputError for one that cannot be sent (not encodable as UTF-8)."""
    for name, value in fields.items():
        check_chars(name, value)
    return kind(**fields)


# Answers


def turn_response(result: TurnResult) -> pb.TurnResponse:
    return pb.TurnResponse(
        session_id=result.session_id, turn=result.turn, messages=[_message(m) for m in result.messages],
        ended=result.ended, handoff=result.handoff,
        understood=understanding(result.understood) if result.understood else None,
        state=summary(result.state), actions=result.actions, latency_ms=result.latency_ms, warnings=result.warnings,
        attempts=result.attempts, replayed=result.replayed,
        sources=[_source(found) for found in result.sources])


def turn_result(response: pb.TurnResponse) -> TurnResult:
    return TurnResult(
        session_id=response.session_id, turn=response.turn, ended=response.ended, handoff=response.handoff,
        messages=[Message(response=m.response, text=m.text, ssml=m.ssml or None, source=m.source or "template",
                          suggestions=[Suggestion(title=s.title, payload=s.payload or None) for s in m.suggestions])
                  for m in response.messages],
        understood=interpretation(response.understood) if response.HasField("understood") else None,
        state=state_summary(response.state), actions=list(response.actions), latency_ms=dict(response.latency_ms),
        warnings=list(response.warnings), attempts=response.attempts or 1, replayed=response.replayed,
        sources=[_found(source) for source in response.sources])


def chunk(chunk: TextChunk) -> pb.TextChunk:
    return pb.TextChunk(message=chunk.message, response=chunk.response, text=chunk.text, last=chunk.last,
                        attempt=chunk.attempt)


def understanding(understood: Interpretation) -> pb.Understanding:
    return pb.Understanding(
        intent=understood.intent, confidence=understood.confidence, entities=to_struct(understood.entities),
        ranking=[pb.IntentScore(name=s.name, confidence=s.confidence) for s in understood.ranking],
        ambiguous=understood.ambiguous, text=understood.text or "", source=understood.source,
        warnings=understood.warnings,
        spans=[pb.EntitySpan(slot=s.slot, text=s.text, value=_value(s.value), start=s.start, end=s.end,
                             normalised=s.normalised, source=s.source) for s in understood.spans],
        also=[understanding(thing) for thing in understood.also],
        knowledge=[_source(found) for found in understood.knowledge])


def interpretation(understood: pb.Understanding) -> Interpretation:
    return Interpretation(
        intent=understood.intent, confidence=understood.confidence, entities=from_struct(understood.entities),
        ranking=[IntentScore(name=s.name, confidence=s.confidence) for s in understood.ranking],
        ambiguous=understood.ambiguous, text=understood.text or None, source=understood.source or "structured",
        warnings=list(understood.warnings),
        spans=[EntitySpan(slot=s.slot, text=s.text, value=_plain(s.value), start=s.start, end=s.end,
                          normalised=s.normalised, source=s.source) for s in understood.spans],
        also=[interpretation(thing) for thing in understood.also],
        knowledge=[_found(source) for source in understood.knowledge])


def _source(found: Found) -> pb.Source:
    return pb.Source(kind=found.kind, id=found.id, score=found.score, source=found.source, by=found.by)


def _found(source: pb.Source) -> Found:
    return Found(kind=source.kind, id=source.id, score=source.score, source=source.source,  # type: ignore[arg-type]
                 by=source.by or "search")


def summary(state: StateSummary) -> pb.StateSummary:
    return pb.StateSummary(active_task=state.active_task or "", stack=state.stack, fsm_state=state.fsm_state or "",
                           requested_slot=state.requested_slot or "", slots=to_struct(state.slots))


def state_summary(state: pb.StateSummary) -> StateSummary:
    return StateSummary(active_task=state.active_task or None, stack=list(state.stack),
                        fsm_state=state.fsm_state or None, requested_slot=state.requested_slot or None,
                        slots=from_struct(state.slots))


def session(state: DialogueState) -> pb.Session:
    return pb.Session(domain=state.domain, session_id=state.session_id, user_id=state.user_id, turn=state.turn,
                      ended=state.ended, handoff=state.handoff, state=summary(StateSummary.of(state)),
                      variables=to_struct(state.variables))


# Connections, on both sides


def keepalive(every_s: float, timeout_s: float) -> list[tuple[str, int]]:
    """gRPC channel arguments: ping a quiet connection every `every_s`, with or without calls in flight (for as
    long as a stream stays idle), and give the connection up if a ping is not answered within `timeout_s`."""
    return [("grpc.keepalive_time_ms", milliseconds(every_s)),
            # gRPC 1.85 gives up on an unanswered keepalive ping after ping_timeout_ms (60 s by default)
            ("grpc.keepalive_timeout_ms", milliseconds(timeout_s)),
            ("grpc.http2.ping_timeout_ms", milliseconds(timeout_s)),
            ("grpc.keepalive_permit_without_calls", 1), ("grpc.http2.max_pings_without_data", 0)]


def milliseconds(seconds: float) -> int:
    """A duration as gRPC's channel arguments take it (whole milliseconds, at least one)."""
    return max(1, round(seconds * 1000))


# JSON values


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(to_jsonable_python(values))
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {key: _plain(value) for key, value in struct.fields.items()}


def _value(value: Any) -> struct_pb2.Value:
    return json_format.ParseDict(to_jsonable_python(value), struct_pb2.Value())


def _plain(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "struct_value":
        return from_struct(value.struct_value)
    if kind == "list_value":
        return [_plain(item) for item in value.list_value.values]
    return None if kind in (None, "null_value") else getattr(value, kind)


def _message(message: Message) -> pb.Message:
    return pb.Message(response=message.response, text=message.text, ssml=message.ssml or "", source=message.source,
                      suggestions=[pb.Suggestion(title=s.title, payload=s.payload or "") for s in message.suggestions])
