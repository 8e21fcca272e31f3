"""`dialogue simulate`: simulated users talk to a domain; task success and NLU in dialogue."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from dialogue.cli.common import (
    DomainArg,
    JsonOption,
    ModelsOption,
    WithExamplesOption,
    console,
    errors,
    examples_running,
    fail,
    iso_time,
    load,
    models_root,
    print_json,
    usage_error,
    writable,
)
from dialogue.paths import data_home


def simulate(
        domain: str = DomainArg,
        conversations: int = typer.Option(100, "--conversations", "-n", min=1, help="Conversations to simulate."),
        seed: int = typer.Option(0, help="The same seed gives the same conversations, however they are run."),
        noise: float = typer.Option(0.0, min=0, max=1, help="Rate of ASR-style errors, typos and lost case and "
                                                             "punctuation in user text."),
        noise_levels: str | None = typer.Option(None, help="Comma-separated noise rates the conversations are "
                                                           "spread over (for success against noise), e.g. "
                                                           "0,0.05,0.1,0.2; overrides --noise."),
        behaviour: str | None = typer.Option(None, help="Rates of user behaviours over the defaults, e.g. "
                                                        "interrupt=0.3,cancel=0 (see docs/simulation.md)."),
        channel: str = typer.Option("auto", help="text, voice, or auto (voice for phone-line domains)."),
        now: str = typer.Option("2026-11-25T10:00:00", help="The simulated clock (dates are drawn after it)."),
        max_turns: int = typer.Option(30, min=2, help="Turns after which a conversation is given up."),
        workers: int = typer.Option(1, min=1, help="Worker processes (with --ray: Ray actors)."),
        ray: str | None = typer.Option(None, "--ray", help="Run on Ray: a cluster ADDRESS, or `--ray` alone "
                                                           "(or `--ray local`) for a local Ray on this machine."),
        server: str | None = typer.Option(None, "--server", help="HOST:PORT of a dialogue server hosting the domain: "
                                                                 "simulate against it over gRPC (a load test)."),
        token: str | None = typer.Option(None, envvar="DIALOGUE_TOKEN", help="The server's token (with --server)."),
        server_db: str | None = typer.Option(None, "--server-db", help="With --server: the server's database URL "
                                                                       "(its --db), where each conversation that "
                                                                       "needs rows of its own gets them; without "
                                                                       "it such goals are not drawn."),
        llm_paraphrase: bool = typer.Option(False, "--llm-paraphrase",
                                            help="Paraphrase user turns with the domain's LLM backend (nlg.llm), "
                                                 "cached in the data folder."),
        paraphrase_rate: float = typer.Option(0.2, min=0, max=1, help="Share of text turns paraphrased "
                                                                      "(with --llm-paraphrase)."),
        min_success: float | None = typer.Option(None, min=0, max=1, help="Exit 1 when task success is lower "
                                                                           "(a CI gate)."),
        report: Path | None = typer.Option(None, "--report", help="Write transcripts, metrics, plots and an HTML "
                                                                  "page to this folder."),
        save_failures: Path | None = typer.Option(None, "--save-failures",
                                                  help="Write failed conversations as conversation tests here."),
        with_examples: bool = WithExamplesOption,
        models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Simulated users with goals drawn from the domain talk to it; task success judged from the database."""
    from dialogue.nlg.llm import LlmUnavailable
    from dialogue.simulation.behaviour import Behaviour
    from dialogue.simulation.conversation import SimulationSettings
    from dialogue.simulation.failures import write_failures
    from dialogue.simulation.goals import GoalError
    from dialogue.simulation.metrics import summarise
    from dialogue.simulation.report import write_report
    from dialogue.simulation.runner import build, run_local, run_processes, run_ray

    loaded = load(domain)
    if server_db is not None and server is None:
        usage_error("--server-db is the database of the server given with --server; give --server too")
    if channel not in ("auto", "text", "voice"):
        usage_error(f"--channel: '{channel}' is not text, voice or auto")
    iso_time(now)
    writable(report, "--report", folder=True)
    writable(save_failures, "--save-failures")
    levels = _noise_levels(noise_levels)
    try:
        rates = Behaviour.parse(behaviour)
    except ValueError as err:
        usage_error(str(err))
    source = str(Path(domain).resolve()) if Path(domain).exists() else domain
    root = models_root(models, must_exist=True)
    settings = SimulationSettings(domain=source, models=str(root), seed=seed, noise=noise, noise_levels=levels,
                                  behaviour=rates, channel=channel, now=now, max_turns=max_turns,
                                  paraphrase=paraphrase_rate if llm_paraphrase else 0.0,
                                  paraphrase_cache=f"sqlite:///{data_home() / 'simulation-llm-cache.db'}")
    if llm_paraphrase:
        data_home().mkdir(parents=True, exist_ok=True)
    try:
        simulator = build(settings)
    except LlmUnavailable as err:
        fail(f"--llm-paraphrase: {err}")
    except GoalError as err:
        fail(f"cannot simulate {loaded.name}: {err}")
    if simulator.nlu is None and server is None:
        fail(f"no trained NLU model for '{loaded.name}'; train one with `dialogue train {loaded.argument}` "
             "(simulated users speak free text)")
    not_drawn: dict[str, int] = {}
    started = time.perf_counter()
    columns = [TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with examples_running(with_examples), \
            Progress(*columns, console=errors, transient=True, disable=as_json) as progress:
        bar = progress.add_task("simulating", total=conversations)

        def advance(count: int) -> None:
            progress.advance(bar, count)
        if server is not None:
            logs, not_drawn = _remote(settings, conversations, server, token, server_db, advance)
        elif ray is not None:
            logs = run_ray(settings, conversations, workers, None if ray == "local" else ray, advance)
        elif workers > 1:
            logs = run_processes(settings, conversations, workers, advance)
        else:
            logs = run_local(simulator, conversations, advance)
    seconds = time.perf_counter() - started
    metrics = {"domain": loaded.name, "seed": seed, "noise": levels or noise, "channel": simulator.channel,
               "workers": workers, "runner": ("server" if server else "ray" if ray is not None
                                              else "processes" if workers > 1 else "local"),
               "behaviour": dataclasses.asdict(rates), **summarise(logs), **_paraphrased(simulator, ray, workers),
               **({"goals_not_drawn": not_drawn} if server is not None else {}),
               "seconds": round(seconds, 2),
               "conversations_per_minute": round(len(logs) / seconds * 60, 1), "min_success": min_success}
    if report is not None:
        write_report(report, logs, metrics)
    if save_failures is not None:
        count = write_failures(save_failures, loaded, logs, now)
        errors.print(f"wrote {count} failed conversation(s) as tests to {save_failures}", highlight=False)
    if as_json:
        print_json(metrics)
    else:
        _summary(metrics)
        if report is not None:
            console.print(f"report: {report / 'index.html'}", highlight=False)
    if min_success is not None and metrics["success_rate"] < min_success:
        fail(f"task success {metrics['success_rate']:.1%} is below --min-success {min_success:.1%}")


def _noise_levels(text: str | None) -> list[float]:
    """The --noise-levels rates: numbers between 0 and 1."""
    levels = []
    for part in text.split(",") if text else []:
        try:
            level = float(part)
        except ValueError:
            level = float("nan")
        if not 0 <= level <= 1:
            usage_error(f"--noise-levels: '{part}' is not a rate between 0 and 1")
        levels.append(level)
    return levels


def _paraphrased(simulator, ray: str | None, workers: int) -> dict:
    """How many paraphrases the LLM wrote and were kept (counted in this process only)."""
    paraphraser = simulator.paraphraser
    if paraphraser is None or ray is not None or workers > 1:
        return {}
    return {"paraphrase": {"llm_calls": paraphraser.calls, "kept": paraphraser.kept}}


def with_ray_address(argv: list[str]) -> list[str]:
    """`--ray` given without an address means a local Ray: the command line gets `--ray local`."""
    if "simulate" not in argv:
        return argv
    out = []
    for position, arg in enumerate(argv):
        out.append(arg)
        following = argv[position + 1] if position + 1 < len(argv) else None
        if arg == "--ray" and (following is None or following.startswith("-")):
            out.append("local")
    return out


def _remote(settings, conversations: int, server: str, token: str | None, server_db: str | None,
            advance) -> tuple[list, dict[str, int]]:
    from dialogue.client import ServerError
    from dialogue.simulation.goals import GoalError
    from dialogue.simulation.runner import run_server

    try:
        logs, not_drawn = run_server(settings, conversations, server, token, advance, server_db)
    except (ServerError, RuntimeError, GoalError) as err:
        fail(str(err))
    if not_drawn:
        tasks = ", ".join(f"{task} ({count})" for task, count in sorted(not_drawn.items()))
        errors.print(f"note: goals that need rows of their own in the server's database were not drawn: {tasks}; "
                     "give the server's database with --server-db to include them", highlight=False, markup=False)
    return logs, not_drawn


def _summary(m: dict) -> None:
    table = Table(title=f"Simulation of {m['domain']}: {m['conversations']} conversations, seed {m['seed']}, "
                        f"noise {m['noise']}, {m['channel']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [("task success", f"{m['success_rate']:.1%}"), ("turns per conversation", f"{m['turns_per_conversation']}"),
            ("slot precision / recall", f"{m['slot_precision']:.3f} / {m['slot_recall']:.3f}"),
            ("NLU intent accuracy", f"{m['intent_accuracy']:.3f}"), ("NLU slot F1", f"{m['slot_f1']:.3f}"),
            ("fallback rate (per turn)", f"{m['fallback_rate']:.3f}"),
            ("LLM-call rate (per turn)", f"{m['llm_call_rate']:.3f}"), ("handoff rate", f"{m['handoff_rate']:.3f}"),
            ("latency per turn p50 / p99", f"{m['latency_ms']['p50']:.2f} / {m['latency_ms']['p99']:.2f} ms"),
            ("conversations per minute", f"{m['conversations_per_minute']:.0f} ({m['runner']}, "
                                         f"{m['workers']} worker(s))")]
    for task, figures in m["by_task"].items():
        rows.append((f"  success: {task}", f"{figures['success_rate']:.1%} of {figures['conversations']}"))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
