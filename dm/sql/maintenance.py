"""Keeping the log manageable: export sessions as JSON lines, prune the ones idle for too long."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from dialogue.dm.sql.database import Database
from dialogue.dm.sql.schema import events, sessions, turns

BATCH = 200
"""Sessions read (and deleted) per statement, so memory stays bounded."""


def export_sessions(database: Database, *, domain: str | None = None) -> Iterator[dict[str, Any]]:
    """Every session (of one domain, or all) with its state, events and turns, oldest first.

    Each session is read in its own short read transaction, so exporting never blocks turns.
    """
    last = 0
    while True:
        chosen = sa.select(sessions).where(sessions.c.id > last).order_by(sessions.c.id).limit(BATCH)
        if domain is not None:
            chosen = chosen.where(sessions.c.domain == domain)
        exported = _exported(database, chosen)
        if not exported:
            return
        yield from (session for _, session in exported)
        last = exported[-1][0]


def export_session(database: Database, domain: str, session_id: str) -> dict[str, Any] | None:
    """One session of a domain with its state, events and turns, as `export_sessions` gives it; None if there is
    no such session."""
    found = _exported(database, sa.select(sessions).where(sessions.c.domain == domain,
                                                          sessions.c.session_id == session_id))
    return found[0][1] if found else None


def recent_sessions(database: Database, domain: str, limit: int) -> list[dict[str, Any]]:
    """The domain's sessions changed last, newest first: ids, times and how many turns each has."""
    counted = sa.select(sa.func.count()).where(turns.c.session == sessions.c.id).scalar_subquery()
    chosen = (sa.select(sessions.c.session_id, sessions.c.user_id, sessions.c.created_at, sessions.c.updated_at,
                        counted.label("turns"))
              .where(sessions.c.domain == domain).order_by(sessions.c.updated_at.desc()).limit(limit))
    with database.transaction(write=False) as connection:
        rows = connection.execute(chosen).all()
    return [{"session_id": row.session_id, "user_id": row.user_id, "created_at": _utc(row.created_at),
             "updated_at": _utc(row.updated_at), "turns": row.turns} for row in rows]


def _exported(database: Database, chosen: sa.Select[Any]) -> list[tuple[int, dict[str, Any]]]:
    """The chosen sessions with their state, events and turns, read in one short read transaction, each after its
    row id."""
    with database.transaction(write=False) as connection:
        rows = connection.execute(chosen).all()
        keys = [row.id for row in rows]
        logged = _grouped(connection.execute(
            sa.select(events.c.session, events.c.data).where(events.c.session.in_(keys))
            .order_by(events.c.session, events.c.turn, events.c.position)))
        answered = _grouped(connection.execute(
            sa.select(turns).where(turns.c.session.in_(keys)).order_by(turns.c.session, turns.c.turn)))
    return [(row.id, {
        "domain": row.domain, "session_id": row.session_id, "user_id": row.user_id,
        "version": row.version, "created_at": _utc(row.created_at), "updated_at": _utc(row.updated_at),
        "state": json.loads(row.snapshot),
        "events": [json.loads(event.data) for event in logged.get(row.id, [])],
        "turns": [{"turn": turn.turn, "turn_id": turn.turn_id, "at": _utc(turn.created_at),
                   "latency_ms": json.loads(turn.latency),
                   "answer": json.loads(turn.answer) if turn.answer is not None else None}
                  for turn in answered.get(row.id, [])],
    }) for row in rows]


def prune_sessions(database: Database, before: dt.datetime, *, domain: str | None = None) -> dict[str, int]:
    """Delete the sessions last changed before `before`, with their events and turns; user variables stay.

    One transaction: the chosen sessions are locked (PostgreSQL) or the database is (SQLite),
    so a turn arriving meanwhile waits, then finds its session gone and starts a new one.
    """
    counts = {"sessions": 0, "turns": 0, "events": 0}
    with database.transaction() as connection:
        chosen = sa.select(sessions.c.id).where(sessions.c.updated_at < before.astimezone(dt.UTC))
        if domain is not None:
            chosen = chosen.where(sessions.c.domain == domain)
        if database.dialect == "postgresql":
            chosen = chosen.with_for_update()
        keys = connection.execute(chosen).scalars().all()
        for start in range(0, len(keys), BATCH):
            batch = keys[start:start + BATCH]
            counts["events"] += connection.execute(events.delete().where(events.c.session.in_(batch))).rowcount
            counts["turns"] += connection.execute(turns.delete().where(turns.c.session.in_(batch))).rowcount
            counts["sessions"] += connection.execute(sessions.delete().where(sessions.c.id.in_(batch))).rowcount
    return counts


def _grouped(rows: Any) -> dict[int, list[Any]]:
    return {key: list(group) for key, group in itertools.groupby(rows, key=lambda row: row.session)}


def _utc(moment: dt.datetime) -> str:
    """ISO time in UTC (SQLite hands back naive times; they were written in UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
