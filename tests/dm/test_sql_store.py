"""The SQL store on a real SQLite file and a real PostgreSQL server: schema, migrations, snapshots,
the event log, user variables, domain tables, and clear errors."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dialogue.dm.errors import SessionConflict, StoreError, WriteNeeded
from dialogue.dm.events import EVENT_ADAPTER, SessionCreated, VariableSet, replay
from dialogue.dm.sql import DomainTables, SqlStore
from dialogue.dm.sql.database import Database
from dialogue.dm.sql.maintenance import export_sessions, prune_sessions
from dialogue.dm.sql.migrate import alembic_config
from dialogue.dm.sql.schema import VERSION_TABLE, metadata
from dialogue.dm.state import DialogueState
from dialogue.dm.store import TurnRecord
from dialogue.domains import Domain, bundled_domains, load_domain
from dialogue.engine import Engine
from dialogue.testing import step_input
from tests.conftest import NOW
from tests.dm.statements import record_statements


def head() -> str:
    with Database("sqlite://").transaction() as connection:
        return ScriptDirectory.from_config(alembic_config(connection)).get_current_head()


def current_revision(store: SqlStore) -> str | None:
    with store.database.transaction(write=False) as connection:
        return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def test_opening_migrates_to_the_latest_schema_which_matches_the_code(db_url: str) -> None:
    store = SqlStore(db_url)
    assert current_revision(store) == head()
    with store.database.transaction(write=False) as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
    store.close()


def test_a_database_behind_the_migrations_is_upgraded_when_opened(db_url: str) -> None:
    store = SqlStore(db_url)
    with store.database.setup() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert current_revision(store) is None
    with store.database.transaction(write=False) as connection:
        assert not {"dialogue_sessions", "dialogue_events"} & set(sa.inspect(connection).get_table_names())
    store.close()
    reopened = SqlStore(db_url)
    assert current_revision(reopened) == head()
    reopened.remember("restaurant", "ana", {"favourite_cuisine": "italian"})
    reopened.close()
    assert SqlStore(db_url).variables("restaurant", "ana") == {"favourite_cuisine": "italian"}


def test_a_turn_reads_one_snapshot_and_writes_one_whatever_the_history(db_url: str, monkeypatch) -> None:
    store = SqlStore(db_url)
    engine = Engine(load_domain("restaurant"), store=store)
    seen = record_statements(store.database, monkeypatch)
    costs = []
    for number in range(60):
        seen.clear()
        engine.handle("long", "/greet" if number % 2 else "/help")
        costs.append([statement.upper() for statement in seen])
    assert all(not (s.startswith("SELECT") and "DIALOGUE_EVENTS" in s) for turn in costs for s in turn)
    assert all("DIALOGUE_TURNS" not in s for s in costs[-1] if s.startswith("SELECT"))
    assert len(costs[1]) == len(costs[30]) == len(costs[59])
    assert sum(s.startswith("SELECT") and "DIALOGUE_SESSIONS" in s for s in costs[59]) == 1
    assert sum(s.startswith("UPDATE DIALOGUE_SESSIONS") for s in costs[59]) == 1
    store.close()


@pytest.mark.parametrize("path", bundled_domains(), ids=lambda p: p.stem)
def test_every_snapshot_is_the_replay_of_its_logged_events(db_url: str, path) -> None:
    domain = load_domain(path)
    store = SqlStore(db_url)
    engine = Engine(domain, store=store)
    for index, test in enumerate(domain.tests):
        store.remember(domain.name, test.user_id, test.variables)
        session = 0
        for step in test.steps:
            if step.new_session:
                session += 1
            elif step.user is None or step.user.startswith("/"):
                engine.handle(f"{index}:{session}", step_input(step), user_id=test.user_id, channel=test.channel)
    store.close()
    reopened = SqlStore(db_url)
    exported = list(export_sessions(reopened.database))
    assert len(exported) >= len(domain.tests) // 2
    for session in exported:
        state = reopened.load(domain.name, session["session_id"])
        assert replay(EVENT_ADAPTER.validate_python(session["events"])) == state
        assert session["state"] == json.loads(state.model_dump_json())
        assert [turn["turn"] for turn in session["turns"]] == list(range(1, state.turn + 1))


def test_user_variables_outlive_the_session_and_the_process(db_url: str) -> None:
    domain = load_domain("restaurant")
    engine = Engine(domain, store=SqlStore(db_url))
    engine.handle("visit-1", '/book_table{"cuisine": "sichuan", "party_size": 2, "date": "2026-12-01", '
                             '"time": "19:00", "name": "Ana", "phone": "+441234567890"}', user_id="ana", now=NOW)
    engine.handle("visit-1", "/affirm", user_id="ana", now=NOW)
    engine.store.close()
    later = Engine(domain, store=SqlStore(db_url))
    assert later.store.variables("restaurant", "ana")["favourite_cuisine"] == "sichuan"
    assert later.tables.count("bookings") == 1
    result = later.handle("visit-2", "/book_table", user_id="ana")
    assert "sichuan" in result.text.lower()


def test_a_failed_turn_leaves_nothing_behind(db_url: str) -> None:
    domain = load_domain("restaurant")
    store = SqlStore(db_url)
    tables = store.tables(domain)
    state = DialogueState(session_id="s", user_id="ana", domain="restaurant", turn=1,
                          variables={"favourite_cuisine": "indian"})
    logged = [SessionCreated(session_id="s", user_id="ana", domain="restaurant", slots={}, variables={}),
              VariableSet(name="favourite_cuisine", value="indian")]
    with pytest.raises(RuntimeError, match="boom"), store.begin("restaurant", "s") as unit:
        tables.insert("bookings", {"name": "half a turn"})
        unit.save(state, logged, TurnRecord(latency_ms={}))
        raise RuntimeError("boom")
    assert tables.count("bookings") == 0
    assert store.load("restaurant", "s") is None and store.variables("restaurant", "ana") == {}
    assert list(export_sessions(store.database)) == []
    with store.begin("restaurant", "s") as unit:  # the same writes, committed this time
        tables.insert("bookings", {"name": "a whole turn"})
        unit.save(state, logged, TurnRecord(latency_ms={}))
    assert tables.count("bookings") == 1 and store.load("restaurant", "s") == state
    assert store.variables("restaurant", "ana") == {"favourite_cuisine": "indian"}


def test_a_sqlite_turn_takes_the_write_lock_only_to_save(tmp_path: Path) -> None:
    """While one turn runs, a turn of another session saves (it would wait for the whole turn if turns held the
    lock from their start); a save from a state another process saved since is a conflict."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store, other_process = SqlStore(url), SqlStore(url)

    def first_turn(session: str) -> DialogueState:
        return DialogueState(session_id=session, user_id="ana", domain="restaurant", turn=1)

    def save(on: SqlStore, session: str) -> None:
        with on.begin("restaurant", session) as unit:
            unit.save(first_turn(session), [], TurnRecord(latency_ms={}))

    with store.begin("restaurant", "a") as running:
        meanwhile = threading.Thread(target=save, args=(store, "b"))
        meanwhile.start()
        meanwhile.join(5)
        assert not meanwhile.is_alive() and other_process.load("restaurant", "b") == first_turn("b")
        running.save(first_turn("a"), [], TurnRecord(latency_ms={}))
    assert store.load("restaurant", "a") == first_turn("a")
    with store.begin("restaurant", "a") as stale:
        with other_process.begin("restaurant", "a") as fresh:
            fresh.save(first_turn("a").model_copy(update={"turn": 2}), [], TurnRecord(latency_ms={}))
        with pytest.raises(SessionConflict):
            stale.save(first_turn("a").model_copy(update={"turn": 2}), [], TurnRecord(latency_ms={}))


def test_a_sqlite_turn_writes_a_table_on_its_snapshot_unless_another_write_came_since(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store, other_process = SqlStore(url), SqlStore(url)
    tables = store.tables(load_domain("restaurant"))
    with store.begin("restaurant", "s") as unit:
        tables.insert("bookings", {"name": "on the snapshot it read"})
        unit.save(DialogueState(session_id="s", user_id="ana", domain="restaurant", turn=1), [],
                  TurnRecord(latency_ms={}))
    with pytest.raises(WriteNeeded), store.begin("restaurant", "s"):
        other_process.remember("restaurant", "bob", {"customer_name": "Bob"})  # after this turn's read
        tables.insert("bookings", {"name": "on a snapshot another write replaced"})
    assert [row["name"] for row in tables.select("bookings", {})] == ["on the snapshot it read"]
    assert store.load("restaurant", "s").turn == 1


def test_a_sqlite_turn_keeps_its_llm_cache_writes_even_if_it_runs_again(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    cache = store.response_cache(max_entries=10, max_age_days=1)
    with pytest.raises(WriteNeeded), store.begin("restaurant", "s"):
        cache.put("key", "backend", "model", "an answer the LLM took long to write")
        raise WriteNeeded(store.shown)
    assert cache.get("key") == "an answer the LLM took long to write"


def test_prune_deletes_idle_sessions_with_their_log_but_keeps_user_variables(db_url: str) -> None:
    store = SqlStore(db_url)
    engine = Engine(load_domain("restaurant"), store=store)
    store.remember("restaurant", "ana", {"customer_name": "Ana"})
    for session in ("old", "new"):
        engine.handle(session, "/greet", user_id="ana")
        engine.handle(session, "/help", user_id="ana")
    with store.database.transaction() as connection:
        connection.execute(sa.text("UPDATE dialogue_sessions SET updated_at = :old WHERE session_id = 'old'"),
                           {"old": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)})
    counts = prune_sessions(store.database, dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    assert counts["sessions"] == 1 and counts["turns"] == 2 and counts["events"] > 4
    assert store.load("restaurant", "old") is None and store.load("restaurant", "new").turn == 2
    assert [s["session_id"] for s in export_sessions(store.database)] == ["new"]
    assert store.variables("restaurant", "ana") == {"customer_name": "Ana"}
    assert engine.handle("old", "/greet", user_id="ana").turn == 1


def test_a_domain_that_gained_a_column_gets_it_and_keeps_its_rows(db_url: str) -> None:
    def domain(columns: dict) -> Domain:
        return Domain.model_validate({"version": 1, "name": "shop", "memory": {"tables": {"orders": {
            "columns": columns}}}})

    store = SqlStore(db_url)
    DomainTables(domain({"item": "text"}), store.database).insert("orders", {"item": "tea"})
    grown = DomainTables(domain({"item": "text", "size": "integer"}), store.database)
    assert grown.select("orders", {}) == [{"id": 1, "item": "tea", "size": None}]
    grown.insert("orders", {"item": "cake", "size": 2})
    with pytest.raises(StoreError, match=r"shop__orders .* no column price.*not nullable"):
        DomainTables(domain({"item": "text", "price": {"type": "number", "nullable": False}}), store.database)


def test_a_value_the_database_refuses_is_a_table_error_and_the_turn_goes_on(db_url: str) -> None:
    domain = Domain.model_validate({"version": 1, "name": "shop", "memory": {"tables": {"orders": {
        "columns": {"item": {"type": "text", "nullable": False}}}}}})
    store = SqlStore(db_url)
    tables = store.tables(domain)
    with store.begin("shop", "s"):
        with pytest.raises(Exception, match="refused") as caught:
            tables.insert("orders", {"item": None})
        assert type(caught.value).__name__ == "TableError"
        tables.insert("orders", {"item": "tea"})
    assert tables.count("orders") == 1


@pytest.mark.parametrize(("url", "shown", "says"), [
    ("postgresql+psycopg://bob:s3cret@127.0.0.1:1/test", "postgresql+psycopg://bob:***@127.0.0.1:1/test",
     "connect"),
    ("postgresql://bob:s3cret@127.0.0.1:1/test", "postgresql+psycopg://bob:***@127.0.0.1:1/test", "connect"),
    ("sqlite:///no/such/folder/x.db", "sqlite:///no/such/folder/x.db", "folder 'no/such/folder' does not exist"),
    ("mysql://bob:s3cret@db/x", "mysql://bob:***@db/x", "unsupported database"),
    ("not a url :// at all", "", "is not a database URL"),
    ("bob:s3cret@host", "", "is not a database URL"),
    ("sqlite:////tmp/x.db?synchronous=sometimes", "sqlite:////tmp/x.db?synchronous=sometimes", "synchronous is"),
])
def test_an_unusable_database_is_a_clear_error_without_the_password(url: str, shown: str, says: str) -> None:
    with pytest.raises(StoreError) as caught:
        SqlStore(url)
    message = str(caught.value)
    assert says in message and shown in message and "s3cret" not in message


@pytest.mark.parametrize(("content", "says"), [
    (None, "there is no database file there"), (b"# a README\n", "the file is not a SQLite database")])
def test_a_database_that_must_exist_is_refused_when_it_does_not_and_nothing_is_made(
        tmp_path: Path, content: bytes | None, says: str) -> None:
    path = tmp_path / "typo.db"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(StoreError, match=says):
        SqlStore(f"sqlite:///{path}", existing=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if content is None else ["typo.db"])
    assert content is None or path.read_bytes() == content


def test_only_writing_makes_the_write_locks_file(tmp_path: Path) -> None:
    SqlStore(f"sqlite:///{tmp_path / 'a.db'}").close()  # opening migrates: a write
    assert (tmp_path / "a.db-writer").exists()
    (tmp_path / "a.db-writer").unlink()
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}", existing=True)  # up to date: nothing to write
    assert store.load("d", "s") is None and store.variables("d", "u") == {}
    assert not (tmp_path / "a.db-writer").exists()


def test_a_missing_postgres_database_is_named(postgres_url: str) -> None:
    url = sa.make_url(postgres_url).set(database="no_such_database_here").render_as_string(hide_password=False)
    with pytest.raises(StoreError, match=r'no_such_database_here.*does not exist'):
        SqlStore(url)


def test_domain_tables_named_like_keywords_or_engine_tables_work_and_never_clash(db_url: str) -> None:
    domain = Domain.model_validate({"version": 1, "name": "shop", "memory": {"tables": {"sessions": {
        "columns": {"select": "text", "order": "integer", "user": "text"}}}}})
    store = SqlStore(db_url)
    tables = store.tables(domain)
    tables.insert("sessions", {"select": "x'; --", "order": 1, "user": "u"})
    assert tables.select("sessions", {"order": 1}) == [{"id": 1, "select": "x'; --", "order": 1, "user": "u"}]
    assert all("__" not in table.name for table in metadata.sorted_tables) and "__" not in VERSION_TABLE
    with store.database.transaction(write=False) as connection:
        assert {"shop__sessions", "dialogue_sessions"} <= set(sa.inspect(connection).get_table_names())


def test_recent_sessions_come_newest_first_and_one_session_exports_alone(db_url: str) -> None:
    store = SqlStore(db_url)
    engine = Engine(load_domain("restaurant"), store=store)
    for session, turns in (("first", 1), ("second", 3)):
        for _ in range(turns):
            engine.handle(session, "/greet", user_id="ana")
    Engine(load_domain("banking"), store=store).handle("other", "/greet")
    recent = store.recent_sessions("restaurant")
    assert [(s["session_id"], s["user_id"], s["turns"]) for s in recent] == [("second", "ana", 3), ("first", "ana", 1)]
    assert recent[0]["updated_at"] >= recent[1]["updated_at"]
    assert [s["session_id"] for s in store.recent_sessions("restaurant", limit=1)] == ["second"]
    exported = store.export_session("restaurant", "second")
    assert exported == next(s for s in export_sessions(store.database) if s["session_id"] == "second")
    assert len(exported["turns"]) == 3
    assert store.export_session("restaurant", "other") is None
