"""The engine's own tables (their current shape; migrations/ holds how they got there).

JSON is kept as text: the state, events and answers are written and read by pydantic,
and text takes any JSON, including escaped NUL characters that PostgreSQL's jsonb refuses.
Times are UTC.
"""

from __future__ import annotations

import sqlalchemy as sa

VERSION_TABLE = "dialogue_schema_version"
"""Where Alembic records the schema's revision."""
KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""Surrogate keys: 64-bit on PostgreSQL, SQLite's rowid on SQLite."""
WHEN = sa.DateTime(timezone=True)

metadata = sa.MetaData()

sessions = sa.Table(
    "dialogue_sessions", metadata,
    sa.Column("id", KEY, primary_key=True, autoincrement=True),
    sa.Column("domain", sa.String(64), nullable=False),
    sa.Column("session_id", sa.String(200), nullable=False),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),  # bumped by every turn; a stale one is a conflict
    sa.Column("snapshot", sa.Text, nullable=False),  # the state after the latest turn
    sa.Column("created_at", WHEN, nullable=False),
    sa.Column("updated_at", WHEN, nullable=False),
    sa.UniqueConstraint("domain", "session_id", name="uq_dialogue_sessions_domain_session_id"),
    sa.Index("ix_dialogue_sessions_updated_at", "updated_at"),
)

turns = sa.Table(
    "dialogue_turns", metadata,
    sa.Column("session", KEY, sa.ForeignKey("dialogue_sessions.id", ondelete="CASCADE",
                                            name="fk_dialogue_turns_session"), primary_key=True),
    sa.Column("turn", sa.Integer, primary_key=True),
    sa.Column("turn_id", sa.String(200)),  # the client's id of the turn: retries are idempotent
    sa.Column("fingerprint", sa.String(64)),  # hash of the input of a turn with an id
    sa.Column("answer", sa.Text),  # the answer of a turn with an id, returned to a retry
    sa.Column("latency", sa.Text, nullable=False),  # milliseconds per step
    sa.Column("created_at", WHEN, nullable=False),
    sa.UniqueConstraint("session", "turn_id", name="uq_dialogue_turns_session_turn_id"),
)

events = sa.Table(
    "dialogue_events", metadata,
    sa.Column("session", KEY, sa.ForeignKey("dialogue_sessions.id", ondelete="CASCADE",
                                            name="fk_dialogue_events_session"), primary_key=True),
    sa.Column("turn", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("data", sa.Text, nullable=False),  # one event of dm.events
)

user_variables = sa.Table(
    "dialogue_user_variables", metadata,
    sa.Column("domain", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", WHEN, nullable=False),
)

llm_cache = sa.Table(
    "dialogue_llm_cache", metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # sha256 of backend, model, prompt and parameters
    sa.Column("backend", sa.String(20), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),  # the model's raw answer (prompts and answers are redacted)
    sa.Column("created_at", WHEN, nullable=False),
    sa.Index("ix_dialogue_llm_cache_created_at", "created_at"),
)
