"""A throwaway PostgreSQL schema for tests and benchmarks: created, reached through a URL, dropped."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from dialogue.dm.errors import StoreError
from dialogue.dm.sql.database import Database


@contextmanager
def scratch_schema(url: str, prefix: str = "dialogue_scratch") -> Iterator[str]:
    """A URL whose tables all land in a new schema of the database at `url`; the schema is dropped afterwards.

    Other connection options in the URL (`?options=-csynchronous_commit%3Doff`) are kept.
    """
    database = Database(url)
    if database.dialect != "postgresql":
        raise StoreError(f"a scratch schema needs a PostgreSQL URL, not {database.shown}")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"  # made here, never from user text
    with database.transaction() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        options = " ".join(filter(None, [database.url.query.get("options"), f"-csearch_path={name}"]))
        yield database.url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    finally:
        with database.transaction() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        database.dispose()
