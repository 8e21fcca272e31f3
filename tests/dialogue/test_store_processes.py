"""Real processes on one database (SQLite and PostgreSQL): a server killed with SIGKILL mid-load loses no
acknowledged turn, and two servers taking turns of the same sessions lose no update."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dialogue.dm.events import EVENT_ADAPTER, replay
from dialogue.dm.sql import MemoryStore, SqlStore
from dialogue.dm.sql.maintenance import export_sessions
from dialogue.domains import load_domain
from dialogue.engine import Engine
from tests.dialogue.turn_server import COUNTER, add

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class Server:
    """`tests.dialogue.turn_server` in a subprocess, fed requests as fast as it takes them."""

    def __init__(self, url: str, domain_file: Path):
        self.process = subprocess.Popen([sys.executable, "-m", "tests.dialogue.turn_server", url, str(domain_file)],
                                        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        encoding="utf-8")
        assert json.loads(self.process.stdout.readline()) == {"ready": True}

    def feed(self, requests: list[dict]) -> threading.Thread:
        def write() -> None:
            try:
                for request in requests:
                    self.process.stdin.write(json.dumps(request) + "\n")
                    self.process.stdin.flush()
                self.process.stdin.close()
            except (BrokenPipeError, OSError):
                pass  # the server was killed

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        return writer

    def answers(self, limit: int | None = None) -> list[dict]:
        received = []
        for line in self.process.stdout:
            received.append(json.loads(line))
            if limit is not None and len(received) == limit:
                break
        return received


def requests(tag: str, count: int, sessions: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [{"session": f"s{i % sessions}", "user": f"u{i % sessions}", "turn_id": f"{tag}-{i}",
             "n": rng.randint(1, 9)} for i in range(count)]


def check_log(url: str, domain_file: Path) -> dict[str, dict]:
    """Every session's snapshot is the replay of its events, and its table rows and user variable match its turns."""
    store = SqlStore(url)
    tables = store.tables(load_domain(domain_file))
    sessions = {}
    for session in export_sessions(store.database):
        events = EVENT_ADAPTER.validate_python(session["events"])
        state = replay(events)
        assert state == store.load("counter", session["session_id"])
        added = [event.input["entities"]["n"] for event in events if event.type == "turn_started"]
        assert state.slots["total"] == sum(added) and state.turn == len(added) == len(session["turns"])
        assert len(tables.select("entries", {"session": session["session_id"]}, limit=10_000)) == len(added)
        assert store.variables("counter", session["user_id"])["adds"] == len(added)
        sessions[session["session_id"]] = session
    store.close()
    return sessions


@pytest.fixture
def counter_file(tmp_path: Path) -> Path:
    path = tmp_path / "counter.yaml"
    path.write_text(COUNTER, encoding="utf-8")
    return path


def test_a_killed_server_loses_no_acknowledged_turn(db_url: str, counter_file: Path) -> None:
    sent: dict[str, dict] = {}
    acknowledged: list[dict] = []
    for cycle in range(3):
        batch = requests(f"c{cycle}", 2000, sessions=6, seed=cycle)
        sent.update((request["turn_id"], request) for request in batch)
        server = Server(db_url, counter_file)
        server.feed(batch)
        acknowledged += server.answers(limit=120 + 40 * cycle)
        os.kill(server.process.pid, signal.SIGKILL)  # mid-load: hundreds of requests are still queued
        assert server.process.wait(timeout=30) == -signal.SIGKILL
    sessions = check_log(db_url, counter_file)
    logged = {turn["turn_id"]: (session_id, turn) for session_id, s in sessions.items() for turn in s["turns"]}
    for answer in acknowledged:
        session_id, turn = logged[answer["turn_id"]]
        assert session_id == answer["session"] and turn["turn"] == answer["turn"]
        assert turn["answer"]["state"]["slots"]["total"] == answer["total"]
    restarted = Server(db_url, counter_file)
    restarted.feed([sent[answer["turn_id"]] for answer in acknowledged[-30:]])
    again = restarted.answers()
    assert restarted.process.wait(timeout=30) == 0
    assert [(a["turn"], a["total"]) for a in again] == [(a["turn"], a["total"]) for a in acknowledged[-30:]]
    assert all(a["replayed"] for a in again)
    assert check_log(db_url, counter_file).keys() == sessions.keys()


def test_two_servers_on_the_same_sessions_lose_no_update(db_url: str, counter_file: Path) -> None:
    """Turns of both servers run at once and some conflict: on PostgreSQL at the version check, on SQLite there or
    at the table write (a snapshot another write replaced), and run again."""
    servers = [Server(db_url, counter_file) for _ in range(2)]
    sent = [requests(f"p{index}", 300, sessions=4, seed=index) for index in range(2)]
    writers = [server.feed(batch) for server, batch in zip(servers, sent)]
    answers = [server.answers() for server in servers]
    for server, writer in zip(servers, writers):
        writer.join(timeout=60)
        assert server.process.wait(timeout=60) == 0
    assert [len(a) for a in answers] == [300, 300]
    assert any(answer["attempts"] > 1 for batch in answers for answer in batch), "no conflict was exercised"
    sessions = check_log(db_url, counter_file)
    domain = load_domain(counter_file)
    for session_id, session in sessions.items():
        requests_sent = [r for batch in sent for r in batch if r["session"] == session_id]
        assert session["state"]["slots"]["total"] == sum(r["n"] for r in requests_sent)  # no update lost
        serial = Engine(domain, store=MemoryStore())
        for event in EVENT_ADAPTER.validate_python(session["events"]):  # the accepted turns, in the log's order
            if event.type == "turn_started":
                serial.handle(session_id, add(event.input["entities"]["n"], event.input["turn_id"]),
                              user_id=session["user_id"])
        assert serial.store.load("counter", session_id).model_dump() == session["state"]
