"""The engine on the SQL store (a SQLite file and a real PostgreSQL server): idempotent retries,
ordered turns, conflicts retried on fresh state, and awkward values kept exactly."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dialogue.dm.errors import Busy
from dialogue.dm.sql import DomainTables, MemoryStore, SqlStore
from dialogue.dm.sql.maintenance import export_sessions
from dialogue.domains import Domain, load_domain
from dialogue.engine import Engine
from dialogue.turns import InputError, UserInput
from tests.dialogue.turn_server import COUNTER, add
from tests.dm.statements import record_statements


@pytest.fixture
def counter(tmp_path: Path) -> Domain:
    path = tmp_path / "counter.yaml"
    path.write_text(COUNTER, encoding="utf-8")
    return load_domain(path)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "memory":
        return MemoryStore()
    if request.param == "sqlite":
        return SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    return SqlStore(request.getfixturevalue("postgres_url"))


def test_a_retried_turn_gets_the_stored_answer_and_runs_nothing_again(counter: Domain, store) -> None:
    engine = Engine(counter, store=store)
    first = engine.handle("s", add(3, "t-1"), user_id="ana")
    engine.handle("s", add(4, "t-2"), user_id="ana")
    again = engine.handle("s", add(3, "t-1"), user_id="ana")
    assert again.replayed and not first.replayed
    assert again.model_dump(exclude={"replayed", "latency_ms"}) == first.model_dump(exclude={"replayed", "latency_ms"})
    assert again.text == "Total 3."
    assert engine.tables.count("entries") == 2
    state = store.load("counter", "s")
    assert state.turn == 2 and state.slots["total"] == 7 and state.variables["adds"] == 2
    assert store.variables("counter", "ana")["adds"] == 2


def test_a_turn_id_reused_for_other_input_is_refused(counter: Domain, store) -> None:
    engine = Engine(counter, store=store)
    engine.handle("s", add(3, "t-1"))
    with pytest.raises(InputError) as caught:
        engine.handle("s", add(5, "t-1"))
    assert caught.value.field == "turn_id" and "different input" in str(caught.value)
    assert store.load("counter", "s").slots["total"] == 3 and engine.tables.count("entries") == 1
    assert engine.handle("other-session", add(5, "t-1")).text == "Total 5."  # ids are per session


@contextmanager
def held_by_another_thread(begin: Any) -> Iterator[None]:
    """Hold a store's transaction (`begin()`) in another thread while the block runs."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with begin():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join(10)


def test_a_turn_that_may_not_wait_is_refused_while_its_session_is_taken(counter: Domain, store) -> None:
    engine = Engine(counter, store=store)
    understood = engine.understand(engine.check("s", add(3, "t-1"), user_id="anonymous", channel="text"))
    with held_by_another_thread(lambda: store.begin("counter", "s")):
        with pytest.raises(Busy):
            engine.respond(understood, wait=False)
        assert store.load("counter", "s") is None  # nothing ran
    assert engine.respond(understood, wait=False).text == "Total 3."
    assert store.load("counter", "s").slots["total"] == 3 and engine.tables.count("entries") == 1


def test_a_quick_sqlite_turn_may_not_wait_for_another_sessions_write(counter: Domain, tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    engine = Engine(counter, store=store)
    assert engine.quick and not Engine(counter, store=SqlStore(f"sqlite:///{tmp_path / 'x.db'}?synchronous=full")).quick
    assert not Engine(counter, store=store, tables=DomainTables(counter)).quick  # its tables wait on their own
    understood = engine.understand(engine.check("s", add(3), user_id="anonymous", channel="text"))
    with held_by_another_thread(lambda: store.begin("counter", "another-session", exclusive=True)):
        with pytest.raises(Busy):
            engine.respond(understood, wait=False)
        started = time.monotonic()
        finished = []
        waiting = threading.Thread(target=lambda: finished.append(engine.respond(understood)))
        waiting.start()  # the same turn allowed to wait: it waits for the other write to end
        waiting.join(0.3)
        assert waiting.is_alive() and not finished
    waiting.join(10)
    assert finished[0].text == "Total 3." and time.monotonic() - started >= 0.3


def test_a_sqlite_turn_whose_table_write_finds_its_snapshot_replaced_runs_again(counter: Domain, tmp_path: Path,
                                                                               monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store, other_process = SqlStore(url), SqlStore(url)
    engine = Engine(counter, store=store)
    assert engine.handle("quiet", add(1)).attempts == 1  # nothing written meanwhile: it writes on its snapshot
    insert, interleaved = DomainTables.insert, []

    def after_another_write(tables: DomainTables, table: str, values: dict[str, Any]) -> int:
        if not interleaved:
            interleaved.append(True)
            other_process.remember("counter", "bob", {"adds": 7})  # another process, after the turn's read
        return insert(tables, table, values)

    monkeypatch.setattr(DomainTables, "insert", after_another_write)
    result = engine.handle("s", add(3))
    assert result.attempts == 2 and result.text == "Total 3."
    assert engine.tables.count("entries") == 2 and store.variables("counter", "bob") == {"adds": 7}


def test_a_turn_that_found_the_write_lock_taken_at_its_save_streams_anew_when_run_again(tmp_path: Path) -> None:
    """As the server does: the turn tried where it may not wait, then on a worker (host.py)."""
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    engine = Engine(load_domain("restaurant"), store=store)
    understood = engine.understand(engine.check("s", UserInput.parse("/greet"), user_id="ana", channel="text"))
    book, chunks = engine.call_book(), []
    with held_by_another_thread(lambda: store.begin("restaurant", "another-session", exclusive=True)):
        with pytest.raises(Busy):
            engine.attempt(understood, book, stream=chunks.append, wait=False)
        assert chunks and {chunk.attempt for chunk in chunks} == {1}  # it ran, and streamed, up to its save
    result = engine.attempt(understood, book, stream=chunks.append)
    assert [chunk.text for chunk in chunks if chunk.attempt == 2] == [message.text for message in result.messages]
    assert store.load("restaurant", "s").turn == 1


def test_retries_are_idempotent_across_a_restart(counter: Domain, db_url: str) -> None:
    first = Engine(counter, store=SqlStore(db_url)).handle("s", add(3, "t-1"), user_id="ana")
    restarted = Engine(counter, store=SqlStore(db_url))
    again = restarted.handle("s", add(3, "t-1"), user_id="ana")
    assert again.replayed and again.messages == first.messages and again.turn == 1
    assert restarted.tables.count("entries") == 1
    assert restarted.handle("s", add(2, "t-2"), user_id="ana").text == "Total 5."


def test_turns_of_one_session_from_many_threads_apply_in_order(counter: Domain, db_url: str) -> None:
    engine = Engine(counter, store=SqlStore(db_url))
    answers: list[tuple[str, int, int]] = []

    def client(name: str) -> None:
        for number in range(15):
            session = f"s{number % 2}"
            result = engine.handle(session, add(number + 1, f"{name}-{number}"), user_id=f"u-{session}")
            answers.append((session, result.turn, result.state.slots["total"]))

    threads = [threading.Thread(target=client, args=(f"c{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected_total = 4 * sum(number + 1 for number in range(15) if number % 2 == 0)
    state = engine.store.load("counter", "s0")
    assert state.slots["total"] == expected_total and state.turn == 4 * 8
    assert sorted(turn for session, turn, _ in answers if session == "s0") == list(range(1, 33))
    assert engine.tables.count("entries") == 60
    totals = [total for session, _, total in sorted(answers) if session == "s0"]
    assert totals == sorted(totals) and totals[-1] == expected_total


def test_a_conflict_with_another_server_reruns_the_turn_on_fresh_state(counter: Domain, postgres_url: str,
                                                                      monkeypatch) -> None:
    store = SqlStore(postgres_url)
    engine = Engine(counter, store=store)
    engine.handle("s", add(1, "t-1"))
    statements = record_statements(store.database, monkeypatch)
    other = sa.create_engine(postgres_url)
    with other.connect() as connection:
        # Another server's turn on the same session, not yet committed: it holds the session's row.
        connection.execute(sa.text("UPDATE dialogue_sessions SET version = version + 1 WHERE session_id = 's'"))
        done: list = []
        turn = threading.Thread(target=lambda: done.append(engine.handle("s", add(5, "t-2"))))
        turn.start()
        waiting = 0
        for _ in range(100):  # until our turn waits on that row at its version check
            waiting = connection.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar_one()
            if waiting:
                break
            time.sleep(0.1)
        assert waiting == 1
        connection.commit()
    turn.join(timeout=30)
    other.dispose()
    assert done[0].text == "Total 6." and done[0].turn == 2
    assert sum(s.startswith("UPDATE dialogue_sessions") for s in statements) == 2  # the stale save, the rerun
    assert any(s.startswith("SELECT") and s.endswith("FOR UPDATE") for s in statements)
    assert engine.tables.count("entries") == 2  # the first attempt's row went with its rollback
    exported = next(iter(export_sessions(store.database)))
    assert [t["turn"] for t in exported["turns"]] == [1, 2] and exported["version"] == 3


AWKWARD = [
    "'; DROP TABLE dialogue_sessions; --",
    "Robert'); DELETE FROM counter__entries WHERE '1'='1'; --",
    "名前 ✓ ñ — Привет — مرحبا — 👩‍👩‍👧",
    "%_\\ \"quoted\" `back` $1 :name ?",
    "x" * 100_000,
]


@pytest.mark.parametrize("value", AWKWARD, ids=["drop", "delete", "non-latin", "metacharacters", "100k"])
def test_awkward_values_are_stored_and_returned_unchanged(counter: Domain, db_url: str, value: str) -> None:
    session, user = "s'; --" + value[:40], "用户-" + value[:40]
    result = Engine(counter, store=SqlStore(db_url)).handle(session, add(2, value[:200], note=value), user_id=user)
    assert result.text == "Total 2." and not result.warnings
    store = SqlStore(db_url)
    reopened = Engine(counter, store=store)
    assert store.load("counter", session).slots["note"] == value
    assert store.variables("counter", user) == {"adds": 1, "last_note": value}
    assert [row["note"] for row in reopened.tables.select("entries", {"note": value})] == [value]
    (exported,) = export_sessions(store.database)
    assert exported["session_id"] == session and exported["user_id"] == user
    assert exported["state"]["slots"]["note"] == value and exported["turns"][0]["turn_id"] == value[:200]
    assert reopened.handle(session, add(2, value[:200], note=value), user_id=user).replayed
    assert reopened.tables.count("entries") == 1


@pytest.mark.parametrize(("field", "call"), [
    ("entities.note", lambda engine: engine.handle("s", add(1, note="a\x00b"))),
    ("entities.note", lambda engine: engine.handle("s", add(1, note="a\ud800b"))),
    ("session_id", lambda engine: engine.handle("s\x00", add(1))),
    ("user_id", lambda engine: engine.handle("s", add(1), user_id="a\x00b")),
    ("turn_id", lambda engine: engine.handle("s", add(1, turn_id="t\x1b"))),
    ("text", lambda engine: engine.handle("s", "add \udcff3")),
], ids=["nul-value", "surrogate-value", "nul-session", "nul-user", "control-turn-id", "surrogate-text"])
def test_characters_a_database_cannot_keep_are_refused_before_anything_is_kept(counter: Domain, db_url: str,
                                                                                field: str, call: Any) -> None:
    """NUL (which PostgreSQL's text refuses) in a value, a control character in an id, and a lone surrogate
    anywhere are refused, naming the field, on SQLite as on PostgreSQL."""
    store = SqlStore(db_url)
    engine = Engine(counter, store=store)
    with pytest.raises(InputError) as refused:
        call(engine)
    assert refused.value.field == field and "character" in str(refused.value)
    assert store.load("counter", "s") is None and engine.tables.count("entries") == 0


REFUSING = COUNTER.replace("columns: {session: text, n: integer, note: text}",
                           "columns: {session: text, n: integer, note: {type: text, nullable: false}}\n"
                           "    log:\n      columns: {n: integer}").replace(
    "      - insert: {table: entries,", "      - insert: {table: log, values: {n: \"{{ slots.n }}\"}}\n"
                                      "      - insert: {table: entries,")


def test_a_write_the_database_refuses_undoes_its_step_which_can_be_tried_again(tmp_path: Path,
                                                                                db_url: str) -> None:
    """An add without a note: the entries row is refused (its note may not be null). The step's earlier
    changes (the total, the log row) are undone, what follows is not run, and the user is not told it worked."""
    (tmp_path / "refusing.yaml").write_text(REFUSING, encoding="utf-8")
    store = SqlStore(db_url)
    engine = Engine(load_domain(tmp_path / "refusing.yaml"), store=store)
    failed = engine.handle("s", add(2), user_id="ana")
    assert failed.responses == ["action_failed"] and "couldn't finish that" in failed.text
    assert any(w.startswith("insert on entries failed: the database refused it") for w in failed.warnings)
    assert "insert:entries" in failed.actions and "insert:log" not in failed.actions
    assert engine.tables.count("log") == 0 and engine.tables.count("entries") == 0
    kept = store.load("counter", "s")
    assert kept.turn == 1 and kept.slots["total"] == 0 and kept.active is not None  # the task waits to try again
    assert store.variables("counter", "ana") == {}

    again = engine.handle("s", add(2, note="now with a note"), user_id="ana")
    assert again.text == "Total 2." and not again.warnings
    assert engine.tables.count("log") == 1 and engine.tables.count("entries") == 1
    assert store.variables("counter", "ana")["adds"] == 1
