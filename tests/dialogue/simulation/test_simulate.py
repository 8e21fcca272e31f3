"""The simulator against the bundled domains with their trained NLU: the CI gate, determinism across
ways of running, and `dialogue simulate` end to end (report, failures as tests, --min-success)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from dialogue.bench.simulate import content
from dialogue.cli import app
from dialogue.domains import load_domain
from dialogue.domains.schema import ConversationFile
from dialogue.example_services import bank
from dialogue.nlu.understander import Understander
from dialogue.simulation.conversation import SimulationSettings
from dialogue.simulation.runner import build, run_local, run_processes
from dialogue.testing import run_test

GATE = {"restaurant": 0.9, "banking": 0.9, "telco_ivr": 0.9}
"""Task success each bundled domain must keep on the gate's small seeded run (the 1,000-conversation
figures are in BENCHMARKS.md)."""
runner = CliRunner()


@pytest.mark.parametrize("name", sorted(GATE))
def test_gate_small_seeded_simulation(bundled_models: Path, name: str) -> None:
    simulator = build(SimulationSettings(domain=name, models=str(bundled_models), seed=7))
    logs = run_local(simulator, 40, lambda _: None)
    success = sum(log.success for log in logs) / len(logs)
    failed = [(log.index, log.reasons) for log in logs if not log.success]
    assert success >= GATE[name], failed
    assert len({log.scenario.goal.describe() for log in logs}) >= 3
    again = run_local(build(SimulationSettings(domain=name, models=str(bundled_models), seed=7)), 10, lambda _: None)
    assert content(again) == content(logs[:10])


def test_worker_processes_give_the_single_process_conversations(bundled_models: Path) -> None:
    settings = SimulationSettings(domain="restaurant", models=str(bundled_models), seed=3, noise=0.1)
    alone = run_local(build(settings), 12, lambda _: None)
    spread = run_processes(settings, 12, 2, lambda _: None)
    assert content(spread) == content(alone)


def test_ray_gives_the_single_process_conversations(bundled_models: Path) -> None:
    pytest.importorskip("ray")
    from dialogue.simulation.runner import run_ray

    settings = SimulationSettings(domain="banking", models=str(bundled_models), seed=5)
    alone = run_local(build(settings), 10, lambda _: None)
    bank.reset()  # the same bank as the first run found (its transfers moved money)
    assert content(run_ray(settings, 10, 2, None, lambda _: None)) == content(alone)


def test_cli_simulate_report_failures_and_gate(bundled_models: Path, tmp_path: Path) -> None:
    report, failures = tmp_path / "report", tmp_path / "failures.yaml"
    args = ["simulate", "restaurant", "-n", "12", "--seed", "2", "--noise-levels", "0,0.3", "--models",
            str(bundled_models), "--report", str(report), "--save-failures", str(failures), "--json"]
    result = runner.invoke(app, [*args, "--min-success", "1.0"])
    metrics = json.loads(result.stdout)
    assert result.exit_code == (0 if metrics["success_rate"] == 1.0 else 1)
    assert metrics["conversations"] == 12 and set(metrics["by_noise"]) == {"0.0", "0.3"}
    for key in ("slot_precision", "slot_recall", "intent_accuracy", "slot_f1", "fallback_rate", "llm_call_rate",
                "handoff_rate", "latency_ms", "turns_per_conversation"):
        assert key in metrics
    assert 0 < metrics["intent_accuracy"] <= 1 and metrics["latency_ms"]["p50"] > 0
    for name in ("transcripts.jsonl", "metrics.json", "index.html", "success_by_task.png", "success_by_noise.png",
                 "turns.png", "latency.png"):
        assert (report / name).stat().st_size > 0, name
    lines = (report / "transcripts.jsonl").read_text().splitlines()
    assert len(lines) == 12 and json.loads(lines[0])["turns"]
    tests = ConversationFile.model_validate(yaml.safe_load(failures.read_text()))
    assert len(tests.tests) == round(12 * (1 - metrics["success_rate"]))
    domain = load_domain("restaurant")
    nlu = Understander.for_domain(domain, bundled_models)
    for test in tests.tests:  # each reproduces its failure: a regression test until the bug is fixed
        assert not run_test(domain, test, nlu=nlu).passed
    gate = runner.invoke(app, [*args[:-1], "--json", "--min-success", "0"])
    assert gate.exit_code == 0


def test_cli_says_what_cannot_be_simulated(write_domain) -> None:
    path = write_domain("""
        version: 1
        name: notes
        slots: {note: {type: text}}
        intents: {leave_note: [leave a note, I want to leave a message, take a note please]}
        tasks:
          leave_note:
            triggers: [leave_note]
            policy: frame
            slots: [{slot: note}]
            on_complete: [respond: done]
        responses: {ask_note: [What should the note say?], done: [Noted.]}
    """)
    result = runner.invoke(app, ["simulate", str(path), "-n", "3"])
    assert result.exit_code == 1
    assert "slot 'note'" in result.output and "Traceback" not in result.output
    bad = runner.invoke(app, ["simulate", str(path), "--behaviour", "shout=1"])
    assert bad.exit_code == 2 and "names:" in bad.output
    alone = runner.invoke(app, ["simulate", str(path), "--server-db", "sqlite:///x.db"])
    assert alone.exit_code == 2 and "give --server too" in alone.output


def test_ray_without_an_address_is_a_local_ray() -> None:
    from dialogue.cli.simulate import with_ray_address

    assert with_ray_address(["simulate", "x", "--ray"]) == ["simulate", "x", "--ray", "local"]
    assert with_ray_address(["simulate", "x", "--ray", "-n", "3"]) == ["simulate", "x", "--ray", "local", "-n", "3"]
    assert with_ray_address(["simulate", "x", "--ray", "ray://h:1"]) == ["simulate", "x", "--ray", "ray://h:1"]


def test_against_a_running_server_over_grpc(bundled_models: Path) -> None:
    """The same users against a real gRPC server (a load test), judged from the turns' actions."""
    from dialogue.engine import Engine
    from dialogue.simulation.runner import run_server
    from tests.server.conftest import Running

    domain = load_domain("telco_ivr")
    server = Running([Engine(domain, nlu=Understander.for_domain(domain, bundled_models))])
    try:
        settings = SimulationSettings(domain="telco_ivr", models=str(bundled_models), seed=4)
        logs, not_drawn = run_server(settings, 8, server.target, None, lambda _: None)
    finally:
        server.stop()
    assert len(logs) == 8 and all(log.turns and log.turns[0].kind == "start" for log in logs)
    assert sum(log.success for log in logs) >= 7
    assert all(not log.scenario.fixtures for log in logs) and set(not_drawn) <= {"pay_bill"}  # it looks up the bill


def test_against_a_server_with_its_database_each_conversation_gets_rows_of_its_own(bundled_models: Path,
                                                                                    tmp_path: Path) -> None:
    """Every conversation of a run, and of the runs before, shares the server's database. Given it, goals bound to
    a seeded user get copies of that user's rows under a user of their own, written there before the
    conversation: a run again with the same seed succeeds as the first did (before, the cards the first run
    blocked and the daily limits it used up failed the second), and the seeded rows stay as seeded. Without
    it, such goals are not drawn."""
    from dialogue.dm.sql import SqlStore
    from dialogue.simulation.judge import snapshot
    from dialogue.simulation.runner import run_server

    domain = load_domain("banking")
    url = f"sqlite:///{tmp_path / 'server.db'}"
    store = SqlStore(url)
    server = _serving(domain, bundled_models, store)
    settings = SimulationSettings(domain="banking", models=str(bundled_models), seed=3)
    try:
        runs = [run_server(settings, 24, server.target, None, lambda _: None, url) for _ in range(2)]
        alone, not_drawn = run_server(settings, 8, server.target, None, lambda _: None)
    finally:
        server.stop()
    for logs, skipped in runs:
        assert skipped == {} and sum(log.success for log in logs) >= 22
        assert sum(bool(log.scenario.fixtures) for log in logs) >= 4  # the lost cards: rows of their own
        assert all(log.scenario.user_id.startswith("sim-3-") for log in logs)
    assert [log.success for log in runs[0][0]] == [log.success for log in runs[1][0]]

    def seeded_users(rows: dict[str, list[dict]]) -> list:
        return sorted((table, sorted((k, v) for k, v in row.items() if k != "id" and v is not None))
                      for table, found in rows.items() for row in found if row.get("user_id") in ("alice", "tester"))

    kept = {table: list(rows.values()) for table, rows in snapshot(store.tables(domain)).items()}
    assert seeded_users(kept) == seeded_users({table: spec.seed for table, spec in domain.memory.tables.items()})
    assert all(not log.scenario.fixtures for log in alone) and set(not_drawn) <= {"check_balance", "report_lost_card",
                                                                                    "transfer_money"} and not_drawn


def test_a_database_that_is_not_the_servers_is_refused_before_anything_is_written(bundled_models: Path,
                                                                                 tmp_path: Path) -> None:
    from dialogue.dm.sql import SqlStore
    from dialogue.simulation.runner import run_server

    domain = load_domain("banking")
    empty, other = tmp_path / "empty.db", tmp_path / "other.db"
    empty.touch()
    SqlStore(f"sqlite:///{other}").tables(domain)  # the engine's and the domain's tables, but no server uses it
    server = _serving(domain, bundled_models, SqlStore(f"sqlite:///{tmp_path / 'server.db'}"))
    settings = SimulationSettings(domain="banking", models=str(bundled_models))
    try:
        with pytest.raises(RuntimeError, match="there is no database file there"):
            run_server(settings, 2, server.target, None, lambda _: None, f"sqlite:///{tmp_path / 'missing.db'}")
        with pytest.raises(RuntimeError, match="not the database of a server hosting 'banking': it has no table"):
            run_server(settings, 2, server.target, None, lambda _: None, f"sqlite:///{empty}")
        with pytest.raises(RuntimeError, match=r"not the database of the server at .*: the session it has just kept"):
            run_server(settings, 2, server.target, None, lambda _: None, f"sqlite:///{other}")
    finally:
        server.stop()
    assert sa.inspect(sa.create_engine(f"sqlite:///{empty}")).get_table_names() == []
    assert not list(tmp_path.glob("missing.db*"))


def _serving(domain, models: Path, store):
    """A real server hosting the domain with its trained NLU, on the store."""
    from dialogue.engine import Engine
    from tests.server.conftest import Running

    return Running([Engine(domain, nlu=Understander.for_domain(domain, models), store=store)])
