"""The terminal chat over gRPC, and the Node.js client, against real servers."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.engine import Engine
from dialogue.nlu.understander import Understander
from dialogue.server.process import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "examples" / "node"


def test_the_scripted_chat_runs_over_grpc(serve, restaurant, bundled_models) -> None:
    running = serve([Engine(restaurant, nlu=Understander.for_domain(restaurant, bundled_models))])
    script = (ROOT / "examples" / "restaurant.chat").read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["chat", "--server", running.target], input=script)
    assert result.exit_code == 0, result.output
    assert "error:" not in result.output and "warning:" not in result.output
    assert "Your table is booked" in result.output and "is updated" in result.output
    assert "task: book_table (asking party_size)" in result.output  # the state shown after each turn


def test_the_chat_reports_failed_turns_and_goes_on(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])
    result = CliRunner().invoke(app, ["chat", "restaurant", "--server", running.target], input="hello\n/greet\n")
    assert result.exit_code == 0
    assert "error: text: free text needs a trained NLU model" in result.output and "Hello!" in result.output


def test_the_chat_says_when_no_server_answers() -> None:
    result = CliRunner().invoke(app, ["chat", "--server", "127.0.0.1:9", "--wait", "0.5"])
    assert result.exit_code == 1 and "no dialogue server answered at 127.0.0.1:9" in result.output


@pytest.mark.slow
def test_the_node_client_runs_the_whole_conversation(tmp_path: Path, bundled_models) -> None:
    if shutil.which("node") is None or not (NODE / "node_modules").is_dir():
        pytest.skip("needs node and `npm ci` in examples/node (.ci/run does it)")
    with ServerProcess.dialogue(["restaurant"], tmp_path / "server.log", "--db", f"sqlite:///{tmp_path / 'd.db'}",
                                "--models", str(bundled_models), "--token", "s3cret") as server:
        done = subprocess.run(["node", "client.js", server.target], cwd=NODE, capture_output=True, text=True,
                              timeout=120, env={**os.environ, "DIALOGUE_TOKEN": "s3cret"})
    assert done.returncode == 0, done.stderr
    assert "Your table is booked" in done.stdout and "is updated" in done.stdout
    assert "conversation ended after 15 turns" in done.stdout


def test_serve_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    runner = CliRunner()
    twice = runner.invoke(app, ["serve", "restaurant", "restaurant"])
    assert twice.exit_code == 2 and "domain restaurant is given more than once" in twice.output
    half = runner.invoke(app, ["serve", "restaurant", "--tls-cert", __file__])
    assert half.exit_code == 2 and "TLS needs both --tls-cert and --tls-key" in half.output


def test_serve_defaults_are_the_servers() -> None:
    """`dialogue serve` repeats the server's defaults (it imports the server only once it runs): they must agree."""
    import inspect

    from dialogue.cli.serve import serve
    from dialogue.server.app import Options
    from dialogue.server.batching import MOST

    given = {name: parameter.default.default for name, parameter in inspect.signature(serve).parameters.items()}
    server = Options()
    assert given["nlu_batch"] == MOST
    assert (given["keepalive"], given["keepalive_timeout"], given["client_ping"]) == (
        server.keepalive_s, server.keepalive_timeout_s, server.client_ping_s)
    assert (given["host"], given["port"], given["max_message_bytes"], given["max_calls"], given["grace"]) == (
        server.host, server.port, server.max_message_bytes, server.max_calls, server.grace_s)
    assert (given["max_client_calls"], given["max_health_calls"]) == (server.max_client_calls,
                                                                      server.max_health_calls)


def test_serve_says_when_its_port_is_taken_by_another_server(tmp_path: Path) -> None:
    """A second server on a port in use is refused, rather than sharing the port (and its clients) with the
    first (gRPC's SO_REUSEPORT)."""
    import sys

    with ServerProcess.dialogue(["banking"], tmp_path / "first.log", "--db", f"sqlite:///{tmp_path / 'a.db'}",
                                "--models", str(tmp_path)) as first:
        done = subprocess.run([sys.executable, "-m", "dialogue", "serve", "restaurant", "--port", str(first.port),
                               "--db", f"sqlite:///{tmp_path / 'b.db'}", "--models", str(tmp_path)],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"error: cannot listen on 127.0.0.1:{first.port} (is another server using the port?)" in done.stderr


@pytest.mark.slow
def test_bench_grpc_json(bundled_models) -> None:
    import json

    args = ["bench", "grpc", "--sessions", "1", "--sessions", "4", "--seconds", "1", "--models", str(bundled_models),
            "--nlu-batch", "2", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    runs = {(run["kind"], run["sessions"]): run for run in report["runs"]}
    assert set(runs) == {(kind, n) for kind in ("echo", "structured", "free_text") for n in (1, 4)}
    assert all(run["turns"] > 0 and run["errors"] == 0 and run["p50_ms"] <= run["p99_ms"] for run in runs.values())
    assert all(run["server_cpu_ms_per_call"] > 0 and run["client_cpu_ms_per_call"] > 0 for run in runs.values())
    assert report["nlu_alone"]["per_s"] > 0 and report["response_bytes"] > 100
    after = report["nlu_alone"]["per_s_after"]  # the NLU alone after each free-text level, its ceiling
    assert set(after) == {"1", "4"} and min(after.values()) <= report["nlu_alone"]["per_s"] <= max(after.values())
    assert report["ratios"]["free_text_to_nlu"]["4"]["throughput"] == round(runs[("free_text", 4)]["turns_per_s"]
                                                                            / after["4"], 3)
    assert report["server_nlu_batch"] == 2
    assert set(report["ratios"]["structured_to_echo"]) == set(report["ratios"]["free_text_to_nlu"]) == {"1", "4"}
    alone = report["in_process"]  # the engine's CPU a turn without gRPC, against the server's
    assert 0 < alone["structured_cpu_ms"] < alone["free_text_cpu_ms"]
    assert report["ratios"]["structured_cpu"]["4"] == round(
        runs[("structured", 4)]["server_cpu_ms_per_call"]
        / (alone["structured_cpu_ms"] + runs[("echo", 4)]["server_cpu_ms_per_call"]), 3)
    assert report["ratios"]["free_text_cpu"]["1"] == round(runs[("free_text", 1)]["server_cpu_ms_per_call"]
                                                           / alone["free_text_cpu_ms"], 3)


def test_bench_grpc_processes_json(monkeypatch) -> None:
    """Real servers of one and two processes on SQLite, the load from a process of its own."""
    import json

    monkeypatch.delenv("DIALOGUE_BENCH_POSTGRES_URL", raising=False)
    result = CliRunner().invoke(app, ["bench", "grpc", "--processes", "2", "--rounds", "1", "--sessions", "8",
                                      "--connections", "4", "--seconds", "1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    runs = {run["processes"]: run for run in report["runs"]}
    assert set(runs) == {1, 2} and report["target_speedup"] == 1.6 and report["store"] == "sqlite"
    assert all(run["turns"] > 0 and run["errors"] == 0 and run["server_cpu_ms_per_call"] > 0
               and run["load_cpu_ms_per_call"] > 0 for run in runs.values())
    assert report["speedups"] == [round(runs[2]["turns_per_s"] / runs[1]["turns_per_s"], 3)]


def test_bench_grpc_flood_json(monkeypatch) -> None:
    """A real server, a victim session alone then under a flooding client in a process of its own (SQLite only)."""
    import json

    monkeypatch.delenv("DIALOGUE_BENCH_POSTGRES_URL", raising=False)
    result = CliRunner().invoke(app, ["bench", "grpc", "--flood", "--seconds", "1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    sqlite = report["stores"]["sqlite"]
    assert set(report["stores"]) == {"sqlite"} and report["postgresql"].startswith("skipped")
    for run in (sqlite["alone"], sqlite["flooded"]):
        assert run["victim_turns"] > 0 and 0 < run["p50_ms"] <= run["p99_ms"]
    assert sum(sqlite["flooded"]["flood_per_s"].values()) > 0
    assert sqlite["p99_ratio"] == round(sqlite["flooded"]["p99_ms"] / sqlite["alone"]["p99_ms"], 2)
    assert report["in_flight"] == 64 and report["target_p99_ratio"] == 3.0
