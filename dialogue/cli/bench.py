"""`dialogue bench ...`: benchmarks whose figures go to BENCHMARKS.md."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from dialogue.bench.store import WINDOW
from dialogue.cli.common import JsonOption, ModelsOption, console, errors, fail, load, models_root, print_json
from dialogue.domains import bundled_domains


def policy(domains: list[str] | None = typer.Argument(None, help="Domains (default: all bundled)."),
           rounds: int = typer.Option(200, help="Times each scripted conversation is replayed."),
           as_json: bool = JsonOption) -> None:
    """Per-turn engine time without NLU (p50, p99) over the domains' scripted conversations."""
    from dialogue.bench.policy import baseline, bench_domain, summary

    loaded = [load(d) for d in (domains or [str(p) for p in bundled_domains()])]
    reports, samples = [], []
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("replaying conversations", total=rounds * len(loaded) + len(loaded) + 1)
        reference = summary(baseline(rounds * 20))
        progress.advance(task)
        for domain in loaded:
            report, turns = bench_domain(domain, rounds, lambda: progress.advance(task))
            report["ratio_to_baseline"] = round(report["p50_ms"] / reference["p50_ms"], 2)
            reports.append(report)
            samples += turns
    overall = summary(samples)
    overall["ratio_to_baseline"] = round(overall["p50_ms"] / reference["p50_ms"], 2)
    result = {"benchmark": "policy", "rounds": rounds, "baseline": reference, "domains": reports, "all": overall,
              "target_p50_ms": 0.3}
    if as_json:
        print_json(result)
        return
    table = Table(title="Engine time per turn without NLU (ms); baseline: /greet on an empty domain")
    for column in ("domain", "conversations", "turns", "p50", "p99", "mean", "p50 / baseline"):
        table.add_column(column, justify="right")
    for r in [{**reference, "domain": "baseline", "conversations": "", "ratio_to_baseline": 1.0},
              *reports, {**overall, "domain": "all", "conversations": ""}]:
        table.add_row(r["domain"], str(r["conversations"]), str(r["turns"]), f"{r['p50_ms']:.3f}",
                      f"{r['p99_ms']:.3f}", f"{r['mean_ms']:.3f}", f"{r['ratio_to_baseline']:.2f}")
    console.print(table)
    console.print(f"target: p50 <= {result['target_p50_ms']} ms per turn", style="dim")


def nlu(model6: Path = typer.Option(..., "--model6", help="6-layer model folder (dialogue train --dataset)."),
        model3: Path = typer.Option(..., "--model3", help="3-layer model folder (trained with --layers 3)."),
        dataset: Path = typer.Option(Path("../shared/data/snips"), help="JointBERT dataset whose test split is used."),
        utterances: int | None = typer.Option(None, min=60, help="Only the first N test utterances."),
        domain: str = typer.Option("restaurant", help="Domain for the CLI cold start and the cost of reading a "
                                                      "message in context (needs a trained model)."),
        models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """NLU latency (p50, p99) one utterance at a time, and utterances/s at batch 1 and 32."""
    from dialogue.bench import nlu as bench
    from dialogue.nlu.data import Labels
    from dialogue.nlu.runtime import OnnxJointModel
    from dialogue.nlu.torch_runtime import TorchJointModel
    from dialogue.nlu.understander import Understander

    texts = bench.snips_texts(dataset, utterances)
    labels = Labels.load(model6 / "labels.json")
    stand_in = bench.dataset_domain(labels)
    variants = {
        "pytorch eager, 6 layers": lambda: TorchJointModel.from_folder(model6),
        "onnx fp32, 6 layers": lambda: OnnxJointModel(model6, quantized=False),
        "onnx int8, 6 layers": lambda: OnnxJointModel(model6, quantized=True),
        "onnx fp32, 3 layers": lambda: OnnxJointModel(model3, quantized=False),
        "onnx int8, 3 layers": lambda: OnnxJointModel(model3, quantized=True),
    }
    domain_nlu = Understander.for_domain(load(domain), models_root(models))
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("measuring", total=len(variants) + 4)
        load_seconds = bench.load_to_first_parse(model6, stand_in, texts[0])
        progress.advance(task)
        understanders = {name: Understander(stand_in, build()) for name, build in variants.items()}
        measured = bench.latencies({name: lambda t, u=u: u.parse(t, now=bench.NOW)
                                    for name, u in understanders.items()}, texts)
        progress.advance(task)
        rows = []
        for name, variant in understanders.items():
            rows.append({"model": name, **measured[name],
                         "per_second_batch_1": bench.throughput(variant, texts, 1),
                         "per_second_batch_32": bench.throughput(variant, texts, 32)})
            progress.advance(task)
        cold = bench.cli_cold_start(domain, models_root(models), "book a table for two tomorrow at 7pm")
        progress.advance(task)
        context = None if domain_nlu is None else bench.in_context(domain_nlu, bench.domain_texts(domain_nlu.domain,
                                                                                                  600))
        progress.advance(task)
    eager = rows[0]["p50_ms"]
    for row in rows:
        row["speedup_p50_vs_eager"] = round(eager / row["p50_ms"], 2)
    result = {"benchmark": "nlu", "utterances": len(texts), "threads": os.cpu_count(), "variants": rows,
              "load_to_first_parse_s": load_seconds, "cli_cold_start_s": cold, "in_context": context,
              "targets": {"int8_6_layers_p50_ms": 2.5, "int8_6_layers_p99_ms": 6, "speedup_vs_eager": 3,
                          "int8_3_layers_p50_ms": 1.5, "load_to_first_parse_s": 1}}
    if as_json:
        print_json(result)
        return
    table = Table(title=f"NLU per utterance on {len(texts)} SNIPS test utterances (ms), everything included")
    for column in ("model", "p50", "p99", "mean", "p50 speedup vs eager", "utt/s batch 1", "utt/s batch 32"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(r["model"], f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['mean_ms']:.2f}",
                      f"{r['speedup_p50_vs_eager']:.2f}x", f"{r['per_second_batch_1']:.0f}",
                      f"{r['per_second_batch_32']:.0f}")
    console.print(table)
    console.print(f"model load to first parse: {load_seconds:.3f} s; CLI cold start (dialogue parse {domain}): "
                  f"{'n/a (no trained model)' if cold is None else f'{cold:.2f} s'}", highlight=False)
    if context is not None:
        console.print(f"{domain}'s model, p50 per text of its examples: " + ", ".join(
            f"{name} {figures['p50_ms']:.2f} ms" for name, figures in context.items()), highlight=False)

PostgresOption = typer.Option(None, "--postgres", envvar="DIALOGUE_BENCH_POSTGRES_URL",
                              help="A PostgreSQL URL; the bench works in a scratch schema there and drops it "
                                   "(PostgreSQL is skipped without one).")


def _flood(loaded: Any, source: str, seconds: float, postgres: str | None, as_json: bool) -> None:
    import tempfile
    from contextlib import ExitStack

    from dialogue.bench import flood
    from dialogue.dm.sql import scratch_schema

    with ExitStack() as stack, Progress(console=errors, transient=True) as progress:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dialogue-bench-flood-")))
        stores = {"sqlite": f"sqlite:///{folder / 'bench.db'}"}
        if postgres:
            stores["postgresql"] = stack.enter_context(scratch_schema(postgres, prefix="dialogue_bench"))
        task = progress.add_task("alone, then under the flood", total=2 * len(stores))
        result = flood.run(loaded, source, stores, seconds=seconds, folder=folder,
                           tick=lambda: progress.advance(task))
    result["postgresql"] = "measured" if postgres else "skipped: give --postgres URL or DIALOGUE_BENCH_POSTGRES_URL"
    if as_json:
        print_json(result)
        return
    table = Table(title=f"One session's turns (ms) alone and while another keeps {flood.IN_FLIGHT} in flight")
    for column in ("store", "p50 alone", "p99 alone", "p50 flooded", "p99 flooded", "p99 ratio", "flood per s"):
        table.add_column(column, justify="right")
    for name, figures in result["stores"].items():
        alone, flooded = figures["alone"], figures["flooded"]
        table.add_row(name, f"{alone['p50_ms']:.2f}", f"{alone['p99_ms']:.2f}", f"{flooded['p50_ms']:.2f}",
                      f"{flooded['p99_ms']:.2f}", f"{figures['p99_ratio']:.2f}",
                      ", ".join(f"{code} {rate}" for code, rate in flooded["flood_per_s"].items()))
    console.print(table)
    console.print(f"target: p99 ratio <= {result['target_p99_ratio']}", style="dim")


def _processes(loaded: Any, source: str, processes: int, *, rounds: int, sessions: int, seconds: float,
               connections: int, postgres: str | None, as_json: bool) -> None:
    import tempfile

    from dialogue.bench import scaling

    with Progress(console=errors, transient=True) as progress, \
            tempfile.TemporaryDirectory(prefix="dialogue-bench-processes-") as folder:
        task = progress.add_task(f"1 and {processes} processes, {rounds} rounds", total=2 * rounds)
        result = scaling.run(loaded, source, processes, rounds=rounds, sessions=sessions, seconds=seconds,
                             connections=connections, folder=Path(folder), postgres=postgres,
                             tick=lambda: progress.advance(task))
    if as_json:
        print_json(result)
        return
    table = Table(title=f"Structured turns over gRPC on {result['store']}, {sessions} sessions on {connections} "
                        f"connections, the load from its own process ({result['cpus']} CPUs shared by all)")
    for column in ("round", "processes", "turns/s", "p50 ms", "p99 ms", "errors", "CPU ms a turn: server, load"):
        table.add_column(column, justify="right")
    for run in result["runs"]:
        table.add_row(str(run["round"]), str(run["processes"]), f"{run['turns_per_s']:.0f}", f"{run['p50_ms']:.2f}",
                      f"{run['p99_ms']:.2f}", str(run["errors"]),
                      f"{run['server_cpu_ms_per_call']:.3f}, {run['load_cpu_ms_per_call']:.3f}")
    console.print(table)
    console.print(f"{processes} processes against 1, turns/s: median {result['speedup_median']:.2f}x "
                  f"(rounds: {', '.join(f'{ratio:.2f}x' for ratio in result['speedups'])})", highlight=False)
    if result["target_speedup"]:
        console.print(f"target: >= {result['target_speedup']}x", style="dim")


def store(rounds: int = typer.Option(20, min=1, help="Times each scripted conversation is replayed per store."),
          length: int = typer.Option(1000, min=20, help="Turns of each long session."),
          sessions: int = typer.Option(5, min=1, help="Long sessions per store."),
          postgres: str | None = PostgresOption,
          synchronous: str = typer.Option("normal", help="SQLite's synchronous setting: normal (a commit survives "
                                                          "a crash of the process) or full (an fsync per commit)."),
          as_json: bool = JsonOption) -> None:
    """Per-turn persistence cost (p50, p99) and turns/s in memory, SQLite and PostgreSQL; turn 1 vs turn 1,000."""
    import tempfile
    from contextlib import ExitStack

    from dialogue.bench.store import conversations, long_sessions
    from dialogue.dm.sql import MemoryStore, SqlStore, scratch_schema

    loaded = [load(str(p)) for p in bundled_domains()]
    restaurant = next(domain for domain in loaded if domain.name == "restaurant")
    reports = []
    with ExitStack() as stack, Progress(console=errors, transient=True) as progress:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="dialogue-bench-"))
        stores = {"memory": MemoryStore, "sqlite": lambda: SqlStore(f"sqlite:///{folder}/bench.db?synchronous={synchronous}")}
        if postgres:
            url = stack.enter_context(scratch_schema(postgres, prefix="dialogue_bench"))
            stores["postgresql"] = lambda: SqlStore(url)
        task = progress.add_task("running turns", total=len(stores) * (len(loaded) * (rounds + 1) + sessions))
        for name, build in stores.items():
            opened = build()
            report = {"store": name, **conversations(opened, loaded, rounds, lambda: progress.advance(task)),
                      "long_session": long_sessions(opened, restaurant, sessions, length,
                                                    lambda: progress.advance(task))}
            opened.close()
            reports.append(report)
    memory = reports[0]
    for report in reports:
        report["added_turn_p50_ms"] = round(report["turn_p50_ms"] - memory["turn_p50_ms"], 4)
        report["turn_p50_to_memory"] = round(report["turn_p50_ms"] / memory["turn_p50_ms"], 2)
    result = {"benchmark": "store", "rounds": rounds, "sqlite_synchronous": synchronous, "stores": reports,
              "postgresql": "measured" if postgres else "skipped: give --postgres URL or DIALOGUE_BENCH_POSTGRES_URL",
              "target_sqlite_added_p50_ms": 1.0}
    if as_json:
        print_json(result)
        return
    table = Table(title="Per turn (ms): whole turn, and its persistence (load + store steps); baseline: memory")
    last_turns = reports[0]["long_session"]["last_turns"]
    for column in ("store", "turns", "turn p50", "turn p99", "persist p50", "persist p99", "turns/s",
                   "added p50", f"persist p50, turns 1-{WINDOW}", f"turns {last_turns}"):
        table.add_column(column, justify="right")
    for r in reports:
        long = r["long_session"]
        table.add_row(r["store"], str(r["turns"]), f"{r['turn_p50_ms']:.3f}", f"{r['turn_p99_ms']:.3f}",
                      f"{r['persist_p50_ms']:.3f}", f"{r['persist_p99_ms']:.3f}", str(r["turns_per_s"]),
                      f"{r['added_turn_p50_ms']:.3f}", f"{long['first_turns_persist_p50_ms']:.3f}",
                      f"{long['last_turns_persist_p50_ms']:.3f}")
    console.print(table)
    if not postgres:
        console.print(result["postgresql"], style="yellow", highlight=False)
    console.print(f"target: SQLite adds <= {result['target_sqlite_added_p50_ms']} ms p50 per turn", style="dim")


def grpc(domain: str = typer.Option("restaurant", help="The domain served (needs a trained NLU model)."),
         sessions: list[int] = typer.Option([1, 16, 64], "--sessions", min=1, max=1024,
                                            help="Concurrent sessions of each run (repeat the option)."),
         seconds: float = typer.Option(10.0, min=1, help="Measured seconds of each run (after 1 s of warm-up)."),
         workers: int = typer.Option(4, min=1, max=256, help="The server's --workers."),
         nlu_batch: int | None = typer.Option(None, min=1, max=256,
                                              help="The server's --nlu-batch [default: the server's]."),
         flood: bool = typer.Option(False, "--flood", help="Instead: one session's turns, one at a time, alone and "
                                                           "while another session keeps 64 turns in flight, on "
                                                           "SQLite and PostgreSQL (--postgres)."),
         postgres: str | None = PostgresOption,
         processes: int | None = typer.Option(None, "--processes", min=2, max=64,
                                              help="Instead: structured turns/s of `dialogue serve --processes N` "
                                                   "against one process, the load from a process of its own "
                                                   "(the first --sessions level; --rounds rounds; on SQLite, "
                                                   "or PostgreSQL with --postgres)."),
         rounds: int = typer.Option(3, min=1, help="With --processes: rounds of one and N processes."),
         connections: int = typer.Option(16, min=1, max=256, help="With --processes: the load's connections."),
         models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Turns/s and p50/p99 over gRPC on loopback: structured and free-text turns, against an echo server's
    and the NLU alone's ceilings measured in the same run; with --flood, whether one session's flood slows
    another; with --processes, how N server processes scale."""
    import tempfile

    from dialogue.bench import serving

    loaded = load(domain)
    if flood:
        _flood(loaded, domain, seconds, postgres, as_json)
        return
    if processes:
        _processes(loaded, domain, processes, rounds=rounds, sessions=sessions[0], seconds=seconds,
                   connections=connections, postgres=postgres, as_json=as_json)
        return
    with Progress(console=errors, transient=True) as progress, \
            tempfile.TemporaryDirectory(prefix="dialogue-bench-grpc-") as folder:
        task = progress.add_task("echo, structured, free-text runs (each followed by the NLU alone), in process",
                                 total=4 * len(sessions) + 1)
        try:
            result = serving.run(loaded, domain, models_root(models), levels=sessions, seconds=seconds,
                                 workers=workers, nlu_batch=nlu_batch, folder=Path(folder),
                                 tick=lambda: progress.advance(task))
        except (ValueError, RuntimeError) as err:
            fail(str(err))
    if as_json:
        print_json(result)
        return
    table = Table(title=f"Turns over gRPC on loopback, {domain} ({seconds:g} s a run; client and server share "
                        f"{result['cpus']} CPUs)")
    for column in ("kind", "sessions", "turns/s", "p50 ms", "p99 ms", "errors", "CPU ms/call server, client",
                   "vs ceiling"):
        table.add_column(column, justify="right")
    ratios = result["ratios"]
    for run in result["runs"]:
        ceiling = ""
        if run["kind"] == "structured":
            ratio = ratios["structured_to_echo"][run["sessions"]]
            ceiling = f"{ratio['throughput']:.0%} of echo, p99 x{ratio['p99']:.2f}"
        elif run["kind"] == "free_text":
            ceiling = f"{ratios['free_text_to_nlu'][run['sessions']]['throughput']:.0%} of NLU alone after it"
        cpu = f"{run.get('server_cpu_ms_per_call', float('nan')):.2f}, {run['client_cpu_ms_per_call']:.2f}"
        against = ratios.get(f"{run['kind']}_cpu", {}).get(run["sessions"])
        cpu += "" if against is None else f" (x{against:.2f})"
        table.add_row(run["kind"], str(run["sessions"]), f"{run['turns_per_s']:.0f}", f"{run['p50_ms']:.2f}",
                      f"{run['p99_ms']:.2f}", str(run["errors"]), cpu, ceiling)
    nlu = result["nlu_alone"]
    after = " / ".join(f"{per_s:.0f}" for per_s in nlu["per_s_after"].values())
    table.add_row("NLU alone", "1", f"{nlu['per_s']:.0f}", f"{nlu['p50_ms']:.2f}", f"{nlu['p99_ms']:.2f}", "0", "",
                  f"median; after each level {after}")
    console.print(table)
    alone = result["in_process"]
    console.print(f"in process, CPU ms a turn: structured {alone['structured_cpu_ms']:.3f}, free text (parse "
                  f"included) {alone['free_text_cpu_ms']:.3f}; (xN): the server's CPU a turn against that (plus the "
                  "echo server's a call, for structured turns)", highlight=False)
    targets = result["targets"]
    console.print(f"targets: structured >= {targets['structured_to_echo_throughput_at_64']:.0%} of echo's turns/s "
                  f"with p99 <= {targets['structured_to_echo_p99_at_64']:g}x echo's at 64 sessions; free text >= "
                  f"{targets['free_text_to_nlu_throughput']:.0%} of the NLU alone; server CPU a turn <= "
                  f"x{targets['structured_cpu']:g} (structured), x{targets['free_text_cpu']:g} (free text)",
                  style="dim", highlight=False)


def simulate(domain: str = typer.Argument("restaurant", help="The domain (needs a trained NLU model)."),
             conversations: int = typer.Option(300, "--conversations", "-n", min=10, help="Conversations per run."),
             workers: int = typer.Option(2, min=2, help="Ray workers of the scaled run (compared with 1)."),
             seed: int = typer.Option(0), noise: float = typer.Option(0.0, min=0, max=1),
             ray: bool = typer.Option(True, help="Also measure the scaling on a local Ray."),
             models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Simulated conversations per minute on one core, and the speed-up of Ray with 2 workers over 1."""
    from dialogue.bench.simulate import bench
    from dialogue.simulation.conversation import SimulationSettings

    loaded = load(domain)
    settings = SimulationSettings(domain=domain, models=str(models_root(models)), seed=seed, noise=noise)
    with Progress(console=errors, transient=True, disable=as_json) as progress:
        task = progress.add_task("simulating", total=conversations * (3 if ray else 1))
        result = bench(settings, conversations, workers, lambda n: progress.advance(task, n), with_ray=ray)
    result = {"benchmark": "simulate", "domain": loaded.name, "cores": os.cpu_count(), **result,
              "targets": {"per_minute_per_core": 200, "ray_speedup": 1.6}}
    if as_json:
        print_json(result)
        return
    table = Table(title=f"Simulation of {loaded.name}: {conversations} conversations per run, seed {seed}")
    for column in ("run", "conversations/min", "identical to in-process"):
        table.add_column(column, justify="right")
    table.add_row("in process, 1 core", f"{result['in_process']['per_minute_per_core']:.0f}", "-")
    for run in result.get("ray", []):
        table.add_row(f"Ray, {run['workers']} worker(s)", f"{run['per_minute']:.0f}",
                      str(run["identical_to_in_process"]))
    console.print(table)
    if ray:
        console.print(f"Ray speed-up, {workers} workers over 1: {result['ray_speedup']:.2f}x", highlight=False)


def nlg(domains: list[str] = typer.Argument(None, help="Domains whose free-text conversation tests are replayed "
                                                        "(default: restaurant and banking; each needs a trained "
                                                        "NLU model)."),
        max_tokens: int = typer.Option(48, min=1, help="Longest LLM answer, in tokens."),
        models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Turn latency with template NLG, with LLM rephrasing (local backend, cold and cached), time to the first
    streamed chunk, and an LLM-only turn (NLU as JSON, then the reply, same model); the LLM-only / engine ratio."""
    import tempfile

    from dialogue.bench import nlg as bench
    from dialogue.cli.common import understander
    from dialogue.dm.sql import SqlStore
    from dialogue.engine import Engine
    from dialogue.nlg.llm import Budgeted
    from dialogue.nlg.llm.local import LocalBackend

    loaded = [load(d) for d in (domains or ["restaurant", "banking"])]
    nlus = {domain.name: understander(domain, models) for domain in loaded}
    untrained = [domain for domain in loaded if nlus[domain.name] is None]
    if untrained:
        fail(f"no NLU model for {', '.join(d.name for d in untrained)}; run "
             f"`dialogue train {untrained[0].argument}` first (or give --models)")
    conversations = {domain.name: bench.free_text_conversations(domain) for domain in loaded}
    turns = sum(len([s for s in t.steps if not s.new_session]) for tests in conversations.values() for t in tests)
    started = time.perf_counter()
    backend = Budgeted(LocalBackend())
    load_s = round(time.perf_counter() - started, 2)
    runs: dict[str, list[dict]] = {"template": [], "rephrase_cold": [], "rephrase_cached": [], "llm_only": []}
    with Progress(console=errors, transient=True) as progress, \
            tempfile.TemporaryDirectory(prefix="dialogue-bench-nlg-") as folder:
        task = progress.add_task("templates, LLM rephrase cold and cached, LLM only", total=5 * turns)
        tick = lambda: progress.advance(task)  # noqa: E731
        store = SqlStore(f"sqlite:///{folder}/bench.db")
        for domain in loaded:
            tests, nlu = conversations[domain.name], nlus[domain.name]
            bench.engine_turns(Engine(domain, nlu=nlu), tests[:1], "warm-up", lambda: None)
            runs["template"] += bench.engine_turns(Engine(domain, nlu=nlu, store=store), tests, "t", tick)
            for cache, run in ((False, "rephrase_cold"), (True, "rephrase_cached")):
                llm_domain = bench.with_rephrase(domain, max_tokens=max_tokens, timeout_ms=120_000, cache=cache)
                engine = Engine(llm_domain, nlu=nlu, store=store, llm=backend)
                if cache:
                    bench.engine_turns(engine, tests, "fill", tick)
                runs[run] += bench.engine_turns(engine, tests, run, tick)
            runs["llm_only"] += bench.llm_only_turns(backend, llm_domain, tests, max_tokens, tick)
        store.close()
    reports = {name: bench.report(samples) for name, samples in runs.items()}
    engine_p50 = reports["template"]["p50_ms"]
    ratios = {f"{name}_to_template_p50": round(r["p50_ms"] / engine_p50, 1) for name, r in reports.items()}
    ratios["llm_only_to_rephrase_cached_p50"] = round(reports["llm_only"]["p50_ms"]
                                                      / reports["rephrase_cached"]["p50_ms"], 1)
    result = {"benchmark": "nlg", "domains": [d.name for d in loaded], "conversations": sum(map(len, conversations
                                                                                                  .values())),
              "turns": turns, "model": backend.model, "max_tokens": max_tokens, "model_load_s": load_s,
              "runs": reports, "ratios": ratios}
    if as_json:
        print_json(result)
        return
    table = Table(title=f"Per turn (ms) on {turns} free-text turns of {', '.join(result['domains'])}; "
                        f"LLM: {backend.model} on the CPU, up to {max_tokens} tokens")
    for column in ("run", "p50", "p99", "mean", "first chunk p50", "LLM-written", "p50 / template"):
        table.add_column(column, justify="right")
    for name, r in reports.items():
        table.add_row(name, f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", f"{r['mean_ms']:.1f}",
                      f"{r['first_chunk_p50_ms']:.1f}" if "first_chunk_p50_ms" in r else "",
                      f"{r['llm_share']:.0%}" if "llm_share" in r else "", f"{ratios[f'{name}_to_template_p50']:g}x")
    console.print(table)
    console.print(f"LLM-only turn / engine turn (templates): {ratios['llm_only_to_template_p50']:g}x; "
                  f"/ engine with cached rephrasing: {ratios['llm_only_to_rephrase_cached_p50']:g}x; "
                  f"model load {load_s} s", highlight=False)


def services(turns: int = typer.Option(2000, min=100, help="Turns of each kind in process (a)."),
             sessions: int = typer.Option(64, min=1, max=1024, help="Concurrent sessions over gRPC (b)."),
             seconds: float = typer.Option(4.0, min=1, help="Measured seconds of each gRPC run (after 1 s)."),
             rounds: int = typer.Option(3, min=1, max=99, help="gRPC rounds (b), each a run without calls, then "
                                                                "one with; the ratio is the median of the rounds'."),
             workers: int = typer.Option(4, min=1, max=256, help="The server's --workers."),
             as_json: bool = JsonOption) -> None:
    """A turn's cost of one call to a loopback service (a), and turns/s over gRPC with calls that take 50 ms
    against the same server's turns without calls (b), in alternating rounds."""
    import tempfile

    from dialogue.bench import services as bench

    with Progress(console=errors, transient=True) as progress, \
            tempfile.TemporaryDirectory(prefix="dialogue-bench-services-") as folder:
        task = progress.add_task("in process, then over gRPC", total=turns // 100 + 1 + 2 * rounds)
        try:
            result = bench.run(Path(folder), turns=turns, sessions=sessions, seconds=seconds, workers=workers,
                               rounds=rounds, tick=lambda: progress.advance(task))
        except (ValueError, RuntimeError) as err:
            fail(str(err))
    if as_json:
        print_json(result)
        return
    quick, slow = result["in_process"], result["grpc"]
    table = Table(title=f"(a) one turn in process, {quick['turns']} of each (ms)")
    for column in ("kind", "p50", "p99"):
        table.add_column(column, justify="right")
    for kind in ("with_call", "without_call", "bare_get"):
        table.add_row(kind.replace("_", " "), f"{quick[kind]['p50_ms']:.3f}", f"{quick[kind]['p99_ms']:.3f}")
    console.print(table)
    console.print(f"call overhead (p50 with - without - bare GET): {quick['call_overhead_p50_ms']:.3f} ms "
                  f"(target <= {result['targets']['call_overhead_p50_ms']} ms)")
    table = Table(title=f"(b) {slow['sessions']} sessions over gRPC, the call taking {slow['service_delay_ms']} ms "
                        f"(the median of {slow['rounds']} rounds)")
    for column in ("kind", "turns/s", "p50 ms", "p99 ms", "errors", "CPU ms/turn server, service, client"):
        table.add_column(column, justify="right")
    for kind in ("without_call", "with_call"):
        run = slow[kind]
        table.add_row(kind.replace("_", " "), f"{run['turns_per_s']:.0f}", f"{run['p50_ms']:.1f}",
                      f"{run['p99_ms']:.1f}", str(run["errors"]),
                      f"{run['server_cpu_ms_per_turn']:.2f}, {run['service_cpu_ms_per_turn']:.2f}, "
                      f"{run['client_cpu_ms_per_turn']:.2f}")
    console.print(table)
    console.print(f"with / without: {slow['throughput_ratio']:.0%}, the median of "
                  f"{', '.join(f'{ratio:.0%}' for ratio in slow['round_ratios'])} "
                  f"(target >= {result['targets']['slow_call_throughput_ratio_at_64']:.0%})")


def knowledge(passages: int = typer.Option(10_000, min=1, help="Synthetic passages in the index."),
              queries: int = typer.Option(200, min=1, help="Questions searched one at a time."),
              turns: int = typer.Option(300, min=1, help="Turns of each kind per store."),
              postgres: str | None = PostgresOption,
              seed: int = 0, models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Index build time and search p50 over N passages; the p50 of a turn answered from the FAQ (by the NLU's
    answer head, and by a search) against one answered by a template (the bundled restaurant, on SQLite and
    PostgreSQL)."""
    import tempfile
    from contextlib import ExitStack

    from dialogue.bench import knowledge as bench
    from dialogue.cli.common import knowledge_index, understander
    from dialogue.dm.sql import SqlStore, scratch_schema

    root = models_root(models, must_exist=True)
    restaurant = load("restaurant")
    nlu, index = understander(restaurant, models), knowledge_index(restaurant, models)
    if nlu is None or index is None:
        fail("the turns need the restaurant domain trained and indexed: dialogue train restaurant")
    with ExitStack() as stack, Progress(console=errors, transient=True) as progress:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dialogue-bench-")))
        task = progress.add_task("building and searching", total=None)

        def tick() -> None:
            progress.advance(task)

        large = bench.build_and_search(root, folder / "index", passages=passages, queries=queries, seed=seed,
                                       tick=tick)
        stores = {"sqlite": lambda: SqlStore(f"sqlite:///{folder}/bench.db")}
        if postgres:
            url = stack.enter_context(scratch_schema(postgres, prefix="dialogue_bench"))
            stores["postgresql"] = lambda: SqlStore(url)
        runs = {}
        for name, open_store in stores.items():
            store = open_store()
            runs[name] = bench.turns(restaurant, nlu, index, store, turns, tick)
            store.close()
    result = {"benchmark": "knowledge", "cpus": os.cpu_count(), "index": large, "turns": runs,
              "postgresql": "measured" if postgres else "skipped: give --postgres URL or DIALOGUE_BENCH_POSTGRES_URL",
              "targets": bench.TARGETS}
    if as_json:
        print_json(result)
        return
    console.print(f"index of {passages:,} passages built in {large['build_s']} s; search p50 "
                  f"{large['search']['p50_ms']} ms (p99 {large['search']['p99_ms']}), the embedding alone "
                  f"{large['embedding_alone']['p50_ms']} ms", highlight=False)
    table = Table(title="Turn p50 (ms): a question the FAQ answers against one a template answers")
    for column in ("store", "FAQ answer (NLU)", "ratio", "FAQ answer (search)", "ratio", "template answer"):
        table.add_column(column, justify="right")
    for name, run in runs.items():
        table.add_row(name, f"{run['faq_answer']['p50_ms']:.3f}", f"{run['faq_to_template_p50']:.2f}",
                      f"{run['faq_answer_searched']['p50_ms']:.3f}", f"{run['faq_searched_to_template_p50']:.2f}",
                      f"{run['template_answer']['p50_ms']:.3f}")
    console.print(table)


def inspector(rounds: int = typer.Option(20, min=1, help="Times the conversation is typed into the page."),
              models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """The inspector page's time per turn against the engine's own (p50 of the difference), in headless
    Chromium, on the bundled restaurant's free-text booking."""
    from dialogue.bench import inspector as bench
    from dialogue.cli.common import knowledge_index, understander
    from dialogue.inspector.serving import NoBrowser

    restaurant = load("restaurant")
    nlu = understander(restaurant, models)
    if nlu is None:
        fail("the turns need the restaurant domain trained: dialogue train restaurant")
    words = len(bench.script(restaurant)[0])
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("typing into the page", total=rounds * words)
        try:
            figures = bench.measure(restaurant, nlu, knowledge_index(restaurant, models), rounds,
                                    lambda: progress.advance(task))
        except NoBrowser as err:
            fail(str(err))
    result = {"benchmark": "inspector", "cpus": os.cpu_count(), "rounds": rounds, **figures}
    if as_json:
        print_json(result)
        return
    table = Table(title="Time per turn (ms, p50): the engine's own, and what the page adds to it")
    for column in ("turns", "engine", "page", "page overhead", "page overhead p99", "target"):
        table.add_column(column, justify="right")
    table.add_row(str(figures["turns"]), f"{figures['engine_p50_ms']:.2f}", f"{figures['page_p50_ms']:.2f}",
                  f"{figures['page_overhead_p50_ms']:.2f}", f"{figures['page_overhead_p99_ms']:.2f}",
                  f"<= {figures['target_page_overhead_p50_ms']:.0f}")
    console.print(table)
