"""Commands on a domain's knowledge: ask it a question, measure how well it answers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from dialogue.cli import llm as llm_options
from dialogue.cli.common import (
    DomainArg,
    JsonOption,
    ModelsOption,
    console,
    errors,
    existing_folder,
    fail,
    knowledge_index,
    load,
    models_root,
    print_json,
    understander,
    usage_error,
)
from dialogue.domains import Domain


def ask(domain: str = DomainArg, question: str = typer.Argument(..., help="The question, as a user would ask it."),
        voice: bool = typer.Option(False, help="Ask on the voice channel (the answer's SSML is shown)."),
        models: Path | None = ModelsOption, llm: str | None = llm_options.BackendOption,
        llm_model: str | None = llm_options.ModelOption, llm_url: str | None = llm_options.UrlOption,
        llm_timeout_ms: int | None = llm_options.TimeoutOption, as_json: bool = JsonOption) -> None:
    """Search the domain's knowledge for a question: the passages and FAQ entries found, with their scores, and the
    answer the assistant gives (the question is taken as `ask`, whatever the NLU would make of it: an FAQ entry its
    trained answer head is sure of answers first; with `nlg.knowledge`, the domain's LLM answers from the
    passages)."""
    from dialogue.domains.builtin import ASK_INTENT
    from dialogue.domains.interpretation import Interpretation
    from dialogue.engine import KNOWLEDGE_HITS, Engine
    from dialogue.turns import UserInput

    if not question.strip():
        usage_error("give a question, e.g. dialogue ask restaurant \"is there parking?\"")
    loaded = llm_options.with_llm(load(domain), llm, llm_model, llm_url, llm_timeout_ms)
    index = _index(loaded, models, domain)
    engine = Engine(loaded, knowledge=index, llm=llm_options.open_llm(loaded, llm))
    channel = "voice" if voice else "text"
    if engine.domain.on_start:  # the question is asked once the session has begun (a phone menu greets first)
        engine.handle("ask", UserInput(event="start"), user_id="ask", channel=channel)
    given = engine.check("ask", UserInput(text=question), user_id="ask", channel=channel)
    text = question.strip()[:loaded.settings.max_input_chars]
    nlu = understander(loaded, models)
    known = nlu.faq_answer(text) if nlu is not None else None
    understood = Interpretation(intent=ASK_INTENT, text=text, source="nlu", knowledge=[known] if known else [])
    result = engine.respond(engine.understand(given.parsed_as(understood, time.perf_counter())))
    shown = [{**hit.model_dump(), "text": index.item(hit).text} for hit in index.search(text, KNOWLEDGE_HITS)]
    if as_json:
        print_json({"question": question, "found": shown, "nlu": known.model_dump() if known else None,
                    "answer": result.text, "response": result.responses,
                    "messages": [message.model_dump(exclude_none=True) for message in result.messages],
                    "sources": [hit.model_dump() for hit in result.sources]})
        return
    table = Table(title=f"found in {loaded.name}'s knowledge")
    for column in ("kind", "id", "score", "text"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for hit in shown:
        table.add_row(hit["kind"], hit["id"], f"{hit['score']:.3f}", _short(hit["text"]))
    console.print(table)
    if known is not None:
        how = "after a search: the question says a word other items hold" if index.points_elsewhere(known, text) \
            else "without the search"
        console.print(f"the NLU's answer head: {known.id} ({known.score:.3f}), answered {how}", highlight=False)
    for message in result.messages:
        console.print(f"{message.response} ({message.source}): {message.ssml or message.text}", highlight=False,
                      markup=False)
        if message.note:
            console.print(f"  note: {message.note}", style="dim", highlight=False, markup=False)


def evaluate(domain: str | None = typer.Argument(None, help="A domain: its held-out `questions` (tests file)."),
             dataset: Path | None = typer.Option(None, "--dataset", help="A JointBERT-format dataset (CLINC150): each "
                                                 "intent becomes an FAQ entry of --per-intent train utterances."),
             per_intent: int = typer.Option(10, min=1, help="With --dataset: phrasings of each FAQ entry."),
             out_of_scope: str = typer.Option("oos", help="With --dataset: the label of questions nothing answers."),
             seed: int = 0, models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Recall@1/@5, MRR, answer accuracy and the no-answer rate of a domain's held-out questions (FAQ entries its
    trained NLU is sure of answer first, as in a conversation); with --dataset,
    top-1 accuracy and out-of-scope questions turned away, at a threshold chosen on the dev split."""
    from dialogue.nlu.knowledge.evaluate import dataset_figures, question_figures

    if (domain is None) == (dataset is None):
        usage_error("give a domain, or --dataset")
    with Progress(console=errors, transient=True) as progress:
        if dataset is not None:
            existing_folder(dataset, "--dataset")
            root = models_root(models)
            task = progress.add_task("searching dev and test", total=None)
            figures = dataset_figures(
                dataset, root, per_intent=per_intent, seed=seed, out_of_scope=out_of_scope,
                tick=lambda: progress.advance(task))
        else:
            loaded = load(domain)
            if not loaded.questions:
                fail(f"domain '{loaded.name}' has no held-out `questions` (in its tests file) to measure")
            task = progress.add_task("searching", total=len(loaded.questions))
            figures = question_figures(_index(loaded, models, domain), loaded, understander(loaded, models),
                                       tick=lambda: progress.advance(task))
    if as_json:
        print_json(figures)
        return
    _print(figures)


def _index(loaded: Domain, models: Path | None, argument: str) -> Any:
    if not loaded.knowledge.present:
        fail(f"domain '{loaded.name}' has no knowledge (a `knowledge:` section with an FAQ or documents)")
    index = knowledge_index(loaded, models)
    if index is None:
        fail(f"domain '{loaded.name}''s knowledge is not indexed; index it with: dialogue train {argument}")
    return index


def _print(figures: dict[str, Any]) -> None:
    table = Table(title="knowledge answers (%)")
    table.add_column("figure")
    splits = [name for name in ("dev", "test") if name in figures] or ["questions"]
    for name in splits:
        table.add_column(name, justify="right")
    rows = figures[splits[0]] if "dev" in figures else figures
    for key, value in rows.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            table.add_row(key, *[str(figures[name][key]) if "dev" in figures else str(value) for name in splits])
    console.print(table)
    if "threshold_from_dev" in figures:
        console.print(f"threshold chosen on dev: {figures['threshold_from_dev']}", highlight=False)


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
