"""The LLM response cache (SQL): a prompt answered once costs nothing the next time.

Keyed by a hash of the backend, model, prompt and sampling parameters (nlg.llm.base.cache_key). Entries older
than the age limit are ignored and pruned; above the size limit the oldest go first.
Inside a turn, reads join the turn's transaction (same database object), and so do writes once the turn writes;
before that (a SQLite turn that reads first, `Database.turn`) a write commits on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from dialogue.dm.sql.database import Database
from dialogue.dm.sql.migrate import upgrade
from dialogue.dm.sql.schema import llm_cache

PRUNE_EVERY = 100
"""Writes between two prunings."""


class LlmCache:
    def __init__(self, database: Database, *, max_entries: int = 10_000, max_age_days: float = 30,
                 migrate: bool = False):
        """`migrate`: bring the tables up to date (a SqlStore on the same database already did)."""
        self.database = database
        self.max_entries = max_entries
        self.max_age = dt.timedelta(days=max_age_days)
        self._writes = 0
        if migrate:
            upgrade(database)

    @classmethod
    def in_memory(cls, **limits: Any) -> LlmCache:
        return cls(Database("sqlite://"), migrate=True, **limits)

    @classmethod
    def at(cls, url: str, **limits: Any) -> LlmCache:
        """A cache in the database at `url`, its tables brought up to date."""
        return cls(Database(url), migrate=True, **limits)

    def get(self, key: str) -> str | None:
        oldest = _now() - self.max_age
        with self.database.transaction(write=False) as connection:
            row = connection.execute(sa.select(llm_cache.c.answer, llm_cache.c.created_at)
                                     .where(llm_cache.c.key == key)).first()
        if row is None or _aware(row.created_at) < oldest:
            return None
        return row.answer

    def put(self, key: str, backend: str, model: str, answer: str) -> None:
        values = dict(backend=backend, model=model[:200], answer=answer, created_at=_now())
        with self.database.transaction(apart=True) as connection:
            done = connection.execute(llm_cache.update().where(llm_cache.c.key == key).values(**values)).rowcount
            if not done:
                connection.execute(llm_cache.insert().values(key=key, **values))
            self._writes += 1
            if self._writes % PRUNE_EVERY == 1:
                self._prune(connection)

    def prune(self) -> None:
        with self.database.transaction() as connection:
            self._prune(connection)

    def _prune(self, connection: sa.Connection) -> None:
        connection.execute(llm_cache.delete().where(llm_cache.c.created_at < _now() - self.max_age))
        keep = sa.select(llm_cache.c.key).order_by(llm_cache.c.created_at.desc()).limit(self.max_entries)
        connection.execute(llm_cache.delete().where(llm_cache.c.key.not_in(keep.scalar_subquery())))

    def count(self) -> int:
        with self.database.transaction(write=False) as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(llm_cache)).scalar_one()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(when: dt.datetime) -> dt.datetime:
    """SQLite gives times back without their zone; they are UTC."""
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
