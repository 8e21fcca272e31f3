"""`dialogue eval-conversations`: a domain measured on real conversations nobody here wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from dialogue.cli.common import (
    DomainArg,
    JsonOption,
    ModelsOption,
    console,
    errors,
    fail,
    load,
    models_root,
    print_json,
    understander,
    usage_error,
    writable,
)
from dialogue.domains import Domain

MAPPING_FILE = "sgd-mapping.yaml"


def eval_conversations(
        domain: str = DomainArg,
        path: Path = typer.Argument(..., help="Schema-Guided Dialogue conversations (a folder with schema.json and "
                                              "`<split>.json`, or a dialogues file beside its schema.json), or a "
                                              ".jsonl file of conversations in the domain's terms."),
        mapping: Path | None = typer.Option(None, help=f"How the dataset reads as the domain (default: {MAPPING_FILE} "
                                                        "beside the domain file); see docs/evaluation.md."),
        split: str = typer.Option("test", help="The split to read from a Schema-Guided Dialogue folder."),
        limit: int | None = typer.Option(None, min=1, help="Only the first N conversations."),
        report: Path | None = typer.Option(None, help="Write an HTML report, the figures and every turn to this "
                                                      "folder."),
        review_round: int | None = typer.Option(
            None, min=1, help="Simulate one round of `dialogue nlu review` instead: the first half of the "
                              "conversations deployed, their first N proposals reviewed by an author who knows the "
                              "dataset's labels, a copy of the domain trained with them; both models measured on the "
                              "second half."),
        below: float = typer.Option(0.7, min=0, max=1, help="With --review-round: as `dialogue nlu review "
                                                            "--below`."),
        models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Replay real conversations through a domain: per user turn intent accuracy, slot value precision, recall
    and F1, the fallback rate, and task success."""
    from dialogue.corpus.formats import CorpusError, read_conversations
    from dialogue.corpus.mapping import CorpusMapping, MappingError
    from dialogue.corpus.replay import Replayer, replay_all, scores

    writable(report, "--report", folder=True)
    loaded = load(domain)
    mapping_path = mapping
    if mapping_path is None and (loaded.folder / MAPPING_FILE).exists():
        mapping_path = loaded.folder / MAPPING_FILE
    if not path.exists():
        usage_error(f"PATH: {path} does not exist")
    try:
        declared = CorpusMapping.read(mapping_path) if mapping_path is not None else None
        if declared is not None and mapping_path is not None:
            declared.check(loaded, mapping_path)
        conversations = read_conversations(path, declared, split)[:limit]
    except (MappingError, CorpusError) as err:
        fail(str(err))
    nlu = understander(loaded, models)
    if nlu is None:
        fail(f"no trained model for domain '{loaded.name}' and its current examples; train one with: "
             f"dialogue train {domain}")
    if review_round is not None:
        _review_round(loaded, domain, conversations, nlu, review_round, below, models, as_json)
        return
    replayer = Replayer(loaded, nlu)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=errors, transient=True) as progress:
        task = progress.add_task(f"replaying {path.name}", total=len(conversations))
        try:
            results = replay_all(replayer, conversations, lambda n: progress.advance(task, n))
        except CorpusError as err:
            fail(str(err))
    figures = {"domain": loaded.name, "conversations_from": str(path), **scores(results)}
    if report is not None:
        from dialogue.corpus.report import write_report

        write_report(report, results, figures)
    if as_json:
        print_json(figures)
        return
    table = Table(title=f"{loaded.name} on {figures['conversations']} real conversations ({figures['user_turns']} "
                        "user turns)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    from dialogue.corpus.report import FIGURES
    for name in FIGURES:
        table.add_row(name.replace("_", " "), f"{figures[name] * 100:.1f}%")
    table.add_row("conversations counted for task success", str(figures["task_conversations"]))
    console.print(table)
    if report is not None:
        console.print(f"report: {report / 'index.html'}")


def _review_round(loaded: Domain, domain: str, conversations: list, nlu: Any, reviewed: int, below: float,
                  models: Path | None, as_json: bool) -> None:
    from dialogue.corpus.formats import CorpusError
    from dialogue.corpus.review_round import review_round
    from dialogue.domains.loader import resolve_domain_path
    from dialogue.nlu.train_config import TrainConfig
    from dialogue.nlu.training import train_domain
    from dialogue.nlu.understander import Understander

    def train(changed: Domain) -> Any:
        progress.reset(task, description="training the reviewed domain", total=None)
        train_domain(changed, models_root(models), TrainConfig())
        return Understander.for_domain(changed, models_root(models))

    def advance(stage: str, done: int, total: int) -> None:
        if progress.tasks[0].description != stage:
            progress.reset(task, description=stage, total=total)
        progress.advance(task, done)

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=errors, transient=True) as progress:
        task = progress.add_task("deployment", total=None)
        try:
            figures = {"domain": loaded.name, **review_round(loaded, resolve_domain_path(domain), conversations, nlu,
                                                             reviewed, train, advance, below=below)}
        except CorpusError as err:
            fail(str(err))
    if as_json:
        print_json(figures)
        return
    table = Table(title=f"{loaded.name}: one review round ({figures['reviewed']} of {figures['proposals_found']} "
                        f"proposals, {figures['examples_added']} examples added), on "
                        f"{figures['unseen_conversations']} unseen conversations")
    for column in ("figure", "before", "after"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for name in ("intent_accuracy", "fallback_rate", "not_understood_rate", "slot_f1", "task_success"):
        table.add_row(name.replace("_", " "), f"{figures['before'][name] * 100:.1f}%",
                      f"{figures['after'][name] * 100:.1f}%")
    console.print(table)
    console.print(f"decisions: {figures['decisions']}; reasons: {figures['reasons']}", highlight=False)
