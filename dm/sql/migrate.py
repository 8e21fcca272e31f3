"""Bring the engine's tables to the latest schema with Alembic; the store runs this whenever it opens."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from dm.sql.database import Database

SCRIPTS = "dm.sql:migrations"


def alembic_config(connection: sa.Connection) -> Config:
    """An Alembic configuration built in code (no alembic.ini) that migrates over `connection`."""
    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def upgrade(database: Database) -> None:
    """Run the migrations the database has not had yet (one process at a time)."""
    with database.setup() as connection:
        command.upgrade(alembic_config(connection), "head")

