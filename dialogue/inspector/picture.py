"""The domain's picture in the inspector: the graph of dialogue.domains.graph drawn by Graphviz as SVG, and the
node that marks the slot a task asks for (a sub-frame's slot has its frame in its id)."""

from __future__ import annotations

from dialogue.domains.graph import domain_graph
from dialogue.domains.schema import Domain
from dialogue.graph_files import GraphError, render


def domain_svg(domain: Domain) -> str | None:
    """The picture as SVG; None when Graphviz cannot draw it."""
    try:
        return render(domain_graph(domain), "svg").decode()
    except GraphError:
        return None


def slot_nodes(domain: Domain) -> dict[tuple[str, str], str]:
    """(task, slot) -> the id of the slot's node: `slot:<task>/<slot>`, or `slot:<task>/<frame>/<slot>`."""
    found = {}
    for node in domain_graph(domain).nodes:
        if node.kind == "slot":
            task, *_, slot = node.id.removeprefix("slot:").split("/")
            found[task, slot] = node.id
    return found
