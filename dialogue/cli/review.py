"""`dialogue nlu review`: turns of stored conversations the model got wrong or was unsure of, reviewed by the
author and written into the domain as examples for the next `dialogue train`."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

import typer
from rich.markup import escape
from rich.prompt import Prompt

from dialogue.cli.common import DbOption, DomainArg, JsonOption, console, db_url, fail, load, print_json
from dialogue.domains import Domain
from dialogue.domains.loader import resolve_domain_path
from dialogue.domains.references import example_problems
from dialogue.nlu.review import Proposal, proposals

CHOICES = {"a": "accept", "f": "fix", "r": "reject", "s": "skip", "q": "quit"}


def review(domain: str = DomainArg, db: str | None = DbOption,
           below: float = typer.Option(0.7, min=0, max=1, help="Propose understood turns whose confidence is below "
                                                                "this, too."),
           limit: int | None = typer.Option(None, min=1, help="Review the first N proposals only."),
           as_json: bool = JsonOption) -> None:
    """Review turns that fell to the fallback, were rescued by the LLM, were corrected by the user later, or were
    understood with little confidence: accept, fix or reject each proposed example. Accepted ones are written into
    the domain file (its comments and layout kept); `dialogue train` then uses them. With --json, list the
    proposals and write nothing."""
    from dialogue.dm.errors import StoreError
    from dialogue.dm.sql import SqlStore
    from dialogue.domains.editing import add_examples
    from dialogue.domains.errors import DomainError

    loaded = load(domain)
    try:
        store = SqlStore(db_url(db), existing=True)
        found = proposals(store.export_sessions(loaded.name), below=below)[:limit]
    except StoreError as err:
        fail(str(err))
    if as_json:
        print_json({"domain": loaded.name, "proposals": [{**asdict(proposal), "example": proposal.example}
                                                          for proposal in found],
                    "reasons": dict(Counter(proposal.reason for proposal in found))})
        return
    if not found:
        console.print(f"nothing to review in {store.shown} for domain '{loaded.name}'", highlight=False)
        return
    accepted: dict[str, list[str]] = {}
    decided = Counter[str]()
    for number, proposal in enumerate(found, 1):
        decision, intent, example = _decide(loaded, proposal, number, len(found))
        if decision == "quit":
            break
        decided[decision] += 1
        if intent is not None and example is not None:
            accepted.setdefault(intent, []).append(example)
    path = resolve_domain_path(domain)
    try:
        written = add_examples(path, accepted) if accepted else 0
    except DomainError as err:
        fail(str(err.problems[0]))
    summary = ", ".join(f"{count} {what}" for what, count in sorted(decided.items()))
    console.print(f"{summary or 'nothing decided'}; {written} example(s) written to {path}", highlight=False)
    if written:
        console.print(f"train with them: dialogue train {domain}", style="dim", highlight=False)


def _decide(domain: Domain, proposal: Proposal, number: int, total: int) -> tuple[str, str | None, str | None]:
    """The author's decision on one proposal: ("accept" | "fix", intent, example), or ("reject" | "skip" | "quit",
    None, None)."""
    console.rule(f"{number}/{total} · {proposal.reason} · session {escape(proposal.session_id)} turn {proposal.turn}")
    console.print(f"said:       {escape(proposal.text)}", highlight=False)
    console.print(f"understood: {proposal.understood}" + (f" ({escape(proposal.note)})" if proposal.note else ""),
                  highlight=False)
    console.print(f"proposed:   {proposal.intent or '(no intent: fix it or reject it)'}: {escape(proposal.example)}",
                  highlight=False)
    key = Prompt.ask(escape("[a]ccept, [f]ix, [r]eject, [s]kip, [q]uit"), choices=list(CHOICES),
                     default="a" if proposal.intent else "f", console=console, show_choices=False)
    if key == "a" and proposal.intent:
        return "accept", proposal.intent, proposal.example
    if key in ("a", "f"):
        return "fix", *_fixed(domain, proposal)
    return CHOICES[key], None, None


def _fixed(domain: Domain, proposal: Proposal) -> tuple[str, str]:
    """The intent and annotated example the author types, each asked again until the domain can take it."""
    intent = Prompt.ask("intent", default=proposal.intent or "", console=console).strip()
    while intent not in domain.intents:
        console.print(f"no intent '{escape(intent)}' in the domain; it has: {', '.join(sorted(domain.intents))}",
                      style="red", highlight=False)
        intent = Prompt.ask("intent", console=console).strip()
    while True:
        example = Prompt.ask(escape("example, values marked as [words](slot)"), default=proposal.example,
                             console=console).strip()
        problems = example_problems(domain, example)
        if not problems:
            return intent, example
        for message, hint in problems:
            console.print(escape(f"{message}; {hint}" if hint else message), style="red", highlight=False)
