"""The tables a domain declares, in SQL through SQLAlchemy Core.

Values reach SQL only as bound parameters; no user text ever becomes SQL text.
Rows come back JSON-friendly (dates as ISO text), like slot values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from domains.schema import Domain

_SQL_TYPES = {
    "text": sa.Text, "integer": sa.Integer, "number": sa.Float, "boolean": sa.Boolean,
    "date": sa.Date, "time": sa.Time, "datetime": sa.DateTime,
}
_PARSERS = {
    "text": str, "integer": int, "number": float, "boolean": bool,
    "date": dt.date.fromisoformat, "time": dt.time.fromisoformat, "datetime": dt.datetime.fromisoformat,
}


class TableError(ValueError):
    """A table action that cannot run: a value of the wrong type, or the database refused it."""


class DomainTables:
    """Create a domain's tables (and seed rows) and run parameterised statements on them."""

    def __init__(self, domain: Domain, url: str = "sqlite://"):
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}} if url == "sqlite://" else {}
        self.engine = sa.create_engine(url, **options)
        self.metadata = sa.MetaData()
        self.types: dict[str, dict[str, str]] = {}
        self.tables: dict[str, sa.Table] = {}
        for name, spec in domain.memory.tables.items():
            self.types[name] = {"id": "integer", **{c: col.type for c, col in spec.columns.items()}}
            columns = [sa.Column(c, _SQL_TYPES[col.type], nullable=col.nullable) for c, col in spec.columns.items()]
            self.tables[name] = sa.Table(f"{domain.name}__{name}", self.metadata,
                                         sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), *columns)
        self.metadata.create_all(self.engine)
        for name, spec in domain.memory.tables.items():
            if spec.seed and not self.count(name):
                for row in spec.seed:
                    self.insert(name, row)

    def insert(self, table: str, values: dict[str, Any]) -> int:
        statement = self.tables[table].insert().values(**self._params(table, values))
        with self.engine.begin() as connection:
            return connection.execute(statement).inserted_primary_key[0]

    def select(self, table: str, where: dict[str, Any], *, order_by: str | None = None, descending: bool = False,
               limit: int = 20) -> list[dict[str, Any]]:
        sql_table = self.tables[table]
        statement = sa.select(sql_table).where(*self._conditions(table, where)).limit(limit)
        if order_by:
            column = sql_table.c[order_by]
            statement = statement.order_by(column.desc() if descending else column)
        with self.engine.connect() as connection:
            return [_json_row(row._mapping) for row in connection.execute(statement)]

    def update(self, table: str, where: dict[str, Any], values: dict[str, Any]) -> int:
        statement = (self.tables[table].update().where(*self._conditions(table, where))
                     .values(**self._params(table, values)))
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount

    def delete(self, table: str, where: dict[str, Any]) -> int:
        statement = self.tables[table].delete().where(*self._conditions(table, where))
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount

    def count(self, table: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(self.tables[table])).scalar_one()

    def _conditions(self, table: str, where: dict[str, Any]) -> list[Any]:
        columns = self.tables[table].c
        return [columns[name] == value if value is not None else columns[name].is_(None)
                for name, value in self._params(table, where).items()]

    def _params(self, table: str, values: dict[str, Any]) -> dict[str, Any]:
        types = self.types[table]
        params = {}
        for column, value in values.items():
            try:
                params[column] = _to_sql(types[column], value)
            except (TypeError, ValueError):
                raise TableError(f"{table}.{column} needs a {types[column]} value, not {value!r:.60}") from None
        return params


def _to_sql(column_type: str, value: Any) -> Any:
    if value is None:
        return None
    if column_type in ("date", "time", "datetime") and not isinstance(value, str):
        return value
    if column_type == "boolean" and isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise ValueError(value)
        return value.lower() == "true"
    return _PARSERS[column_type](value)


def _json_row(row: Any) -> dict[str, Any]:
    return {key: value.isoformat(timespec="minutes") if isinstance(value, dt.time)
            else value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
            for key, value in row.items()}
