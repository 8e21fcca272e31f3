"""Domain tables on a real SQLite database through SQLAlchemy Core."""

from __future__ import annotations

import pytest

from dialogue.dm.errors import TableError
from dialogue.dm.sql import DomainTables
from dialogue.domains.schema import Domain


@pytest.fixture
def tables() -> DomainTables:
    domain = Domain.model_validate({
        "version": 1, "name": "t",
        "memory": {"tables": {"notes": {
            "columns": {"text": "text", "n": "integer", "x": "number", "ok": "boolean", "day": "date", "at": "time"},
            "seed": [{"text": "seeded", "n": 1}]}}},
    })
    return DomainTables(domain)


def test_seed_rows(tables: DomainTables) -> None:
    assert tables.select("notes", {}) == [
        {"id": 1, "text": "seeded", "n": 1, "x": None, "ok": None, "day": None, "at": None}]


def test_insert_select_update_delete(tables: DomainTables) -> None:
    row_id = tables.insert("notes", {"text": "b", "n": "2", "x": 2.5, "ok": "true", "day": "2026-05-03",
                                     "at": "19:30"})
    assert row_id == 2
    (row,) = tables.select("notes", {"n": 2})
    assert row == {"id": 2, "text": "b", "n": 2, "x": 2.5, "ok": True, "day": "2026-05-03", "at": "19:30"}
    assert tables.update("notes", {"id": 2}, {"text": "c"}) == 1
    assert tables.select("notes", {"text": "c"})[0]["id"] == 2
    assert [r["id"] for r in tables.select("notes", {}, order_by="id", descending=True, limit=1)] == [2]
    assert tables.delete("notes", {"n": 1}) == 1
    assert tables.count("notes") == 1


@pytest.mark.parametrize("value", ["'; DROP TABLE t__notes; --", "Robert'); DELETE FROM t__notes;--",
                                   "名前 ✓ ñ", "x" * 100_000, "%_\\", '"quoted"'])
def test_values_are_parameters_and_come_back_unchanged(tables: DomainTables, value: str) -> None:
    row_id = tables.insert("notes", {"text": value})
    assert tables.select("notes", {"text": value})[0]["id"] == row_id
    assert tables.count("notes") == 2


def test_null_where_matches_null(tables: DomainTables) -> None:
    assert len(tables.select("notes", {"x": None})) == 1


@pytest.mark.parametrize(("column", "value"), [("n", "four"), ("day", "tomorrow"), ("ok", "maybe")])
def test_wrong_types_are_clear_errors(tables: DomainTables, column: str, value: str) -> None:
    with pytest.raises(TableError, match=f"notes.{column}"):
        tables.insert("notes", {column: value})


def test_sqlite_keeps_times_as_hh_mm_and_converts_the_longer_form_of_earlier_versions(tmp_path) -> None:
    import sqlite3

    from dialogue.dm.sql.database import Database

    domain = Domain.model_validate({"version": 1, "name": "t", "memory": {"tables": {"slots": {"columns": {
        "at": "time", "label": "text"}}}}})
    url = f"sqlite:///{tmp_path / 'tables.db'}"
    tables = DomainTables(domain, Database(url))
    tables.insert("slots", {"at": "19:30", "label": "new"})
    raw = sqlite3.connect(tmp_path / "tables.db")
    assert raw.execute("SELECT at FROM t__slots").fetchall() == [("19:30",)]
    raw.execute("INSERT INTO t__slots (at, label) VALUES ('08:05:00.000000', 'old')")
    raw.commit()
    assert tables.select("slots", {"label": "old"})[0]["at"] == "08:05"  # read back either way
    reopened = DomainTables(domain, Database(url))
    assert raw.execute("SELECT at FROM t__slots ORDER BY id").fetchall() == [("19:30",), ("08:05",)]
    assert [row["label"] for row in reopened.select("slots", {"at": "08:05"})] == ["old"]
    assert [row["at"] for row in reopened.select("slots", {}, order_by="at")] == ["08:05", "19:30"]


def test_all_or_nothing_blocks_nest(db_url: str) -> None:
    """A block inside another (a slot's check inside a batch) undoes its own writes only, on SQLite and PostgreSQL."""
    from dialogue.dm.sql.database import Database

    domain = Domain.model_validate({"version": 1, "name": "t", "memory": {"tables": {"log": {"columns": {
        "text": "text"}}}}})
    tables = DomainTables(domain, Database(db_url))
    with tables.database.turn():
        with tables.all_or_nothing():
            tables.insert("log", {"text": "before"})
            with pytest.raises(TableError), tables.all_or_nothing():
                tables.insert("log", {"text": "inside"})
                raise TableError("the check failed")
            tables.insert("log", {"text": "after"})
        with pytest.raises(TableError), tables.all_or_nothing():
            tables.insert("log", {"text": "undone"})
            with tables.all_or_nothing():
                tables.insert("log", {"text": "undone with it"})
            raise TableError("the batch failed")
    assert [row["text"] for row in tables.select("log", {}, order_by="id")] == ["before", "after"]
