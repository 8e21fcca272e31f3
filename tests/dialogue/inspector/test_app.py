"""The inspector's web app over HTTP (Starlette's test client runs the real app): the page, turns, tests saved,
stored sessions, a server's turns over real gRPC, and a clear JSON error for everything a page can send wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.inspector.app import MAX_BODY, inspector_app
from dialogue.inspector.conversations import Inspector, LocalBackend, RemoteBackend
from tests.dialogue.inspector.booking import BOOKING, NOW
from tests.server.conftest import Running


@pytest.fixture
def client(restaurant_copy: Path, tmp_path: Path) -> TestClient:
    domain = load_domain(restaurant_copy)
    store = SqlStore(f"sqlite:///{tmp_path / 'inspect.db'}")
    inspector = Inspector(domain, LocalBackend(Engine(domain, store=store)), domain_path=restaurant_copy,
                          store=store, now=NOW)
    return TestClient(inspector_app(inspector, graph=lambda: '<svg xmlns="http://www.w3.org/2000/svg"/>',
                                    about={"where": "in this process"}))


def turn(client: TestClient, text: str, session: str = "s1", **fields) -> dict:
    answer = client.post("/api/turn", json={"session_id": session, "input": {"text": text}, **fields})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_page_and_its_files_forbid_inline_script(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<script src="/static/inspector.js"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "textContent" in client.get("/static/inspector.js").text
    assert "innerHTML" not in client.get("/static/inspector.js").text
    assert client.get("/api/graph.svg").headers["content-type"].startswith("image/svg+xml")
    about = client.get("/api/domain").json()
    assert (about["name"], about["where"], about["stored"]) == ("restaurant", "in this process", True)
    assert "book_table" in about["tasks"]


def test_turns_tests_and_stored_sessions_over_http(client: TestClient) -> None:
    shown = [turn(client, text) for text in BOOKING]
    assert shown[-1]["writes"] == ["insert:bookings"] and shown[-1]["inspector_ms"] >= 0
    saved = client.post("/api/tests", json={"session_id": "s1", "name": "over http"}).json()
    assert saved["name"] == "over http" and saved["failing"] == []
    assert [s["session_id"] for s in client.get("/api/stored").json()["sessions"]] == ["s1"]
    replayed = client.get("/api/stored/s1").json()["turns"]
    assert [view["state"] for view in replayed] == [view["state"] for view in shown]


def test_keys_and_events_are_turns_too(client: TestClient) -> None:
    for given in ({"event": "start"}, {"event": "dtmf", "digits": "1"}, {"event": "no_input"}, {"event": "end"}):
        answer = client.post("/api/turn", json={"session_id": "keys", "channel": "voice", "input": given})
        assert answer.status_code == 200, answer.text
    assert answer.json()["said"] == ":end"
    typed = client.post("/api/turn", json={"session_id": "keys", "input": {"text": ":dtmf 12#"}}).json()
    assert typed["said"] == ":dtmf 12#"
    refused = client.post("/api/turn", json={"session_id": "keys", "input": {"text": ":fax"}})
    assert refused.status_code == 400 and "unknown command ':fax'" in refused.json()["error"]


@pytest.mark.parametrize(("body", "status", "says"), [
    (b"{not json", 400, "body: not JSON"),
    (b"[1, 2]", 400, "body: send a JSON object"),
    (json.dumps({"input": {"text": "hi"}}).encode(), 400, "session_id: give it as a string"),
    (json.dumps({"session_id": "s", "input": "hi"}).encode(), 400, "input: give"),
    (json.dumps({"session_id": "s", "input": {"event": "dtmf"}}).encode(), 400, "digits go with the dtmf event"),
    (json.dumps({"session_id": "s", "input": {"text": "/no_such_intent"}}).encode(), 400, "unknown intent"),
    (json.dumps({"session_id": "s", "input": {"text": '/inform{"nope": 1}'}}).encode(), 400, "unknown slot 'nope'"),
    (json.dumps({"session_id": "s", "channel": "fax", "input": {"text": "hi"}}).encode(), 400, "unknown channel"),
    (json.dumps({"session_id": "", "input": {"text": "hi"}}).encode(), 400, "session_id"),
    (b'{"session_id": "s", "input": {"text": "a\\ud800b"}}', 400, "U+D800"),
    (b'{"session_id": "s", "input": {"text": "' + b"x" * MAX_BODY + b'"}}', 400, "bytes; at most"),
    (json.dumps({"session_id": "s", "input": {"text": '/inform{"name": ' + "[" * 5000 + "]" * 5000 + "}"}}).encode(),
     400, "text"),
    (b'{"session_id": "s", "input": {"text": "hi"}, "nested": ' + b"[" * 150_000 + b"]" * 150_000 + b"}", 400,
     "bytes; at most"),
    (b'{"session_id": "s", "input": {"text": "hi"}, "nested": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", 400,
     "body: nested too deep"),
])
def test_bad_requests_get_a_clear_error_not_a_traceback(client: TestClient, body: bytes, status: int,
                                                         says: str) -> None:
    answer = client.post("/api/turn", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text
    assert says in answer.json()["error"] and "Traceback" not in answer.text


def test_saving_and_replaying_what_does_not_exist_is_a_clear_error(client: TestClient) -> None:
    assert client.post("/api/tests", json={"session_id": "nobody", "name": "x"}).status_code == 400
    answer = client.get("/api/stored/nobody")
    assert answer.status_code == 400 and "no stored session 'nobody'" in answer.json()["error"]
    assert client.get("/api/graph.svg").status_code == 200


def test_a_page_without_graphviz_says_so(restaurant_copy: Path) -> None:
    domain = load_domain(restaurant_copy)
    inspector = Inspector(domain, LocalBackend(Engine(domain)), domain_path=restaurant_copy)
    answer = TestClient(inspector_app(inspector, graph=lambda: None, about={"where": "here"})).get("/api/graph.svg")
    assert answer.status_code == 404 and "Graphviz" in answer.json()["error"]


def test_turns_run_on_a_real_server_over_grpc(restaurant_copy: Path) -> None:
    from dialogue.client import Client

    domain = load_domain(restaurant_copy)
    running = Running([Engine(domain)])
    try:
        with Client(running.target) as grpc_client:
            inspector = Inspector(domain, RemoteBackend(grpc_client, "restaurant"), domain_path=None)
            app = TestClient(inspector_app(inspector, graph=lambda: None, about={"where": running.target}))
            shown = [turn(app, text, session="remote") for text in BOOKING[:4]]
            assert shown[-1]["state"]["slots"] == {"cuisine": "sichuan", "party_size": 4}
            assert shown[-1]["understood"]["entities"] == {"party_size": 4}
            refused = app.post("/api/turn", json={"session_id": "remote", "input": {"text": "/nope"}})
            assert refused.status_code == 400 and "unknown intent 'nope'" in refused.json()["error"]
            running.stop()
            down = app.post("/api/turn", json={"session_id": "remote", "input": {"text": "/greet"}})
            assert down.status_code == 502 and "server" in down.json()["error"]
    finally:
        running.stop()
