"""`tool:` actions against a real MCP server (tests/dm/services/mcp_tables.py, the official SDK's) over stdio and
streamable HTTP: answers used, tool errors, a dead or slow server taking the error path within the budget, and
`dialogue validate --online` checking the calls against the server's tools."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.turns import UserInput

SERVER = Path(__file__).with_name("mcp_tables.py")
STDIO = f"{{command: [python, {json.dumps(str(SERVER))}, stdio]}}"

DOMAIN = """\
version: 1
name: tables
settings: {actions: {timeout_ms: 1500}}
mcp_servers:
  book: SERVER
slots:
  restaurant: {type: text}
  time: {type: text}
  party: {type: integer}
  table: {type: integer}
  free: {type: boolean}
intents:
  reserve: ["a table at [Roma](restaurant) at [19:30](time) for [2](party)"]
tasks:
  reserve:
    policy: frame
    triggers: [reserve]
    slots: [{slot: restaurant}, {slot: time}, {slot: party}]
    on_complete:
      - tool:
          server: book
          name: TOOL
          arguments: {restaurant: "{{ slots.restaurant }}", time: "{{ slots.time }}", party: "{{ slots.party }}",
                      seconds: 3}
          expect: {type: object, required: [free], properties: {free: {type: boolean}, table: {type: integer}}}
          into: {free: free}
          result: answer
          on_timeout: [respond: too_slow]
      - respond: done
responses:
  ask_restaurant: Where?
  ask_time: When?
  ask_party: How many?
  done: "{% if slots.free %}Table {{ results.answer[0].table }} is yours.{% else %}{{ results.answer[0].reason }}; \
try {{ results.answer[0].alternatives | join(' or ') }}.{% endif %}"
  too_slow: The booking system is slow.
"""


def domain_file(tmp_path: Path, server: str = STDIO, tool: str = "check_table", text: str = DOMAIN) -> Path:
    path = tmp_path / "tables.yaml"
    path.write_text(text.replace("SERVER", server).replace("TOOL", tool), encoding="utf-8")
    return path


def reserve(time: str = "19:30", turn_id: str | None = None) -> UserInput:
    return UserInput(intent="reserve", entities={"restaurant": "Roma", "time": time, "party": 4}, turn_id=turn_id)


def opened(path: Path) -> Engine:
    """An engine whose MCP session is open (a command takes a while to start; no turn's budget should pay it)."""
    engine = Engine(load_domain(path))
    engine.services.send(_request("received"), time.monotonic() + 30)
    return engine


@pytest.fixture(scope="module")
def stdio_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = opened(domain_file(tmp_path_factory.mktemp("stdio")))
    yield engine
    engine.services.close()


def test_a_tool_answer_fills_slots_and_results_over_stdio(stdio_engine: Engine) -> None:
    full = stdio_engine.handle("s1", reserve("19:30"))
    assert full.text == "Roma is full at 19:30; try 19:00 or 20:15." and full.state.slots["free"] is False
    assert [(c.service, c.method, c.path, c.status) for c in full.calls] == [("book", "tool", "check_table", "ok")]
    free = stdio_engine.handle("s2", reserve("20:15"))
    assert free.text == "Table 41 is yours." and free.state.slots["free"] is True


def test_a_retried_turn_calls_the_tool_once_with_the_turns_key(stdio_engine: Engine) -> None:
    stdio_engine.handle("s3", reserve("19:00", "t-1"))
    assert stdio_engine.handle("s3", reserve("19:00", "t-1")).replayed
    counts = stdio_engine.services.send(_request("received"), time.monotonic() + 5).body["keys"]
    assert sorted(counts.values())[-1] == 1 and "None" not in counts


def _request(tool: str, **arguments: object):
    from dialogue.dm.services.mcp import ToolRequest

    return ToolRequest.of("book", tool, dict(arguments), turn="test", ordinal=1)


@pytest.mark.parametrize("tool, warning", [
    ("broken", "the tool failed"),
    ("wrong_shape", "does not match `expect`"),
    ("no_such_tool", "Unknown tool"),
    ("huge", "answer longer than 1,000,000 bytes"),
])
def test_a_tool_that_fails_takes_the_error_path(tmp_path: Path, tool: str, warning: str) -> None:
    engine = opened(domain_file(tmp_path, tool=tool))
    try:
        result = engine.handle("s", reserve())
    finally:
        engine.services.close()
    assert result.responses == ["action_failed"] and "free" not in result.state.slots
    assert any(warning in w for w in result.warnings), result.warnings


def test_a_slow_tool_takes_the_timeout_path_within_the_budget(tmp_path: Path) -> None:
    engine = opened(domain_file(tmp_path, tool="slow"))
    try:
        started = time.monotonic()
        assert engine.handle("s", reserve()).responses == ["too_slow"]
        assert time.monotonic() - started <= 1.5 + 0.05
    finally:
        engine.services.close()


def test_a_server_that_cannot_start_takes_the_error_path(tmp_path: Path) -> None:
    engine = Engine(load_domain(domain_file(tmp_path, "{command: [python, -c, 'raise SystemExit(3)']}")))
    started = time.monotonic()
    result = engine.handle("s", reserve())
    assert result.responses == ["action_failed"] and time.monotonic() - started <= 1.5 + 0.05
    assert result.calls[0].status == "unreachable"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_http(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, str(SERVER), "http", str(port)], stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the MCP server did not start")


def test_over_http_a_dead_server_takes_the_error_path_and_a_restarted_one_is_called_again(tmp_path: Path) -> None:
    port = _free_port()
    process = _start_http(port)
    engine = opened(domain_file(tmp_path, f"{{url: 'http://127.0.0.1:{port}/mcp'}}"))
    try:
        assert engine.handle("s1", reserve("20:15")).text == "Table 41 is yours."
        process.kill()
        process.wait()
        started = time.monotonic()
        down = engine.handle("s2", reserve("20:15"))
        assert down.responses == ["action_failed"] and time.monotonic() - started <= 1.5 + 0.05
        process = _start_http(port)
        assert engine.handle("s3", reserve("20:15")).text == "Table 41 is yours."
    finally:
        process.kill()
        engine.services.close()


def test_a_test_fixture_stubs_a_tool(tmp_path: Path) -> None:
    from dialogue.testing import run_tests

    tests = """
tests:
  - name: stubbed
    fixtures:
      book:
        tool check_table: {answer: {free: true, table: 7}}
    steps:
      - user: '/reserve{"restaurant": "Roma", "time": "19:30", "party": 2}'
        bot: [done]
"""
    path = domain_file(tmp_path, "{command: [python, -c, 'raise SystemExit(3)']}", text=DOMAIN + tests)
    [outcome] = run_tests(load_domain(path))
    assert outcome.passed, outcome.as_dict()


def test_validate_online_checks_tool_calls_against_the_servers_tools(tmp_path: Path) -> None:
    text = DOMAIN.replace('time: "{{ slots.time }}"', "time: 1930").replace("seconds: 3", "size: 3")
    path = domain_file(tmp_path, text=text)
    offline = CliRunner().invoke(app, ["validate", str(path), "--json"])
    assert offline.exit_code == 0, offline.output
    online = CliRunner().invoke(app, ["validate", str(path), "--online", "--json"])
    problems = {(p["line"], p["message"]) for p in json.loads(online.output)["problems"]}
    assert online.exit_code == 1
    assert (23, "tool 'check_table' cannot take this time: 1930 is not of type 'string'") in problems
    assert (24, "tool 'check_table' takes no argument 'size'") in problems
    wrong_name = CliRunner().invoke(app, ["validate", str(domain_file(tmp_path, tool="check_tables")), "--online"])
    assert "unknown tool of MCP server 'book' 'check_tables'" in wrong_name.output
    assert "did you mean 'check_table'" in wrong_name.output


def test_validate_online_says_when_a_server_cannot_be_reached(tmp_path: Path) -> None:
    path = domain_file(tmp_path, f"{{url: 'http://127.0.0.1:{_free_port()}/mcp'}}")
    result = CliRunner().invoke(app, ["validate", str(path), "--online", "--json"])
    [problem] = json.loads(result.output)["problems"]
    assert result.exit_code == 1 and problem["line"] == 5
    assert problem["message"].startswith("cannot list the tools of MCP server 'book'")
