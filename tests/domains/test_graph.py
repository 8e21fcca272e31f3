"""The domain as a picture (dialogue.domains.graph): each bundled domain's graph against its structure computed
here apart, what tasks and guards reach, and labels escaped in DOT (read back through Graphviz) and Mermaid."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from dialogue.domains import Domain, load_domain
from dialogue.domains.graph import DomainGraph, Edge, Node, domain_graph, dot_quoted, mermaid_text, to_dot, to_mermaid
from dialogue.domains.schema import FsmTask, SubFrame

BUNDLED = ["restaurant", "banking", "telco_ivr"]
STRUCTURE = frozenset({"triggers", "initial", "transition", "goto", "slot", "frame", "confirm"})
"""Edge kinds that the structure of tasks gives (the others: what actions and guards reach)."""
NASTY = 'say "hi" {{ party_size > 8 }} <b>x</b> &amp; & #1 #quot; \\ \\n [x] {y} |z|\nnext line'
SVG = "{http://www.w3.org/2000/svg}"


def expected_structure(domain: Domain) -> tuple[set[str], set[tuple[str, str]]]:
    """The node ids a domain justifies (tasks, their trigger intents, FSM states, frame slots and sub-frames,
    confirmations, guards, tables, services) and the (source, target) pairs of its structural edges."""
    ids = ({f"guard:{guard.name}" for guard in domain.guards} | {f"table:{name}" for name in domain.memory.tables}
           | {f"service:{name}" for name in domain.services})
    edges: set[tuple[str, str]] = set()
    for name, task in domain.tasks.items():
        ids |= {f"task:{name}", *(f"intent:{intent}" for intent in task.triggers)}
        edges |= {(f"intent:{intent}", f"task:{name}") for intent in task.triggers}
        if isinstance(task, FsmTask):
            edges.add((f"task:{name}", f"state:{name}/{task.initial}"))
            for state_name, state in task.states.items():
                here = f"state:{name}/{state_name}"
                ids.add(here)
                edges |= {(here, f"state:{name}/{transition.to}") for transition in state.transitions}
                edges |= {(here, f"state:{name}/{action.goto}") for action in state.on_enter if action.kind == "goto"}
            continue
        entries = [(f"task:{name}", f"{name}/", entry) for entry in task.slots]
        while entries:
            parent, path, entry = entries.pop()
            if isinstance(entry, SubFrame):
                here = f"frame:{path}{entry.frame}"
                entries += [(here, f"{path}{entry.frame}/", inner) for inner in entry.slots]
            else:
                here = f"slot:{path}{entry.slot}"
            ids.add(here)
            edges.add((parent, here))
        if task.confirm:
            ids.add(f"confirm:{name}")
            edges.add((f"task:{name}", f"confirm:{name}"))
    return ids, edges


def facts(graph: DomainGraph) -> set[tuple[str, str, str, str]]:
    return {(edge.source, edge.target, edge.kind, edge.label) for edge in graph.edges}


@pytest.mark.parametrize("name", BUNDLED)
def test_each_bundled_domain_is_drawn_as_its_structure_and_nothing_else(name: str) -> None:
    domain = load_domain(name)
    graph = domain_graph(domain)
    ids, edges = expected_structure(domain)
    node_ids = [node.id for node in graph.nodes]
    assert len(node_ids) == len(set(node_ids)) and set(node_ids) == ids
    assert {(edge.source, edge.target) for edge in graph.edges if edge.kind in STRUCTURE} == edges
    assert all({edge.source, edge.target} <= ids for edge in graph.edges)
    assert len(set(graph.edge_ids())) == len(graph.edges)


def test_what_the_bundled_tasks_and_guards_reach() -> None:
    banking = facts(domain_graph(load_domain("banking")))
    assert {("guard:daily_transfer_limit", "task:transfer_money", "concerns", "complete_task"),
            ("guard:fraud_after_lost_card", "task:report_lost_card", "concerns", "complete_task"),
            ("guard:transfers_on_hold", "intent:transfer_money", "concerns", "intent"),
            ("task:transfer_money", "table:transfers", "writes", "insert"),
            ("task:report_lost_card", "table:cards", "writes", "update"),
            ("task:report_lost_card", "table:cards", "reads", "select"),
            ("task:transfer_money", "service:core", "calls", "POST /transfers")} <= banking
    restaurant = facts(domain_graph(load_domain("restaurant")))
    assert {("task:find_restaurant", "task:book_table", "starts", "propose_task"),
            ("task:book_table", "task:cancel_booking", "starts", "cancel"),
            ("task:book_table", "table:bookings", "writes", "insert"),
            ("task:find_restaurant", "service:lotus", "calls", "GET /restaurants")} <= restaurant
    telco = domain_graph(load_domain("telco_ivr"))
    labels = {(edge.source, edge.target): edge.label for edge in telco.edges}
    assert labels["state:main_menu/main", "state:main_menu/billing"] == "billing [1]"
    assert "upgrade when user.customer_type == 'business'" in labels["state:main_menu/main",
                                                                      "state:main_menu/priority_transfer"].split("\n")
    assert labels["state:main_menu/welcome", "state:main_menu/main"] == "goto"
    assert ("task:pay_bill", "table:payments", "writes", "insert") in facts(telco)
    final = next(node for node in telco.nodes if node.id == "state:main_menu/resolved")
    assert final.label.endswith("\nfinal")


SHOP = """\
version: 1
name: shop
slots:
  size: {type: integer}
  street: {type: text}
  city: {type: text}
  code: {type: text}
intents:
  order: [I want to order, order please, an order]
  track: [track my order, where is it, tracking]
  menu: [menu, the menu, main menu]
memory:
  tables:
    orders: {columns: {size: integer}}
    audit: {columns: {note: text}}
services:
  stock: {base_url: "http://127.0.0.1:9"}
tasks:
  order:
    triggers: [order]
    policy: frame
    slots:
      - slot: size
        validate: "value > 8 and value < 100"
      - frame: address
        when: "slots.size > 8"
        slots:
          - slot: street
          - frame: postal
            slots: [{slot: city}, {slot: code}]
    confirm: confirm_order
    on_complete:
      - insert: {table: orders, values: {size: "{{ slots.size }}"}}
      - call: {service: stock, method: POST, path: /reserve, on_error: [delete: {table: orders, where: {size: 1}}]}
  track:
    triggers: [track]
    policy: fsm
    initial: start
    states:
      start:
        on_enter: [goto: ask]
      ask:
        prompt: ask_track
        dtmf: {"1": /menu, "2": '/order{"size": 9}'}
        transitions:
          - {intent: menu, to: done, when: "slots.size > 8 and \\"x\\" != 'y'"}
          - {intent: order, to: done}
          - {event: no_input, to: ask}
      done:
        final: true
        on_enter: [start_task: order]
guards:
  - name: big_orders
    stage: action
    when: "'complete_task:order' in actions and 'insert:orders' in actions and 'respond:nothing' in actions"
    veto: true
    actions: [insert: {table: audit, values: {note: big}}]
  - name: tracking_in_menu
    stage: input
    when: "intent.name in ['track', 'menu'] and 'order' in stack and task == 'track'"
    actions: [set_intent: greet]
responses:
  ask_size: Size?
  ask_street: Street?
  ask_city: City?
  ask_code: Code?
  ask_track: Track?
  confirm_order: OK?
"""


def test_nested_sub_frames_transitions_and_what_guards_concern(domain_from) -> None:
    domain = domain_from(SHOP)
    graph = domain_graph(domain)
    ids, edges = expected_structure(domain)
    assert {node.id for node in graph.nodes} == ids | {"intent:menu", "intent:greet"}
    assert {"slot:order/address/street", "frame:order/address/postal", "slot:order/address/postal/code"} <= ids
    assert {(edge.source, edge.target) for edge in graph.edges if edge.kind in STRUCTURE} == edges
    labels = {node.id: node.label for node in graph.nodes}
    assert labels["slot:order/size"] == "size\nvalidate value > 8 and value < 100"
    assert labels["frame:order/address"] == "frame address\nwhen slots.size > 8"
    assert labels["confirm:order"] == "confirm:\nconfirm_order"
    assert labels["guard:big_orders"].startswith("guard big_orders\naction, veto\nwhen: 'complete_task:order'")
    assert {("state:track/ask", "state:track/done", "transition",
             "menu [1] when slots.size > 8 and \"x\" != 'y'\norder [2]"),
            ("state:track/ask", "state:track/ask", "transition", "no_input"),
            ("state:track/start", "state:track/ask", "goto", "goto"),
            ("task:order", "slot:order/size", "slot", "1"), ("task:order", "frame:order/address", "frame", "2"),
            ("task:order", "table:orders", "writes", "insert\ndelete"),
            ("task:order", "service:stock", "calls", "POST /reserve"),
            ("task:track", "task:order", "starts", "start_task"),
            ("guard:big_orders", "task:order", "concerns", "complete_task"),
            ("guard:big_orders", "table:orders", "concerns", "insert"),
            ("guard:big_orders", "table:audit", "writes", "insert"),
            ("guard:tracking_in_menu", "intent:track", "concerns", "intent"),
            ("guard:tracking_in_menu", "intent:menu", "concerns", "intent"),
            ("guard:tracking_in_menu", "task:order", "concerns", "task"),
            ("guard:tracking_in_menu", "task:track", "concerns", "task"),
            ("guard:tracking_in_menu", "intent:greet", "sets", "set_intent")} <= facts(graph)
    assert not any(edge.label == "respond" for edge in graph.edges)


def test_edges_have_ids_counted_per_pair_of_nodes_in_json() -> None:
    graph = DomainGraph("t", [Node("task:a", "task", "a"), Node("table:t", "table", "t")],
                        [Edge("task:a", "table:t", "writes", "insert"), Edge("task:a", "table:t", "reads", "select")])
    assert graph.edge_ids() == ["edge:task:a->table:t#0", "edge:task:a->table:t#1"]
    assert graph.as_json()["edges"][1] == {"id": "edge:task:a->table:t#1", "source": "task:a", "target": "table:t",
                                           "kind": "reads", "label": "select"}


def nasty_graph() -> DomainGraph:
    return DomainGraph('shop "x"', [Node("task:a", "task", NASTY), Node("slot:a/s", "slot", NASTY),
                                    Node("guard:g", "guard", NASTY)],
                       [Edge("guard:g", "task:a", "concerns", NASTY), Edge("task:a", "slot:a/s", "slot", "1")])


def test_dot_strings_are_escaped() -> None:
    assert dot_quoted('a "b" \\ c\nd & e') == '"a \\"b\\" \\\\ c\\nd &amp; e"'
    dot = to_dot(nasty_graph())
    assert dot.startswith('digraph "shop \\"x\\"" {') and 'subgraph "cluster_a" {' in dot
    assert '"task:a" [id="task:a", class=task, label=' in dot
    assert '"guard:g" -> "task:a" [id="edge:guard:g->task:a#0", class=concerns, label=' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing (.ci/run installs graphviz)")
def test_labels_come_out_of_graphviz_as_written() -> None:
    svg = subprocess.run(["dot", "-Tsvg"], input=to_dot(nasty_graph()), capture_output=True, text=True, check=True)
    shown = {group.get("id"): "\n".join(text.text or "" for text in group.iter(f"{SVG}text"))
             for group in ET.fromstring(svg.stdout).iter(f"{SVG}g") if group.get("class", "").split()[0] in
             ("node", "edge")}
    assert shown == {"task:a": NASTY, "slot:a/s": NASTY, "guard:g": NASTY, "edge:guard:g->task:a#0": NASTY,
                     "edge:task:a->slot:a/s#0": "1"}


def unmermaid(text: str) -> str:
    """A Mermaid label as Mermaid shows it: entity codes decoded, `<br>` a new line."""
    text = text.replace("<br>", "\n")
    return re.sub(r"#(\w+);", lambda m: {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}.get(m[1]) or chr(int(m[1])),
                  text)


def test_mermaid_labels_are_escaped_and_every_node_and_edge_is_there() -> None:
    assert mermaid_text('a "b" <c> #1 & d\ne') == "a #quot;b#quot; #lt;c#gt; #35;1 #amp; d<br>e"
    text = to_mermaid(nasty_graph())
    lines = text.splitlines()
    assert lines[0] == "flowchart LR" and lines[1] == '  subgraph c0["a"]'
    assert "    %% task:a" in lines and "  %% guard:g" in lines
    labels = re.findall(r'"([^"]*)"', text)
    assert all(unmermaid(label) == NASTY for label in labels if label not in ("a", "1"))
    assert not any(character in label.replace("<br>", "") for label in labels for character in "<>")
    assert "  n2 -.->|" in text and text.rstrip().endswith('n0 -.->|"1"| n1')


@pytest.mark.parametrize("name", BUNDLED)
def test_mermaid_of_each_bundled_domain_declares_each_node_once(name: str) -> None:
    graph = domain_graph(load_domain(name))
    text = to_mermaid(graph)
    comments = [line.strip()[3:] for line in text.splitlines() if line.strip().startswith("%% ")]
    assert comments == [node.id for node in graph.nodes]
    arrows = [line for line in text.splitlines() if re.fullmatch(r'  n\d+ -(-|\.-)>(\|"[^"]*"\|)? n\d+', line)]
    assert len(arrows) == len(graph.edges)
