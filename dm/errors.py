"""What the store raises: the database failed, another turn of the session came first, the turn must run again to
write, it would have to wait, or a table write cannot run."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot do what was asked: the database is unreachable, misconfigured or refused it."""


class SessionConflict(Exception):
    """Another turn of the session committed first (its version moved on): run the turn again."""


class WriteNeeded(SessionConflict):
    """A turn that reads before it writes (SQLite, `Database.turn`) came to a table write after another write had
    replaced the snapshot it read: run it again holding the write lock from its start."""


class TableError(ValueError):
    """A table action that cannot run: a value of the wrong type, or the database refused it."""


class Busy(Exception):
    """A turn asked not to wait found the session or the database's write lock taken: nothing ran."""
