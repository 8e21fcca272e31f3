"""What the engine needs of persistence: the protocols of the session store, its turns, the domain's tables and
the LLM response cache. The implementations (SQL, and in memory) are in `dialogue.dm.sql`, the only code that
touches a database.

A turn runs inside `store.begin(...)`: it reads one snapshot, and its writes (events,
snapshot, user variables, and the domain tables of `store.tables(domain)`) commit
together when the block ends, or not at all if it raises.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from dialogue.dm.events import VariableSet
from dialogue.dm.state import DialogueState
from dialogue.domains.schema import Domain


@dataclass(frozen=True)
class StoredAnswer:
    """The answer kept for a client turn id, and a fingerprint of the input it answered."""

    fingerprint: str
    answer: str


@dataclass(frozen=True)
class TurnRecord:
    """What the log keeps of a turn besides its events."""

    turn_id: str | None = None
    fingerprint: str | None = None
    answer: str | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)


class TurnUnit(Protocol):
    """One turn's view of the store, inside its transaction."""

    state: DialogueState | None
    """The session's latest snapshot, or None for a new session."""
    stored: StoredAnswer | None
    """The answer already given to this client turn id, if any."""

    def variables(self, user_id: str) -> dict[str, Any]:
        """What the domain remembers about a user (only the variables ever set)."""

    def reread(self) -> DialogueState | None:
        """A fresh copy of the snapshot the turn read (the turn changes `state` in place); None for a new session."""

    def save(self, state: DialogueState, events: list[Any], record: TurnRecord) -> None:
        """Keep the state after the turn, its events and the user variables it set.

        Raises SessionConflict when another turn of the session was saved since `state` was read.
        """


class SessionStore(Protocol):
    quick: bool
    """Whether a turn's transaction never waits on a network or a disk flush, only on other turns (which
    `begin(wait=False)` does not wait for): such turns may run where waiting is not allowed."""

    def begin(self, domain: str, session_id: str, turn_id: str | None = None, *,
              exclusive: bool = False, wait: bool = True) -> AbstractContextManager[TurnUnit]:
        """One turn's transaction; turns of one session in this process wait for each other.

        `exclusive` also keeps other processes off the session from the read on (for a turn
        run again after a conflict, so that it cannot conflict twice). Without `wait`, raises
        Busy instead of waiting for another turn to end.
        """

    def tables(self, domain: Domain) -> Tables:
        """The domain's tables, in the store's database, so their writes join the turn's transaction."""

    def response_cache(self, *, max_entries: int, max_age_days: float) -> ResponseCache:
        """The LLM's response cache: in the store's database, joining the turns' transactions (in memory for a
        store in memory)."""

    @property
    def shown(self) -> str:
        """Where the store keeps sessions, for messages (a URL without its password)."""

    def close(self) -> None:
        """Let go of the database's connections."""

    def load(self, domain: str, session_id: str) -> DialogueState | None:
        """The session's latest state, or None for a new session."""

    def variables(self, domain: str, user_id: str) -> dict[str, Any]:
        """What the domain remembers about a user from earlier sessions."""

    def remember(self, domain: str, user_id: str, variables: dict[str, Any]) -> None:
        """Set what is known about a user (replacing what was), as if from earlier sessions."""


def changed_variables(state: DialogueState, events: list[Any]) -> dict[str, Any]:
    """The user variables a turn set, with their values after it."""
    return {event.name: state.variables[event.name] for event in events if isinstance(event, VariableSet)}




class Tables(Protocol):
    """The tables a domain declares; rows come back JSON-friendly (dates as ISO text, times HH:MM), and a write the
    database refuses raises TableError (dialogue.dm.errors)."""

    @property
    def names(self) -> list[str]:
        """The domain's tables."""

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """Add a row; its id."""

    def select(self, table: str, where: dict[str, Any], *, order_by: str | None = None, descending: bool = False,
               limit: int = 20) -> list[dict[str, Any]]:
        """The rows whose columns equal `where`."""

    def update(self, table: str, where: dict[str, Any], values: dict[str, Any]) -> int:
        """Change the rows whose columns equal `where`; how many."""

    def delete(self, table: str, where: dict[str, Any]) -> int:
        """Delete the rows whose columns equal `where`; how many."""

    def count(self, table: str) -> int:
        """How many rows the table holds."""

    def all_or_nothing(self) -> AbstractContextManager[None]:
        """A block whose writes, inside a turn's transaction, are undone if it raises."""


class ResponseCache(Protocol):
    """LLM answers by request key (nlg.llm.base.cache_key): a prompt answered once costs nothing the next time."""

    def get(self, key: str) -> str | None:
        """The answer kept for the key, unless there is none or it is too old."""

    def put(self, key: str, backend: str, model: str, answer: str) -> None:
        """Keep an answer."""
