"""Sessions, their event log and user variables in SQL (SQLite or PostgreSQL).

A turn reads one snapshot and writes one snapshot plus its events, whatever the length
of the conversation. Turns of a session are ordered by a lock in this process and by
the session's version across processes: a save from a stale version is a SessionConflict.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dm.errors import SessionConflict
from dm.sql.database import Database
from dm.sql.migrate import upgrade
from dm.sql.schema import events as event_rows
from dm.sql.schema import sessions, turns, user_variables
from dm.state import DialogueState
from dm.store import StoredAnswer, TurnRecord, changed_variables
from dm.tables import DomainTables
from domains.schema import Domain


class SqlStore:
    """The session store on a database URL; opening it brings the engine's tables up to date."""

    def __init__(self, url: str):
        self.database = Database(url)
        upgrade(self.database)
        self._locks = _SessionLocks()

    @contextmanager
    def begin(self, domain: str, session_id: str, turn_id: str | None = None, *,
              exclusive: bool = False) -> Iterator[SqlTurn]:
        """One turn's transaction (on SQLite, turns of all processes take turns anyway: BEGIN IMMEDIATE)."""
        with self._locks.hold((domain, session_id)), self.database.transaction() as connection:
            yield SqlTurn(connection, domain, session_id, turn_id, exclusive=exclusive)

    def tables(self, domain: Domain) -> DomainTables:
        return DomainTables(domain, self.database)

    def load(self, domain: str, session_id: str) -> DialogueState | None:
        with self.database.transaction(write=False) as connection:
            return SqlTurn(connection, domain, session_id, None).state

    def variables(self, domain: str, user_id: str) -> dict[str, Any]:
        with self.database.transaction(write=False) as connection:
            return _variables(connection, domain, user_id)

    def remember(self, domain: str, user_id: str, variables: dict[str, Any]) -> None:
        with self.database.transaction() as connection:
            connection.execute(user_variables.delete().where(user_variables.c.domain == domain,
                                                             user_variables.c.user_id == user_id))
            if variables:
                _upsert_variables(connection, domain, user_id, variables)

    def close(self) -> None:
        self.database.dispose()


class SqlTurn:
    """One turn in its transaction: the snapshot it read, and the writes it makes."""

    def __init__(self, connection: sa.Connection, domain: str, session_id: str, turn_id: str | None, *,
                 exclusive: bool = False):
        self.connection, self.domain, self.session_id = connection, domain, session_id
        load = _LOAD_LOCKED if exclusive and connection.dialect.name == "postgresql" else _LOAD
        row = connection.execute(load, {"domain_": domain, "session_id_": session_id}).first()
        self.key, self.version = (row.id, row.version) if row else (None, 0)
        self.state = DialogueState.model_validate_json(row.snapshot) if row else None
        self.stored: StoredAnswer | None = None
        if turn_id and row:
            answered = connection.execute(_ANSWER, {"key": self.key, "turn_id_": turn_id}).first()
            if answered is not None:
                self.stored = StoredAnswer(answered.fingerprint, answered.answer)

    def variables(self, user_id: str) -> dict[str, Any]:
        return _variables(self.connection, self.domain, user_id)

    def save(self, state: DialogueState, events: list[Any], record: TurnRecord) -> None:
        now = dt.datetime.now(dt.UTC)
        snapshot = state.model_dump_json()
        if self.key is None:
            try:
                self.key = self.connection.execute(sessions.insert(), {
                    "domain": self.domain, "session_id": self.session_id, "user_id": state.user_id, "version": 1,
                    "snapshot": snapshot, "created_at": now, "updated_at": now}).inserted_primary_key[0]
            except sa.exc.IntegrityError:  # another process created the session first
                raise SessionConflict(self.session_id) from None
        else:
            updated = self.connection.execute(_UPDATE, {"key": self.key, "read": self.version, "snapshot": snapshot,
                                                        "version": self.version + 1, "updated_at": now})
            if updated.rowcount != 1:
                raise SessionConflict(self.session_id)
        self.connection.execute(event_rows.insert(), [
            {"session": self.key, "turn": state.turn, "position": position, "type": event.type,
             "data": event.model_dump_json()} for position, event in enumerate(events)])
        self.connection.execute(turns.insert(), {
            "session": self.key, "turn": state.turn, "turn_id": record.turn_id, "fingerprint": record.fingerprint,
            "answer": record.answer, "latency": json.dumps(record.latency_ms), "created_at": now})
        changed = changed_variables(state, events)
        if changed:
            _upsert_variables(self.connection, self.domain, state.user_id, changed)


# Statements built once: building them per turn costs more than running them.
_LOAD = (sa.select(sessions.c.id, sessions.c.version, sessions.c.snapshot)
         .where(sessions.c.domain == sa.bindparam("domain_"), sessions.c.session_id == sa.bindparam("session_id_")))
_LOAD_LOCKED = _LOAD.with_for_update()
_ANSWER = (sa.select(turns.c.fingerprint, turns.c.answer)
           .where(turns.c.session == sa.bindparam("key"), turns.c.turn_id == sa.bindparam("turn_id_")))
_UPDATE = (sessions.update().where(sessions.c.id == sa.bindparam("key"), sessions.c.version == sa.bindparam("read")))
_VARIABLES = (sa.select(user_variables.c.name, user_variables.c.value)
              .where(user_variables.c.domain == sa.bindparam("domain_"),
                     user_variables.c.user_id == sa.bindparam("user_id_")))


def _upsert(insert: Any) -> Any:
    statement = insert(user_variables)
    return statement.on_conflict_do_update(
        index_elements=["domain", "user_id", "name"],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at})


_UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


def _variables(connection: sa.Connection, domain: str, user_id: str) -> dict[str, Any]:
    rows = connection.execute(_VARIABLES, {"domain_": domain, "user_id_": user_id})
    return {row.name: json.loads(row.value) for row in rows}


def _upsert_variables(connection: sa.Connection, domain: str, user_id: str, values: dict[str, Any]) -> None:
    now = dt.datetime.now(dt.UTC)
    connection.execute(_UPSERTS[connection.dialect.name], [
        {"domain": domain, "user_id": user_id, "name": name, "value": json.dumps(value, ensure_ascii=False),
         "updated_at": now} for name, value in values.items()])


class _SessionLocks:
    """A lock per session, kept only while a turn of that session runs or waits."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Any, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: Any) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key) or (threading.Lock(), 0)
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
