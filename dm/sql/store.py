"""Sessions, their event log and user variables in SQL (SQLite or PostgreSQL).

A turn reads one snapshot and writes one snapshot plus its events, whatever the length
of the conversation. Turns of a session are ordered by a lock in this process and by
the session's version across processes: a save from a stale version is a SessionConflict.
On a SQLite file a turn reads first and takes the database's write lock only to save
(`Database.turn`), so that the version check is what orders the turns of processes.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dialogue.dm.errors import SessionConflict, StoreError
from dialogue.dm.sql.cache import LlmCache
from dialogue.dm.sql.database import Database
from dialogue.dm.sql.maintenance import export_session, export_sessions, prune_sessions, recent_sessions
from dialogue.dm.sql.memory import Held
from dialogue.dm.sql.migrate import upgrade
from dialogue.dm.sql.schema import events as event_rows
from dialogue.dm.sql.schema import sessions, turns, user_variables
from dialogue.dm.sql.statements import Prepared, time_parameter
from dialogue.dm.sql.tables import DomainTables
from dialogue.dm.state import DialogueState
from dialogue.dm.store import StoredAnswer, TurnRecord, changed_variables
from dialogue.domains.schema import Domain
from dialogue.domains.schema.domain import sql_table_name


class SqlStore:
    """The session store on a database URL; opening it brings the engine's tables up to date."""

    def __init__(self, url: str, *, existing: bool = False):
        """`existing`: see Database."""
        self.database = Database(url, existing=existing)
        upgrade(self.database)
        self._locks = _SessionLocks()

    @classmethod
    def of_domain(cls, url: str, domain: Domain) -> SqlStore:
        """The store on a database that holds the engine's tables and the domain's already, as a server's does;
        nothing is made in one that does not: StoreError naming the first missing table."""
        database = Database(url, existing=True)
        try:
            with database.errors():
                present = set(sa.inspect(database.engine).get_table_names())
        finally:
            database.dispose()
        needed = [sessions.name, *(sql_table_name(domain.name, table) for table in domain.memory.tables)]
        missing = [name for name in needed if name not in present]
        if missing:
            raise StoreError(f"{database.shown} is not the database of a server hosting '{domain.name}': it has no "
                             f"table {missing[0]}")
        return cls(url)

    @property
    def quick(self) -> bool:
        return self.database.quick

    @contextmanager
    def begin(self, domain: str, session_id: str, turn_id: str | None = None, *,
              exclusive: bool = False, wait: bool = True) -> Iterator[SqlTurn]:
        """One turn's transaction. On a SQLite file it takes the database's write lock only to save (or, when
        `exclusive`, from its start), so that turns of other sessions and processes run meanwhile."""
        with self._locks.hold((domain, session_id), wait), \
                self.database.turn(wait=wait, exclusive=exclusive) as transaction:
            yield SqlTurn(transaction.connection(), domain, session_id, turn_id, exclusive=exclusive,
                          before_save=transaction.write_now)

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

    def response_cache(self, *, max_entries: int, max_age_days: float) -> LlmCache:
        """On the store's database, whose tables are up to date: the cache joins the turns' transactions."""
        return LlmCache(self.database, max_entries=max_entries, max_age_days=max_age_days)

    @property
    def shown(self) -> str:
        return self.database.shown

    def export_sessions(self, domain: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored session (or one domain's) as JSON-friendly data: its state, events and turns."""
        return export_sessions(self.database, domain=domain)

    def export_session(self, domain: str, session_id: str) -> dict[str, Any] | None:
        """One stored session as `export_sessions` gives it, or None."""
        return export_session(self.database, domain, session_id)

    def recent_sessions(self, domain: str, limit: int = 100) -> list[dict[str, Any]]:
        """The domain's sessions changed last, newest first, with how many turns each has."""
        return recent_sessions(self.database, domain, limit)

    def prune_sessions(self, before: dt.datetime, domain: str | None = None) -> dict[str, int]:
        """Delete the sessions whose last turn is older than `before`, with their events and turns."""
        return prune_sessions(self.database, before, domain=domain)

    def close(self) -> None:
        self.database.dispose()


class SqlTurn:
    """One turn in its transaction: the snapshot it read, and the writes it makes."""

    def __init__(self, connection: sa.Connection, domain: str, session_id: str, turn_id: str | None, *,
                 exclusive: bool = False, before_save: Callable[[], None] | None = None):
        """`before_save`: what the save does first (a turn's transaction begins writing: `Transaction.write_now`)."""
        self.connection, self.domain, self.session_id = connection, domain, session_id
        self._before_save = before_save
        load = _LOAD_LOCKED if exclusive and connection.dialect.name == "postgresql" else _LOAD
        row = load.execute(connection, {"domain_": domain, "session_id_": session_id}).fetchone()
        self.key, self.version = (row[0], row[1]) if row else (None, 0)
        self._snapshot: str | None = row[2] if row else None
        self.state = self.reread()
        self.stored: StoredAnswer | None = None
        if turn_id and row:
            answered = _ANSWER.execute(connection, {"key": self.key, "turn_id_": turn_id}).fetchone()
            if answered is not None:
                self.stored = StoredAnswer(*answered)

    def variables(self, user_id: str) -> dict[str, Any]:
        return _variables(self.connection, self.domain, user_id)

    def reread(self) -> DialogueState | None:
        return None if self._snapshot is None else DialogueState.model_validate_json(self._snapshot)

    def save(self, state: DialogueState, events: list[Any], record: TurnRecord) -> None:
        if self._before_save is not None:
            self._before_save()
        connection = self.connection
        now = _time(connection.dialect)(dt.datetime.now(dt.UTC))
        snapshot = state.model_dump_json()
        if self.key is None:
            try:
                self.key = _CREATE.execute(connection, {
                    "domain": self.domain, "session_id": self.session_id, "user_id": state.user_id, "version": 1,
                    "snapshot": snapshot, "created_at": now, "updated_at": now}).fetchone()[0]
            except connection.dialect.loaded_dbapi.IntegrityError:  # another process created the session first
                raise SessionConflict(self.session_id) from None
        else:
            updated = _UPDATE.execute(connection, {"key": self.key, "read": self.version, "snapshot": snapshot,
                                                   "version": self.version + 1, "updated_at": now})
            if updated.rowcount != 1:
                raise SessionConflict(self.session_id)
        _LOG.execute_many(connection, [
            {"session": self.key, "turn": state.turn, "position": position, "type": event.type,
             "data": event.model_dump_json()} for position, event in enumerate(events)])
        _TURN.execute(connection, {
            "session": self.key, "turn": state.turn, "turn_id": record.turn_id, "fingerprint": record.fingerprint,
            "answer": record.answer, "latency": json.dumps(record.latency_ms), "created_at": now})
        changed = changed_variables(state, events)
        if changed:
            _upsert_variables(connection, self.domain, state.user_id, changed)


def _bound(*columns: str) -> dict[str, Any]:
    """Each column bound to a parameter of its name."""
    return {column: sa.bindparam(column) for column in columns}


def _writes(table: sa.Table, *columns: str) -> Any:
    """An insert of the given columns, each bound to a parameter of its name."""
    return table.insert().values(_bound(*columns))


# The statements of a turn (see dm.sql.statements: compiled once, run on the driver).
_LOAD_QUERY = (sa.select(sessions.c.id, sessions.c.version, sessions.c.snapshot)
               .where(sessions.c.domain == sa.bindparam("domain_"),
                      sessions.c.session_id == sa.bindparam("session_id_")))
_LOAD = Prepared(_LOAD_QUERY)
_LOAD_LOCKED = Prepared(_LOAD_QUERY.with_for_update())
_ANSWER = Prepared(sa.select(turns.c.fingerprint, turns.c.answer)
                   .where(turns.c.session == sa.bindparam("key"), turns.c.turn_id == sa.bindparam("turn_id_")))
_CREATE = Prepared(_writes(sessions, "domain", "session_id", "user_id", "version", "snapshot", "created_at",
                           "updated_at").returning(sessions.c.id))
_UPDATE = Prepared(sessions.update()
                   .where(sessions.c.id == sa.bindparam("key"), sessions.c.version == sa.bindparam("read"))
                   .values(snapshot=sa.bindparam("snapshot"), version=sa.bindparam("version"),
                           updated_at=sa.bindparam("updated_at")))
_LOG = Prepared(_writes(event_rows, "session", "turn", "position", "type", "data"))
_TURN = Prepared(_writes(turns, "session", "turn", "turn_id", "fingerprint", "answer", "latency", "created_at"))
_VARIABLES = Prepared(sa.select(user_variables.c.name, user_variables.c.value)
                      .where(user_variables.c.domain == sa.bindparam("domain_"),
                             user_variables.c.user_id == sa.bindparam("user_id_")))


def _upsert(insert: Any) -> Any:
    statement = insert(user_variables).values(_bound("domain", "user_id", "name", "value", "updated_at"))
    return statement.on_conflict_do_update(
        index_elements=["domain", "user_id", "name"],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at})


_UPSERTS = {"postgresql": Prepared(_upsert(postgresql.insert)), "sqlite": Prepared(_upsert(sqlite.insert))}


_TIMES: dict[str, Callable[[dt.datetime], Any]] = {}


def _time(dialect: sa.Dialect) -> Callable[[dt.datetime], Any]:
    """How the dialect's driver takes the times of the engine's tables."""
    found = _TIMES.get(dialect.name)
    if found is None:
        found = _TIMES[dialect.name] = time_parameter(dialect, sessions.c.updated_at.type)
    return found


def _variables(connection: sa.Connection, domain: str, user_id: str) -> dict[str, Any]:
    rows = _VARIABLES.execute(connection, {"domain_": domain, "user_id_": user_id}).fetchall()
    return {name: json.loads(value) for name, value in rows}


def _upsert_variables(connection: sa.Connection, domain: str, user_id: str, values: dict[str, Any]) -> None:
    now = _time(connection.dialect)(dt.datetime.now(dt.UTC))
    _UPSERTS[connection.dialect.name].execute_many(connection, [
        {"domain": domain, "user_id": user_id, "name": name, "value": json.dumps(value, ensure_ascii=False),
         "updated_at": now} for name, value in values.items()])


class _SessionLocks:
    """A lock per session, kept only while a turn of that session runs or waits."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Any, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: Any, wait: bool = True) -> Iterator[None]:
        """Hold the session's lock; without `wait`, raise Busy if another turn holds it."""
        with self._guard:
            lock, users = self._locks.get(key) or (threading.Lock(), 0)
            self._locks[key] = (lock, users + 1)
        try:
            with Held(lock, wait, f"session {key[1]}"):
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
