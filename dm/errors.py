"""What the store raises: the database failed, another turn of the session came first, or it would have to wait."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot do what was asked: the database is unreachable, misconfigured or refused it."""


class SessionConflict(Exception):
    """Another turn of the session committed first (its version moved on): run the turn again."""


class Busy(Exception):
    """A turn asked not to wait found the session or the database's write lock taken: nothing ran."""
