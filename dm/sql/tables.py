"""The tables a domain declares, in SQL through SQLAlchemy Core.

Values reach SQL only as bound parameters; no user text ever becomes SQL text.
Rows come back JSON-friendly (dates as ISO text), like slot values. Inside a turn,
statements join the turn's transaction (see dm.sql.database).
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.dialects import sqlite

from dialogue.dm.errors import StoreError, TableError
from dialogue.dm.sql.database import Database, reason
from dialogue.domains.schema import Domain
from dialogue.domains.schema.domain import sql_table_name
from dialogue.domains.values import InvalidValue, column_value

_HH_MM = sqlite.TIME(storage_format="%(hour)02d:%(minute)02d", regexp=r"(\d+):(\d+)(?::(\d+))?(?:\.(\d+))?")
"""SQLite keeps a time as text: `HH:MM`, as slots hold times, so that other programs reading the table see what
the domain wrote (SQLAlchemy's default is 19:30:00.000000; such values, from before, still read back)."""
_SQL_TYPES = {
    "text": sa.Text, "integer": sa.Integer, "number": sa.Float, "boolean": sa.Boolean,
    "date": sa.Date, "time": sa.Time().with_variant(_HH_MM, "sqlite"), "datetime": sa.DateTime,
}


class DomainTables:
    """Create a domain's tables (and seed rows) and run parameterised statements on them.

    Tables already in the database get the columns the domain added since (nullable ones;
    others are an error to fix by hand). Without a database, the tables live in memory.
    """

    def __init__(self, domain: Domain, database: Database | None = None):
        self.database = database if database is not None else Database("sqlite://")
        self.metadata = sa.MetaData()
        self.types: dict[str, dict[str, str]] = {}
        self.tables: dict[str, sa.Table] = {}
        for name, spec in domain.memory.tables.items():
            self.types[name] = {"id": "integer", **{c: col.type for c, col in spec.columns.items()}}
            columns = [sa.Column(c, _SQL_TYPES[col.type], nullable=col.nullable) for c, col in spec.columns.items()]
            self.tables[name] = sa.Table(sql_table_name(domain.name, name), self.metadata,
                                         sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), *columns)
        with self.database.setup() as connection:
            self.metadata.create_all(connection)
            for name, table in self.tables.items():
                _add_missing_columns(connection, table, self.database.shown)
                if self.database.dialect == "sqlite":
                    _times_as_hh_mm(connection, table, [c for c, kind in self.types[name].items() if kind == "time"])
            for name, spec in domain.memory.tables.items():
                if spec.seed and not self.count(name):
                    for row in spec.seed:
                        self.insert(name, row)

    @property
    def names(self) -> list[str]:
        return list(self.tables)

    def insert(self, table: str, values: dict[str, Any]) -> int:
        return self._write(self.tables[table].insert().values(**self._params(table, values))).inserted_primary_key[0]

    def select(self, table: str, where: dict[str, Any], *, order_by: str | None = None, descending: bool = False,
               limit: int = 20) -> list[dict[str, Any]]:
        sql_table = self.tables[table]
        statement = sa.select(sql_table).where(*self._conditions(table, where)).limit(limit)
        if order_by:
            column = sql_table.c[order_by]
            statement = statement.order_by(column.desc() if descending else column)
        with self.database.transaction(write=False) as connection:
            return [_json_row(row._mapping) for row in connection.execute(statement)]

    def update(self, table: str, where: dict[str, Any], values: dict[str, Any]) -> int:
        statement = (self.tables[table].update().where(*self._conditions(table, where))
                     .values(**self._params(table, values)))
        return self._write(statement).rowcount

    def delete(self, table: str, where: dict[str, Any]) -> int:
        return self._write(self.tables[table].delete().where(*self._conditions(table, where))).rowcount

    def all_or_nothing(self) -> AbstractContextManager[None]:
        return self.database.all_or_nothing()

    def count(self, table: str) -> int:
        with self.database.transaction(write=False) as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(self.tables[table])).scalar_one()

    def _write(self, statement: Any) -> sa.CursorResult:
        """Run a write; one the database refuses is a TableError and leaves the turn's transaction usable.

        (PostgreSQL aborts a transaction at a failed statement, so it runs in a savepoint there;
        SQLite undoes just the failed statement by itself.)
        """
        with self.database.transaction() as connection:
            try:
                with connection.begin_nested() if self.database.dialect == "postgresql" else nullcontext():
                    return connection.execute(statement)
            except (sa.exc.IntegrityError, sa.exc.DataError) as err:
                raise TableError(f"the database refused it: {reason(err)}") from None

    def _conditions(self, table: str, where: dict[str, Any]) -> list[Any]:
        columns = self.tables[table].c
        return [columns[name] == value if value is not None else columns[name].is_(None)
                for name, value in self._params(table, where).items()]

    def _params(self, table: str, values: dict[str, Any]) -> dict[str, Any]:
        types = self.types[table]
        params = {}
        for column, value in values.items():
            try:
                params[column] = column_value(types[column], value)
            except InvalidValue as err:
                raise TableError(f"{table}.{column}: {err}") from None
        return params


def _json_row(row: Any) -> dict[str, Any]:
    return {key: value.isoformat(timespec="minutes") if isinstance(value, dt.time)
            else value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
            for key, value in row.items()}


def _add_missing_columns(connection: sa.Connection, table: sa.Table, database: str) -> None:
    """Add the columns a domain declared after its table was created."""
    present = {column["name"] for column in sa.inspect(connection).get_columns(table.name)}
    missing = [column for column in table.columns if column.name not in present]
    required = [column.name for column in missing if not column.nullable]
    if required:
        raise StoreError(f"table {table.name} in {database} has no column {', '.join(required)}, which the domain "
                         "declares not nullable; add it by hand, make it nullable, or drop the table")
    operations = Operations(MigrationContext.configure(connection))
    for column in missing:
        operations.add_column(table.name, sa.Column(column.name, column.type, nullable=True))


def _times_as_hh_mm(connection: sa.Connection, table: sa.Table, columns: list[str]) -> None:
    """Times that a SQLite table holds in the longer form of earlier versions (19:30:00.000000) become HH:MM, so
    that a statement comparing times finds them."""
    for name in columns:
        column = table.c[name]
        shorter = table.update().where(sa.func.length(column) > 5).values({name: sa.func.substr(column, 1, 5)})
        connection.execute(shorter)
