"""Statements that every turn runs, compiled once per dialect and run on the driver's own connection.

A turn runs the same few statements every time, and SQLAlchemy's execution layer costs
several times what the database takes to run them (profiled over the bundled domains'
scripts on SQLite: 0.43 of the 0.49 s spent in statements). So these statements are
compiled to SQL text once per dialect and run on the DBAPI connection under the turn's
SQLAlchemy connection: they share its transaction. A failure is the driver's own
exception (`Database.errors()` turns it into a StoreError); a lost connection is dropped
from the pool, as SQLAlchemy does for its own statements.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa


class Prepared:
    """One statement as SQL text of each dialect it ran on, and the order of its parameters there."""

    def __init__(self, statement: Any):
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def execute(self, connection: sa.Connection, params: dict[str, Any]) -> Any:
        """Run the statement in the connection's transaction; returns the driver's cursor."""
        return self._run(connection, lambda cursor, sql, arrange: cursor.execute(sql, arrange(params)))

    def execute_many(self, connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
        """Run the statement once per row, in one call to the driver."""
        self._run(connection, lambda cursor, sql, arrange: cursor.executemany(sql, [arrange(row) for row in rows]))

    def _run(self, connection: sa.Connection, call: Callable[[Any, str, Callable[[dict], Any]], Any]) -> Any:
        sql, order = self._text(connection.dialect)

        def arrange(params: dict[str, Any]) -> Any:
            return params if order is None else [params[name] for name in order]

        dbapi_connection = connection.connection.driver_connection
        cursor = dbapi_connection.cursor()
        try:
            call(cursor, sql, arrange)
        except connection.dialect.loaded_dbapi.Error as err:
            if connection.dialect.is_disconnect(err, dbapi_connection, cursor):
                connection.invalidate()
            raise
        return cursor

    def _text(self, dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None
            found = self._compiled[dialect.name] = (str(compiled), order)
        return found


def time_parameter(dialect: sa.Dialect, column_type: sa.types.TypeEngine) -> Callable[[Any], Any]:
    """How a dialect's driver takes a value of a time column (SQLite stores text in SQLAlchemy's format)."""
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else _same


def _same(value: Any) -> Any:
    return value
