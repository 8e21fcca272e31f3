"""The domain as a picture: its tasks, FSM states and transitions, frame slots, confirmations, guards, tables and
services, as nodes and edges, written as Graphviz DOT or Mermaid text (`dialogue graph`, the inspector).

Node ids are stable, so a page can mark where a conversation is: `task:<task>`, `state:<task>/<state>`,
`slot:<task>/<slot>` (in a sub-frame `slot:<task>/<frame>/<slot>`), `frame:<task>/<frame>`, `intent:<intent>`,
`confirm:<task>`, `guard:<guard>`, `table:<table>`, `service:<service>`.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes
from jinja2.parser import Parser

from dialogue.domains.expressions import ENVIRONMENT
from dialogue.domains.schema import Domain, FrameTask, FsmTask, SubFrame
from dialogue.domains.schema.actions import Call, Goto, ProposeTask, SetIntent, StartTask
from dialogue.domains.structured import parse_structured


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    label: str


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str = ""


@dataclass
class DomainGraph:
    name: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def edge_ids(self) -> list[str]:
        """One id per edge: `edge:<source>-><target>#<n>`, n counting the edges between the same two nodes."""
        seen: Counter[tuple[str, str]] = Counter()
        ids = []
        for edge in self.edges:
            ids.append(f"edge:{edge.source}->{edge.target}#{seen[edge.source, edge.target]}")
            seen[edge.source, edge.target] += 1
        return ids

    def as_json(self) -> dict[str, Any]:
        return {"domain": self.name, "nodes": [vars(node) for node in self.nodes],
                "edges": [{"id": id_, **vars(edge)} for id_, edge in zip(self.edge_ids(), self.edges)]}


TASK_PARTS = frozenset({"task", "state", "slot", "frame", "confirm"})
"""Kinds of node drawn inside their task's cluster."""
TASK_LABELS = frozenset({"start_task", "complete_task", "cancel_task", "abandon_task", "resume_task", "confirm",
                         "propose_task"})
TABLE_LABELS = frozenset({"insert", "select", "update", "delete"})
TABLE_EDGES = {"insert": "writes", "update": "writes", "delete": "writes", "select": "reads"}
_LABEL = re.compile(r"^([a-z_]+):([a-z][a-z0-9_]*)$")


class _Builder:
    """Nodes in order of appearance; edges between the same two nodes of one kind merged, their labels joined."""

    def __init__(self, name: str):
        self.graph = DomainGraph(name)
        self.edges: dict[tuple[str, str, str], list[str]] = {}

    def node(self, id_: str, kind: str, label: str) -> str:
        self.graph.nodes.append(Node(id_, kind, label))
        return id_

    def edge(self, source: str, target: str, kind: str, label: str = "") -> None:
        labels = self.edges.setdefault((source, target, kind), [])
        if label and label not in labels:
            labels.append(label)

    def done(self) -> DomainGraph:
        self.graph.edges = [Edge(*key, "\n".join(labels)) for key, labels in self.edges.items()]
        return self.graph


def domain_graph(domain: Domain) -> DomainGraph:
    """The picture of a domain: every task with its states or slots, and what starts them, guards and feeds."""
    build = _Builder(domain.name)
    for name, task in domain.tasks.items():
        task_id = build.node(f"task:{name}", "task", f"{name}\n{task.policy} task")
        if isinstance(task, FsmTask):
            _fsm(build, name, task)
        else:
            _frame(build, task_id, f"{name}/", task.slots)
            if task.confirm:
                build.edge(task_id, build.node(f"confirm:{name}", "confirm", f"confirm:\n{task.confirm}"), "confirm")
        for intent in task.triggers:
            build.edge(f"intent:{intent}", task_id, "triggers")
        for undone in task.undoes:  # a cancel just after that task starts this one
            build.edge(f"task:{undone}", task_id, "starts", "cancel")
        _effects(build, task_id, _task_actions(task), domain)
    for guard in domain.guards:
        guard_id = build.node(f"guard:{guard.name}", "guard", f"guard {guard.name}\n{guard.stage}"
                              f"{', veto' if guard.veto else ''}\nwhen: {_wrapped(guard.when)}")
        for target, label in _concerns(guard.when, domain):
            build.edge(guard_id, target, "concerns", label)
        for action in _flattened(guard.actions):
            if isinstance(action, SetIntent) and action.set_intent in domain.intents:
                build.edge(guard_id, f"intent:{action.set_intent}", "sets", "set_intent")
        _effects(build, guard_id, _flattened(guard.actions), domain)
    named = (end for source, target, _ in build.edges for end in (source, target) if end.startswith("intent:"))
    for intent in dict.fromkeys(named):
        build.node(intent, "intent", intent.removeprefix("intent:"))
    for table in domain.memory.tables:
        build.node(f"table:{table}", "table", f"table\n{table}")
    for service in domain.services:
        build.node(f"service:{service}", "service", f"service\n{service}")
    return build.done()


def _fsm(build: _Builder, task: str, spec: FsmTask) -> None:
    for name, state in spec.states.items():
        build.node(f"state:{task}/{name}", "state", _lines(name, state.prompt and f"prompt: {state.prompt}",
                                                           state.final and "final"))
    build.edge(f"task:{task}", f"state:{task}/{spec.initial}", "initial")
    for name, state in spec.states.items():
        source = f"state:{task}/{name}"
        for transition in state.transitions:
            trigger = transition.intent or transition.event or ""
            keys = [key for key, given in state.dtmf.items() if parse_structured(given)[0] == trigger]
            label = trigger + (f" [{', '.join(keys)}]" if keys else "")
            label += f" when {transition.when}" if transition.when else ""
            build.edge(source, f"state:{task}/{transition.to}", "transition", label)
        for action in _flattened(state.on_enter):
            if isinstance(action, Goto):
                build.edge(source, f"state:{task}/{action.goto}", "goto", "goto")


def _frame(build: _Builder, parent: str, prefix: str, entries: list[Any]) -> None:
    """Each slot and sub-frame of a frame, numbered in the order they are asked for."""
    for number, entry in enumerate(entries, 1):
        when = f"\nwhen {_wrapped(entry.when)}" if entry.when else ""
        if isinstance(entry, SubFrame):
            frame_id = build.node(f"frame:{prefix}{entry.frame}", "frame", f"frame {entry.frame}{when}")
            build.edge(parent, frame_id, "frame", str(number))
            _frame(build, frame_id, f"{prefix}{entry.frame}/", entry.slots)
            continue
        label = _lines(entry.slot, entry.validate_ and f"validate {_wrapped(entry.validate_)}",
                       entry.optional and "optional", entry.accept and f"checked: accept {_wrapped(entry.accept)}")
        build.edge(parent, build.node(f"slot:{prefix}{entry.slot}", "slot", label + when), "slot", str(number))


def _effects(build: _Builder, source: str, actions: Iterator[Any], domain: Domain) -> None:
    """Edges for what actions reach: tables read and written, services called, tasks started or proposed."""
    for action in actions:
        table = getattr(action.target, "table", None)
        if action.kind in TABLE_EDGES and table in domain.memory.tables:
            build.edge(source, f"table:{table}", TABLE_EDGES[action.kind], action.kind)
        elif isinstance(action, Call) and action.call.service in domain.services:
            build.edge(source, f"service:{action.call.service}", "calls", f"{action.call.method} {action.call.path}")
        elif isinstance(action, StartTask | ProposeTask):
            task = action.start_task if isinstance(action, StartTask) else action.propose_task.task
            if task in domain.tasks:
                build.edge(source, f"task:{task}", "starts", action.kind)


def _concerns(condition: str, domain: Domain) -> Iterator[tuple[str, str]]:
    """The nodes a guard's condition names, with how: action labels (`'complete_task:transfer' in actions`), and
    intents or tasks compared with `intent.name`, `task` or `stack`."""
    tree = Parser(ENVIRONMENT, condition, state="variable").parse_expression()
    for const in tree.find_all(nodes.Const):
        found = _LABEL.match(const.value) if isinstance(const.value, str) else None
        if found and found[1] in TASK_LABELS and found[2] in domain.tasks:
            yield f"task:{found[2]}", found[1]
        elif found and found[1] in TABLE_LABELS and found[2] in domain.memory.tables:
            yield f"table:{found[2]}", found[1]
    for compare in tree.find_all(nodes.Compare):
        names = [part.name for part in compare.find_all(nodes.Name)]
        about_intent = any(part.attr == "name" and isinstance(part.node, nodes.Name) and part.node.name == "intent"
                           for part in compare.find_all(nodes.Getattr))
        for const in compare.find_all(nodes.Const):
            if about_intent and const.value in domain.intents:
                yield f"intent:{const.value}", "intent"
            elif ("task" in names or "stack" in names) and const.value in domain.tasks:
                yield f"task:{const.value}", "task"


def _task_actions(task: Any) -> Iterator[Any]:
    """Every action of a task, wherever it is declared in it, nested ones included."""
    lists = [task.on_complete, task.on_cancel or []]
    if isinstance(task, FrameTask):
        lists += [task.on_exhausted or [], *_entry_actions(task.slots)]
    else:
        for state in task.states.values():
            lists += [state.on_enter, *(t.actions for t in state.transitions), *(state.no_input or []),
                      *(state.no_match or [])]
    for actions in lists:
        yield from _flattened(actions)


def _entry_actions(entries: list[Any]) -> Iterator[list[Any]]:
    for entry in entries:
        if isinstance(entry, SubFrame):
            yield entry.on_complete
            yield from _entry_actions(entry.slots)
        else:
            yield from (entry.on_exhausted or [], entry.check, entry.on_refused)


def _flattened(actions: list[Any]) -> Iterator[Any]:
    for action in actions:
        yield action
        yield from _flattened(action.nested())


def _lines(*parts: Any) -> str:
    """The parts that are not empty (or False), one a line."""
    return "\n".join(part for part in parts if part)


def _wrapped(text: str) -> str:
    """A long condition cut into lines at spaces, so that its node stays narrow."""
    return textwrap.fill(text, 40, break_long_words=False, break_on_hyphens=False)


# Rendering. Shapes per kind: DOT's shape, and Mermaid's brackets around the label.
DOT_SHAPES = {"task": 'shape=box, style="bold,filled", fillcolor="#dbeafe"', "state": "shape=ellipse",
              "slot": 'shape=box, style="rounded"', "frame": "shape=folder",
              "intent": 'shape=cds, style=filled, fillcolor="#fef9c3"', "confirm": "shape=diamond",
              "guard": 'shape=box, style="filled,diagonals", fillcolor="#fee2e2"', "table": "shape=cylinder",
              "service": "shape=component"}
DOT_EDGES = {"transition": "", "goto": "style=dashed", "initial": "arrowhead=odot", "slot": "style=dotted",
             "frame": "style=dotted", "confirm": "style=dotted", "triggers": 'color="#a16207"',
             "concerns": 'color="#dc2626", style=dashed', "sets": 'color="#dc2626", style=dashed',
             "reads": 'color="#2563eb", style=dashed', "writes": 'color="#2563eb"', "calls": 'color="#7c3aed"',
             "starts": "style=bold"}
MERMAID_SHAPES = {"task": ('["', '"]'), "state": ('("', '")'), "slot": ('("', '")'), "frame": ('[/"', '"/]'),
                  "intent": ('>"', '"]'), "confirm": ('{"', '"}'),
                  "guard": ('{{"', '"}}'), "table": ('[("', '")]'), "service": ('[["', '"]]')}


def dot_quoted(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as `\\n` (centred lines), and `&` as
    `&amp;` (Graphviz reads entities such as `&lt;` in text)."""
    for character, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("&", "&amp;")):
        text = text.replace(character, escaped)
    return f'"{text}"'


def to_dot(graph: DomainGraph) -> str:
    """Graphviz DOT: each node and edge with an `id` (so SVG output has `<g id="task:book_table">`) and a `class`
    (its kind); each task's states, slots, sub-frames and confirmation in a cluster."""
    lines = [f"digraph {dot_quoted(graph.name)} {{",
             '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.5];',
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    for task, members in _clusters(graph).items():
        lines.append(f"  subgraph {dot_quoted('cluster_' + task)} {{")
        lines += ['    style="rounded,dashed"; color="#94a3b8";', *(f"  {_dot_node(node)}" for node in members), "  }"]
    lines += [_dot_node(node) for node in graph.nodes if _task_of(node) is None]
    for edge_id, edge in zip(graph.edge_ids(), graph.edges):
        attributes = ", ".join(filter(None, [f"id={dot_quoted(edge_id)}", f"class={edge.kind}",
                                             f"label={dot_quoted(edge.label)}" if edge.label else "",
                                             DOT_EDGES[edge.kind]]))
        lines.append(f"  {dot_quoted(edge.source)} -> {dot_quoted(edge.target)} [{attributes}];")
    return "\n".join([*lines, "}"]) + "\n"


def _dot_node(node: Node) -> str:
    return (f"  {dot_quoted(node.id)} [id={dot_quoted(node.id)}, class={node.kind}, label={dot_quoted(node.label)}, "
            f"{DOT_SHAPES[node.kind]}];")


def mermaid_text(text: str) -> str:
    """A Mermaid quoted label: characters that would end or break it as entity codes, newlines as `<br>`."""
    for character, code in (("#", "#35;"), ("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(character, code)
    return text.replace("\n", "<br>")


def to_mermaid(graph: DomainGraph) -> str:
    """A Mermaid flowchart. Nodes are `n0`, `n1`... (Mermaid ids cannot hold `:` or `/`); a comment before each
    gives its graph id."""
    short = {node.id: f"n{i}" for i, node in enumerate(graph.nodes)}

    def declared(node: Node, indent: str) -> list[str]:
        opening, closing = MERMAID_SHAPES[node.kind]
        return [f"{indent}%% {node.id}", f"{indent}{short[node.id]}{opening}{mermaid_text(node.label)}{closing}"]

    lines = ["flowchart LR"]
    for number, (task, members) in enumerate(_clusters(graph).items()):
        lines.append(f'  subgraph c{number}["{mermaid_text(task)}"]')
        lines += [line for node in members for line in declared(node, "    ")] + ["  end"]
    lines += [line for node in graph.nodes if _task_of(node) is None for line in declared(node, "  ")]
    for edge in graph.edges:
        arrow = "-.->" if "dashed" in DOT_EDGES[edge.kind] or "dotted" in DOT_EDGES[edge.kind] else "-->"
        label = f'|"{mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {short[edge.source]} {arrow}{label} {short[edge.target]}")
    return "\n".join(lines) + "\n"


def _clusters(graph: DomainGraph) -> dict[str, list[Node]]:
    clusters: dict[str, list[Node]] = {}
    for node in graph.nodes:
        task = _task_of(node)
        if task is not None:
            clusters.setdefault(task, []).append(node)
    return clusters


def _task_of(node: Node) -> str | None:
    """The task whose cluster holds the node (None for intents, guards, tables, services)."""
    return node.id.split(":", 1)[1].split("/")[0] if node.kind in TASK_PARTS else None
