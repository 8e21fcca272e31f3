"""The LLM response cache.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dialogue_llm_cache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("backend", sa.String(20), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dialogue_llm_cache_created_at", "dialogue_llm_cache", ["created_at"])


def downgrade() -> None:
    op.drop_table("dialogue_llm_cache")
