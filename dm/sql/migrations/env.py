"""Alembic's environment for the engine's tables: it runs on the connection dm.sql.migrate hands over."""

from alembic import context

from dialogue.dm.sql.schema import VERSION_TABLE, metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata,
                  version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
