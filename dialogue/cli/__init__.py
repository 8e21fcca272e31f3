"""The `dialogue` command line."""

from __future__ import annotations

import sys

import typer

from dialogue.cli import (
    bench,
    corpus,
    domain,
    graph,
    init,
    inspector,
    knowledge,
    nlu,
    review,
    serve,
    sessions,
    simulate,
)
from dialogue.cli.common import errors
from dialogue.dm.errors import StoreError
from dialogue.domains import DomainError
from dialogue.turns import InputError

app = typer.Typer(help="A task-oriented dialogue engine: domains in YAML, fast NLU, explicit dialogue logic.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
                  rich_markup_mode="markdown")
for command in (domain.validate, domain.schema, domain.test, domain.chat, nlu.train, nlu.parse):
    app.command()(command)
app.command("nlu-eval")(nlu.evaluate)
app.command("eval-conversations")(corpus.eval_conversations)
app.command()(knowledge.ask)
app.command("knowledge-eval")(knowledge.evaluate)
app.command()(serve.serve)
app.command()(init.init)
app.command()(inspector.inspect)
app.command()(graph.graph)
app.command()(simulate.simulate)
bench_app = typer.Typer(help="Benchmarks (figures go to BENCHMARKS.md).", no_args_is_help=True)
bench_app.command("policy")(bench.policy)
bench_app.command("nlu")(bench.nlu)
bench_app.command("store")(bench.store)
bench_app.command("grpc")(bench.grpc)
bench_app.command("nlg")(bench.nlg)
bench_app.command("simulate")(bench.simulate)
bench_app.command("services")(bench.services)
bench_app.command("knowledge")(bench.knowledge)
bench_app.command("inspector")(bench.inspector)
app.add_typer(bench_app, name="bench")
sessions_app = typer.Typer(help="Stored sessions: export the log, prune old sessions.", no_args_is_help=True)
sessions_app.command("export")(sessions.export)
sessions_app.command("prune")(sessions.prune)
app.add_typer(sessions_app, name="sessions")
nlu_app = typer.Typer(help="The NLU's examples: learn from stored conversations.", no_args_is_help=True)
nlu_app.command("review")(review.review)
app.add_typer(nlu_app, name="nlu")


def main() -> None:
    """Run the CLI; errors are reported in a line, never as a traceback."""
    try:
        app(args=simulate.with_ray_address(sys.argv[1:]))
    except DomainError as err:
        for problem in err.problems:
            errors.print(str(problem), highlight=False, markup=False)
        sys.exit(1)
    except (InputError, StoreError) as err:
        errors.print(f"error: {err}", style="red", highlight=False, markup=False)
        sys.exit(1)
    except Exception as err:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        errors.print(f"internal error: {type(err).__name__}: {err}", style="red", highlight=False, markup=False)
        errors.print("please report it with the command that caused it", style="dim")
        sys.exit(2)
