"""Bring the engine's tables to the latest schema with Alembic; the store runs this whenever it opens."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from dialogue.dm.sql.database import Database
from dialogue.dm.sql.schema import VERSION_TABLE

SCRIPTS = "dialogue.dm.sql:migrations"


def alembic_config(connection: sa.Connection | None) -> Config:
    """An Alembic configuration built in code (no alembic.ini) that migrates over `connection`."""
    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def upgrade(database: Database) -> None:
    """Run the migrations the database has not had yet (one process at a time). A database already up to date
    is only read."""
    with database.transaction(write=False) as connection:
        current = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()
    if current == ScriptDirectory.from_config(alembic_config(None)).get_current_head():
        return
    with database.setup() as connection:
        command.upgrade(alembic_config(connection), "head")

