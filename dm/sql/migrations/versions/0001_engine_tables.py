"""The engine's tables: sessions, turns, events, user variables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dialogue_sessions",
        sa.Column("id", KEY, primary_key=True, autoincrement=True),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("domain", "session_id", name="uq_dialogue_sessions_domain_session_id"),
    )
    op.create_index("ix_dialogue_sessions_updated_at", "dialogue_sessions", ["updated_at"])
    op.create_table(
        "dialogue_turns",
        sa.Column("session", KEY, sa.ForeignKey("dialogue_sessions.id", ondelete="CASCADE",
                                                name="fk_dialogue_turns_session"), primary_key=True),
        sa.Column("turn", sa.Integer, primary_key=True),
        sa.Column("turn_id", sa.String(200)),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("answer", sa.Text),
        sa.Column("latency", sa.Text, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("session", "turn_id", name="uq_dialogue_turns_session_turn_id"),
    )
    op.create_table(
        "dialogue_events",
        sa.Column("session", KEY, sa.ForeignKey("dialogue_sessions.id", ondelete="CASCADE",
                                                name="fk_dialogue_events_session"), primary_key=True),
        sa.Column("turn", sa.Integer, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "dialogue_user_variables",
        sa.Column("domain", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    for table in ("dialogue_user_variables", "dialogue_events", "dialogue_turns", "dialogue_sessions"):
        op.drop_table(table)
