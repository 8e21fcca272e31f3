"""Sessions in process memory, their domain tables in an in-memory SQLite database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dialogue.dm.errors import Busy
from dialogue.dm.sql.cache import LlmCache
from dialogue.dm.sql.database import Database
from dialogue.dm.sql.tables import DomainTables
from dialogue.dm.state import DialogueState
from dialogue.dm.store import StoredAnswer, TurnRecord, TurnUnit, changed_variables
from dialogue.domains.schema import Domain


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

    def response_cache(self, *, max_entries: int, max_age_days: float) -> LlmCache:
        return LlmCache.in_memory(max_entries=max_entries, max_age_days=max_age_days)

    @property
    def shown(self) -> str:
        return "memory"

    def close(self) -> None:
        self.database.dispose()


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
