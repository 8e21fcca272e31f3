from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_TEXT: _ClassVar[Channel]
    CHANNEL_VOICE: _ClassVar[Channel]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_TEXT: Channel
CHANNEL_VOICE: Channel

class Intent(_message.Message):
    __slots__ = ("name", "entities")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    name: str
    entities: _struct_pb2.Struct
    def __init__(self, name: _Optional[str] = ..., entities: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("type", "digits")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        TYPE_UNSPECIFIED: _ClassVar[Event.Type]
        TYPE_NO_INPUT: _ClassVar[Event.Type]
        TYPE_DTMF: _ClassVar[Event.Type]
        TYPE_START: _ClassVar[Event.Type]
        TYPE_END: _ClassVar[Event.Type]
    TYPE_UNSPECIFIED: Event.Type
    TYPE_NO_INPUT: Event.Type
    TYPE_DTMF: Event.Type
    TYPE_START: Event.Type
    TYPE_END: Event.Type
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DIGITS_FIELD_NUMBER: _ClassVar[int]
    type: Event.Type
    digits: str
    def __init__(self, type: _Optional[_Union[Event.Type, str]] = ..., digits: _Optional[str] = ...) -> None: ...

class TurnRequest(_message.Message):
    __slots__ = ("domain", "session_id", "user_id", "turn_id", "channel", "text", "intent", "event")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    domain: str
    session_id: str
    user_id: str
    turn_id: str
    channel: Channel
    text: str
    intent: Intent
    event: Event
    def __init__(self, domain: _Optional[str] = ..., session_id: _Optional[str] = ..., user_id: _Optional[str] = ..., turn_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., text: _Optional[str] = ..., intent: _Optional[_Union[Intent, _Mapping]] = ..., event: _Optional[_Union[Event, _Mapping]] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("title", "payload")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    title: str
    payload: str
    def __init__(self, title: _Optional[str] = ..., payload: _Optional[str] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("response", "text", "ssml", "suggestions", "source")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SSML_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    response: str
    text: str
    ssml: str
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    source: str
    def __init__(self, response: _Optional[str] = ..., text: _Optional[str] = ..., ssml: _Optional[str] = ..., suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., source: _Optional[str] = ...) -> None: ...

class IntentScore(_message.Message):
    __slots__ = ("name", "confidence")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    confidence: float
    def __init__(self, name: _Optional[str] = ..., confidence: _Optional[float] = ...) -> None: ...

class EntitySpan(_message.Message):
    __slots__ = ("slot", "text", "value", "start", "end", "normalised", "source")
    SLOT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    NORMALISED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    slot: str
    text: str
    value: _struct_pb2.Value
    start: int
    end: int
    normalised: bool
    source: str
    def __init__(self, slot: _Optional[str] = ..., text: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., normalised: _Optional[bool] = ..., source: _Optional[str] = ...) -> None: ...

class Understanding(_message.Message):
    __slots__ = ("intent", "confidence", "entities", "ranking", "ambiguous", "text", "source", "warnings", "spans", "also", "knowledge")
    INTENT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    RANKING_FIELD_NUMBER: _ClassVar[int]
    AMBIGUOUS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    SPANS_FIELD_NUMBER: _ClassVar[int]
    ALSO_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    intent: str
    confidence: float
    entities: _struct_pb2.Struct
    ranking: _containers.RepeatedCompositeFieldContainer[IntentScore]
    ambiguous: bool
    text: str
    source: str
    warnings: _containers.RepeatedScalarFieldContainer[str]
    spans: _containers.RepeatedCompositeFieldContainer[EntitySpan]
    also: _containers.RepeatedCompositeFieldContainer[Understanding]
    knowledge: _containers.RepeatedCompositeFieldContainer[Source]
    def __init__(self, intent: _Optional[str] = ..., confidence: _Optional[float] = ..., entities: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., ranking: _Optional[_Iterable[_Union[IntentScore, _Mapping]]] = ..., ambiguous: _Optional[bool] = ..., text: _Optional[str] = ..., source: _Optional[str] = ..., warnings: _Optional[_Iterable[str]] = ..., spans: _Optional[_Iterable[_Union[EntitySpan, _Mapping]]] = ..., also: _Optional[_Iterable[_Union[Understanding, _Mapping]]] = ..., knowledge: _Optional[_Iterable[_Union[Source, _Mapping]]] = ...) -> None: ...

class StateSummary(_message.Message):
    __slots__ = ("active_task", "stack", "fsm_state", "requested_slot", "slots")
    ACTIVE_TASK_FIELD_NUMBER: _ClassVar[int]
    STACK_FIELD_NUMBER: _ClassVar[int]
    FSM_STATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_SLOT_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    active_task: str
    stack: _containers.RepeatedScalarFieldContainer[str]
    fsm_state: str
    requested_slot: str
    slots: _struct_pb2.Struct
    def __init__(self, active_task: _Optional[str] = ..., stack: _Optional[_Iterable[str]] = ..., fsm_state: _Optional[str] = ..., requested_slot: _Optional[str] = ..., slots: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class TurnResponse(_message.Message):
    __slots__ = ("session_id", "turn", "messages", "ended", "handoff", "understood", "state", "actions", "latency_ms", "warnings", "attempts", "replayed", "sources")
    class LatencyMsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    ENDED_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_FIELD_NUMBER: _ClassVar[int]
    UNDERSTOOD_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    turn: int
    messages: _containers.RepeatedCompositeFieldContainer[Message]
    ended: bool
    handoff: bool
    understood: Understanding
    state: StateSummary
    actions: _containers.RepeatedScalarFieldContainer[str]
    latency_ms: _containers.ScalarMap[str, float]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    attempts: int
    replayed: bool
    sources: _containers.RepeatedCompositeFieldContainer[Source]
    def __init__(self, session_id: _Optional[str] = ..., turn: _Optional[int] = ..., messages: _Optional[_Iterable[_Union[Message, _Mapping]]] = ..., ended: _Optional[bool] = ..., handoff: _Optional[bool] = ..., understood: _Optional[_Union[Understanding, _Mapping]] = ..., state: _Optional[_Union[StateSummary, _Mapping]] = ..., actions: _Optional[_Iterable[str]] = ..., latency_ms: _Optional[_Mapping[str, float]] = ..., warnings: _Optional[_Iterable[str]] = ..., attempts: _Optional[int] = ..., replayed: _Optional[bool] = ..., sources: _Optional[_Iterable[_Union[Source, _Mapping]]] = ...) -> None: ...

class Source(_message.Message):
    __slots__ = ("kind", "id", "score", "source", "by")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    score: float
    source: str
    by: str
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., score: _Optional[float] = ..., source: _Optional[str] = ..., by: _Optional[str] = ...) -> None: ...

class ConverseRequest(_message.Message):
    __slots__ = ("turn",)
    TURN_FIELD_NUMBER: _ClassVar[int]
    turn: TurnRequest
    def __init__(self, turn: _Optional[_Union[TurnRequest, _Mapping]] = ...) -> None: ...

class TextChunk(_message.Message):
    __slots__ = ("message", "response", "text", "last", "attempt")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    message: int
    response: str
    text: str
    last: bool
    attempt: int
    def __init__(self, message: _Optional[int] = ..., response: _Optional[str] = ..., text: _Optional[str] = ..., last: _Optional[bool] = ..., attempt: _Optional[int] = ...) -> None: ...

class Cancelled(_message.Message):
    __slots__ = ("by",)
    BY_FIELD_NUMBER: _ClassVar[int]
    by: int
    def __init__(self, by: _Optional[int] = ...) -> None: ...

class TurnError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class ConverseResponse(_message.Message):
    __slots__ = ("sequence", "turn_id", "chunk", "result", "cancelled", "error")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    turn_id: str
    chunk: TextChunk
    result: TurnResponse
    cancelled: Cancelled
    error: TurnError
    def __init__(self, sequence: _Optional[int] = ..., turn_id: _Optional[str] = ..., chunk: _Optional[_Union[TextChunk, _Mapping]] = ..., result: _Optional[_Union[TurnResponse, _Mapping]] = ..., cancelled: _Optional[_Union[Cancelled, _Mapping]] = ..., error: _Optional[_Union[TurnError, _Mapping]] = ...) -> None: ...

class ParseRequest(_message.Message):
    __slots__ = ("domain", "text")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    domain: str
    text: str
    def __init__(self, domain: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ParseResponse(_message.Message):
    __slots__ = ("understood", "latency_ms")
    UNDERSTOOD_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    understood: Understanding
    latency_ms: float
    def __init__(self, understood: _Optional[_Union[Understanding, _Mapping]] = ..., latency_ms: _Optional[float] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("domain", "session_id")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    domain: str
    session_id: str
    def __init__(self, domain: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class ResetSessionRequest(_message.Message):
    __slots__ = ("domain", "session_id")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    domain: str
    session_id: str
    def __init__(self, domain: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("domain", "session_id", "user_id", "turn", "ended", "handoff", "state", "variables")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_FIELD_NUMBER: _ClassVar[int]
    ENDED_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    domain: str
    session_id: str
    user_id: str
    turn: int
    ended: bool
    handoff: bool
    state: StateSummary
    variables: _struct_pb2.Struct
    def __init__(self, domain: _Optional[str] = ..., session_id: _Optional[str] = ..., user_id: _Optional[str] = ..., turn: _Optional[int] = ..., ended: _Optional[bool] = ..., handoff: _Optional[bool] = ..., state: _Optional[_Union[StateSummary, _Mapping]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListDomainsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DomainInfo(_message.Message):
    __slots__ = ("name", "description", "language", "intents", "tasks", "free_text")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    INTENTS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    FREE_TEXT_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    language: str
    intents: _containers.RepeatedScalarFieldContainer[str]
    tasks: _containers.RepeatedScalarFieldContainer[str]
    free_text: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., language: _Optional[str] = ..., intents: _Optional[_Iterable[str]] = ..., tasks: _Optional[_Iterable[str]] = ..., free_text: _Optional[bool] = ...) -> None: ...

class ListDomainsResponse(_message.Message):
    __slots__ = ("domains",)
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    domains: _containers.RepeatedCompositeFieldContainer[DomainInfo]
    def __init__(self, domains: _Optional[_Iterable[_Union[DomainInfo, _Mapping]]] = ...) -> None: ...
