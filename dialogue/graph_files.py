"""A domain's picture (dialogue.domains.graph) in a file: DOT or Mermaid text, or SVG / PNG drawn by Graphviz."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from dialogue.domains.graph import DomainGraph, to_dot, to_mermaid

SUFFIXES = (".svg", ".png", ".dot", ".mmd")
DOT_TIMEOUT_S = 120


class GraphError(RuntimeError):
    """A picture that could not be drawn (Graphviz missing or failing); the message says what to do."""


def render(graph: DomainGraph, fmt: str) -> bytes:
    """The picture drawn by Graphviz's `dot` in `fmt` (`svg`, `png`)."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphError(f"drawing {fmt.upper()} needs Graphviz's `dot`, which is not on the PATH: install Graphviz "
                         "(Debian package `graphviz`), or write .dot or .mmd (Mermaid) text instead")
    try:
        done = subprocess.run([dot, f"-T{fmt}"], input=to_dot(graph).encode(), capture_output=True,
                              timeout=DOT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise GraphError(f"Graphviz's dot could not draw the picture: {err}") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise GraphError(f"Graphviz's dot failed (exit {done.returncode}): {reason[-1] if reason else 'no message'}")
    return done.stdout


def write_graph(graph: DomainGraph, path: Path) -> None:
    """Write the picture as its suffix says: .svg or .png (drawn by `dot`), .dot or .mmd text."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"a picture's file ends in {', '.join(SUFFIXES)}, not '{path.suffix}'")
    if suffix == ".dot":
        path.write_text(to_dot(graph), encoding="utf-8")
    elif suffix == ".mmd":
        path.write_text(to_mermaid(graph), encoding="utf-8")
    else:
        path.write_bytes(render(graph, suffix[1:]))
