"""Where sessions, their event log and user variables are kept between turns.

A turn runs inside `store.begin(...)`: it reads one snapshot, and its writes (events,
snapshot, user variables, and the domain tables of `store.tables(domain)`) commit
together when the block ends, or not at all if it raises.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from dialogue.dm.errors import Busy
from dialogue.dm.events import VariableSet
from dialogue.dm.sql.database import Database
from dialogue.dm.state import DialogueState
from dialogue.dm.tables import DomainTables
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


class Held:
    """`lock` held for a block; without `wait`, Busy (naming `what`) if another turn holds it. A class, not a
    generator: every turn takes one or two of these."""

    def __init__(self, lock: threading.Lock, wait: bool, what: str):
        self.lock, self.wait, self.what = lock, wait, what

    def __enter__(self) -> None:
        if not self.lock.acquire(blocking=self.wait):
            raise Busy(self.what)

    def __exit__(self, *_exc: object) -> None:
        self.lock.release()


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

    def tables(self, domain: Domain) -> DomainTables:
        """The domain's tables, in the store's database, so their writes join the turn's transaction."""

    def load(self, domain: str, session_id: str) -> DialogueState | None:
        """The session's latest state, or None for a new session."""

    def variables(self, domain: str, user_id: str) -> dict[str, Any]:
        """What the domain remembers about a user from earlier sessions."""

    def remember(self, domain: str, user_id: str, variables: dict[str, Any]) -> None:
        """Set what is known about a user (replacing what was), as if from earlier sessions."""


def changed_variables(state: DialogueState, events: list[Any]) -> dict[str, Any]:
    """The user variables a turn set, with their values after it."""
    return {event.name: state.variables[event.name] for event in events if isinstance(event, VariableSet)}


class MemoryStore:
    """Sessions in process memory: for tests, benchmarks and the terminal chat.

    Turns run one at a time; the domain tables live in an in-memory SQLite database.
    """

    quick = True

    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str], DialogueState] = {}
        self.events: dict[tuple[str, str], list[Any]] = {}
        self.users: dict[tuple[str, str], dict[str, Any]] = {}
        self.answers: dict[tuple[str, str, str], StoredAnswer] = {}
        self.database = Database("sqlite://")
        self._lock = threading.Lock()

    @contextmanager
    def begin(self, domain: str, session_id: str, turn_id: str | None = None, *,
              exclusive: bool = False, wait: bool = True) -> Iterator[TurnUnit]:
        with Held(self._lock, wait, "the in-memory store"):
            with self.database.transaction(lazy=True):
                unit = _MemoryTurn(self, domain, session_id, turn_id)
                yield unit
            unit.commit()

    def tables(self, domain: Domain) -> DomainTables:
        return DomainTables(domain, self.database)

    def load(self, domain: str, session_id: str) -> DialogueState | None:
        state = self.sessions.get((domain, session_id))
        return state.clone() if state is not None else None

    def variables(self, domain: str, user_id: str) -> dict[str, Any]:
        return dict(self.users.get((domain, user_id), {}))

    def remember(self, domain: str, user_id: str, variables: dict[str, Any]) -> None:
        self.users[(domain, user_id)] = dict(variables)


class _MemoryTurn:
    def __init__(self, store: MemoryStore, domain: str, session_id: str, turn_id: str | None):
        self.store, self.domain, self.session_id, self.turn_id = store, domain, session_id, turn_id
        self.state = store.load(domain, session_id)
        self.stored = store.answers.get((domain, session_id, turn_id)) if turn_id else None
        self._saved: tuple[DialogueState, list[Any], TurnRecord] | None = None

    def variables(self, user_id: str) -> dict[str, Any]:
        return self.store.variables(self.domain, user_id)

    def reread(self) -> DialogueState | None:
        return self.store.load(self.domain, self.session_id)  # the store changes only when the turn commits

    def save(self, state: DialogueState, events: list[Any], record: TurnRecord) -> None:
        """Stage the writes; they take effect when the turn's block ends without an error."""
        self._saved = (state, events, record)

    def commit(self) -> None:
        if self._saved is None:
            return
        state, events, record = self._saved
        key = (state.domain, state.session_id)
        self.store.sessions[key] = state
        self.store.events.setdefault(key, []).extend(events)
        self.store.users.setdefault((state.domain, state.user_id), {}).update(changed_variables(state, events))
        if record.turn_id and record.answer is not None and record.fingerprint is not None:
            self.store.answers[(*key, record.turn_id)] = StoredAnswer(record.fingerprint, record.answer)
