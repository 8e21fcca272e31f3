"""What the store raises: the database failed, or another turn of the session came first."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot do what was asked: the database is unreachable, misconfigured or refused it."""


class SessionConflict(Exception):
    """Another turn of the session committed first (its version moved on): run the turn again."""
