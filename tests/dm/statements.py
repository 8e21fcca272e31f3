"""What SQL a database runs: statements through SQLAlchemy and those run on the driver (dm.sql.statements)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dialogue.dm.sql.database import Database
from dialogue.dm.sql.statements import Prepared


def record_statements(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that each statement run on `database` from now on is appended to, its whitespace collapsed."""
    seen: list[str] = []

    def record(statement: str) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(database.engine, "before_cursor_execute", lambda _c, _cur, statement, *_rest: record(statement))
    run_on_driver = Prepared._run

    def recorded(prepared: Prepared, connection: sa.Connection, call):
        if connection.engine is database.engine:
            record(prepared._text(connection.dialect)[0])
        return run_on_driver(prepared, connection, call)

    monkeypatch.setattr(Prepared, "_run", recorded)
    return seen
