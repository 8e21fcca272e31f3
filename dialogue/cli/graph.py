"""`dialogue graph`: the domain as a picture (docs/graph.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from dialogue.cli.common import DomainArg, console, fail, load, print_json, usage_error, writable
from dialogue.domains.graph import domain_graph, to_dot
from dialogue.graph_files import SUFFIXES, GraphError, write_graph


def graph(domain: str = DomainArg,
          output: Path | None = typer.Option(None, "--output", "-o", help="Write the picture here: .svg or .png "
                                             "(drawn by Graphviz's dot), .dot (Graphviz) or .mmd (Mermaid) text. "
                                             "Default: DOT on stdout."),
          as_json: bool = typer.Option(False, "--json", help="Print the nodes and edges as JSON.")) -> None:
    """Draw a domain: its tasks and their triggers, FSM states and transitions, frame slots and sub-frames,
    confirmations, guards, tables and services."""
    if output is not None and output.suffix.lower() not in SUFFIXES:
        usage_error(f"--output: {output} should end in {', '.join(SUFFIXES[:-1])} or {SUFFIXES[-1]}")
    writable(output, "--output")
    picture = domain_graph(load(domain))
    if output is not None:
        try:
            write_graph(picture, output)
        except (GraphError, OSError) as err:
            fail(f"cannot write {output}: {err}")
    if as_json:
        print_json(picture.as_json())
    elif output is None:
        sys.stdout.write(to_dot(picture))
    else:
        console.print(f"wrote {output}", highlight=False, markup=False)
