"""`dialogue sessions export|prune`, `dialogue chat --db` and `dialogue bench store`, on real databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.dm.events import EVENT_ADAPTER, replay
from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def filled(url: str) -> None:
    engine = Engine(load_domain("restaurant"), store=SqlStore(url))
    for session in ("a", "b"):
        engine.handle(session, '/book_table{"cuisine": "italian"}', user_id="ana")
        engine.handle(session, '/inform{"party_size": 2}', user_id="ana")
    Engine(load_domain("banking"), store=engine.store).handle("c", "/greet", user_id="tester")


def test_export_writes_one_json_line_per_session(db_url: str, tmp_path: Path) -> None:
    filled(db_url)
    result = runner.invoke(app, ["sessions", "export", "--db", db_url])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(s["domain"], s["session_id"]) for s in lines] == [("restaurant", "a"), ("restaurant", "b"),
                                                               ("banking", "c")]
    for session in lines:
        assert replay(EVENT_ADAPTER.validate_python(session["events"])).model_dump(mode="json") == session["state"]
    target = tmp_path / "out.jsonl"
    only = runner.invoke(app, ["sessions", "export", "--domain", "banking", "-o", str(target)],
                         env={"DIALOGUE_DB": db_url})
    assert only.exit_code == 0 and "exported 1 session(s)" in only.stderr
    assert [json.loads(line)["session_id"] for line in target.read_text(encoding="utf-8").splitlines()] == ["c"]


def test_prune_deletes_only_old_sessions(db_url: str) -> None:
    filled(db_url)
    kept = runner.invoke(app, ["sessions", "prune", "--older-than", "30d", "--db", db_url, "--json"])
    assert kept.exit_code == 0 and json.loads(kept.stdout)["sessions"] == 0
    store = SqlStore(db_url)
    with store.database.transaction() as connection:
        connection.execute(sa.text("UPDATE dialogue_sessions SET updated_at = '2020-01-01 00:00:00' "
                                   "WHERE session_id = 'a'"))
    pruned = runner.invoke(app, ["sessions", "prune", "--older-than", "8w", "--db", db_url, "--json"])
    counts = json.loads(pruned.stdout)
    assert counts["older_than"] == "8w" and counts["sessions"] == 1 and counts["turns"] == 2 and counts["events"] >= 6
    assert store.load("restaurant", "a") is None and store.load("restaurant", "b").turn == 2
    text = runner.invoke(app, ["sessions", "prune", "--older-than", "12h", "--db", db_url])
    assert text.exit_code == 0 and "deleted 0 session(s)" in text.stdout


def test_prune_refuses_an_age_it_cannot_read(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sessions", "prune", "--older-than", "soon", "--db", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2 and "'soon' is not an age" in result.output and "30d" in result.output


def test_a_database_that_cannot_be_reached_is_a_message_naming_it_without_the_password() -> None:
    result = subprocess.run([sys.executable, "-m", "dialogue", "sessions", "export", "--db",
                             "postgresql://bob:s3cret@127.0.0.1:1/test"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert "error: database postgresql+psycopg://bob:***@127.0.0.1:1/test" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_chat_keeps_its_conversation_in_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    script = '/book_table{"cuisine": "italian"}\n/inform{"party_size": 2}\n:quit\n'
    result = runner.invoke(app, ["chat", "restaurant", "--db", url, "--user", "ana"], input=script)
    assert result.exit_code == 0, result.output
    (session,) = [json.loads(line) for line in runner.invoke(app, ["sessions", "export", "--db", url]).stdout
                  .splitlines()]
    assert session["user_id"] == "ana" and session["state"]["slots"]["party_size"] == 2


@pytest.mark.slow
def test_bench_store_json() -> None:
    import os

    postgres = os.environ.get("DIALOGUE_TEST_POSTGRES_URL")
    args = ["bench", "store", "--rounds", "1", "--length", "30", "--sessions", "1", "--json"]
    result = runner.invoke(app, args + (["--postgres", postgres] if postgres else []))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    stores = {report["store"]: report for report in payload["stores"]}
    assert set(stores) == ({"memory", "sqlite", "postgresql"} if postgres else {"memory", "sqlite"})
    from dialogue.bench.policy import scripted
    from dialogue.domains import load_domain

    cycle = sum(not step.new_session for test in scripted(load_domain("restaurant")) for step in test.steps)
    for report in stores.values():
        assert 0 < report["persist_p50_ms"] <= report["persist_p99_ms"] and report["turns_per_s"] > 0
        assert report["turn_p50_ms"] >= report["persist_p50_ms"]
        long = report["long_session"]
        assert long["first_turns"] == "1-10" and long["last_to_first"] > 0
        assert long["last_turns"] == f"{cycle + 1}-{cycle + 10}"  # a window of 10 from the second cycle on
    assert stores["memory"]["added_turn_p50_ms"] == 0 and payload["target_sqlite_added_p50_ms"] == 1.0


def test_export_refuses_an_output_in_a_missing_folder_before_opening_the_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sessions", "export", "--db", f"sqlite:///{tmp_path}/x.db", "-o",
                                 str(tmp_path / "no" / "x.jsonl")])
    assert result.exit_code == 2 and f"--output: folder {tmp_path / 'no'} does not exist" in result.output
    assert not (tmp_path / "x.db").exists()


def test_prune_says_an_age_past_the_calendar_is_too_long(tmp_path: Path) -> None:
    for age in ("999999w", "99999999w"):
        result = runner.invoke(app, ["sessions", "prune", "--older-than", age, "--db", f"sqlite:///{tmp_path}/x.db"])
        assert result.exit_code == 2 and f"'{age}' is too long an age" in result.output


def test_export_and_prune_refuse_a_file_that_is_no_database_and_make_nothing(tmp_path: Path) -> None:
    """A mistyped path is not a new empty database, and a file that is not a database gets no lock file beside it."""
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", encoding="utf-8")
    for command in (["export"], ["prune", "--older-than", "1d"]):
        missing = runner.invoke(app, ["sessions", *command, "--db", f"sqlite:///{tmp_path / 'typo.db'}"])
        assert "there is no database file there" in str(missing.exception)  # `dialogue` prints: error: ...
        other = runner.invoke(app, ["sessions", *command, "--db", f"sqlite:///{notes}"])
        assert "the file is not a SQLite database" in str(other.exception)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
