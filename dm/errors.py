"""What the store raises: the database failed, another turn of the session came first, it would have to wait, or a
table write cannot run."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot do what was asked: the database is unreachable, misconfigured or refused it."""


class SessionConflict(Exception):
    """Another turn of the session committed first (its version moved on): run the turn again."""


class TableError(ValueError):
    """A table action that cannot run: a value of the wrong type, or the database refused it."""


class Busy(Exception):
    """A turn asked not to wait found the session or the database's write lock taken: nothing ran."""
