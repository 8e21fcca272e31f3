"""`dialogue graph`: each bundled domain drawn by the real Graphviz, its SVG read back against the domain; PNG,
Mermaid, DOT and JSON output; the errors of a missing Graphviz, a missing or broken domain file, a wrong suffix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.domains import load_domain
from dialogue.domains.graph import domain_graph, to_dot
from tests.domains.test_graph import BUNDLED, STRUCTURE, expected_structure

runner = CliRunner()
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is missing (.ci/run installs Debian's graphviz)")
SVG = "{http://www.w3.org/2000/svg}"


@needs_dot
@pytest.mark.parametrize("name", BUNDLED)
def test_the_svg_of_each_bundled_domain_holds_its_structure_and_nothing_invented(name: str, tmp_path: Path) -> None:
    target = tmp_path / "x.svg"
    result = runner.invoke(app, ["graph", name, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {target}\n"
    groups = [(group.get("id"), group.get("class", "").split()) for group in ET.parse(target).iter(f"{SVG}g")]
    nodes = [id_ for id_, classes in groups if classes[0] == "node"]
    edges = [(id_, classes[1]) for id_, classes in groups if classes[0] == "edge"]
    domain = load_domain(name)
    ids, structure = expected_structure(domain)
    assert len(nodes) == len(set(nodes)) and set(nodes) == ids
    pairs = {tuple(id_.removeprefix("edge:").rsplit("#", 1)[0].split("->")) for id_, kind in edges if kind in STRUCTURE}
    assert pairs == structure
    assert sorted(id_ for id_, _ in edges) == sorted(domain_graph(domain).edge_ids())


@needs_dot
def test_png(tmp_path: Path) -> None:
    target = tmp_path / "x.png"
    assert runner.invoke(app, ["graph", "telco_ivr", "-o", str(target)]).exit_code == 0
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_text_outputs_mermaid_dot_and_json(tmp_path: Path) -> None:
    graph = domain_graph(load_domain("restaurant"))
    assert runner.invoke(app, ["graph", "restaurant", "-o", str(tmp_path / "x.mmd")]).exit_code == 0
    mermaid = (tmp_path / "x.mmd").read_text(encoding="utf-8")
    assert mermaid.startswith("flowchart LR\n") and "%% task:book_table" in mermaid
    assert runner.invoke(app, ["graph", "restaurant", "-o", str(tmp_path / "x.dot")]).exit_code == 0
    assert (tmp_path / "x.dot").read_text(encoding="utf-8") == to_dot(graph)
    stdout = runner.invoke(app, ["graph", "restaurant"])
    assert stdout.exit_code == 0 and stdout.output == to_dot(graph)
    as_json = json.loads(runner.invoke(app, ["graph", "restaurant", "--json"]).output)
    assert as_json == json.loads(json.dumps(graph.as_json()))
    assert {"id": "task:book_table", "kind": "task", "label": "book_table\nframe task"} in as_json["nodes"]


def test_without_graphviz_svg_fails_in_one_line_and_text_still_works(tmp_path: Path) -> None:
    """The real command in a process whose PATH has no `dot`: a one-line error saying what to install or write."""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    command = [sys.executable, "-m", "dialogue", "graph", "restaurant", "-o"]
    done = subprocess.run([*command, str(tmp_path / "x.svg")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: cannot write") and "Graphviz" in line and "`graphviz`" in line
    assert ".mmd" in line and ".dot" in line
    assert not (tmp_path / "x.svg").exists()
    mermaid = subprocess.run([*command, str(tmp_path / "x.mmd")], env=env, capture_output=True, text=True,
                             timeout=120)
    assert mermaid.returncode == 0 and (tmp_path / "x.mmd").exists()


def test_a_missing_or_broken_domain_and_a_wrong_suffix_are_clear_errors(write_domain, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["graph", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "no bundled domain or file named" in missing.output
    broken = write_domain("version: 1\nname: x\ntasks:\n  t: {policy: frame, triggers: [nope]}\n")
    result = runner.invoke(app, ["graph", str(broken)])
    assert result.exit_code == 1 and f"{broken}:4:" in result.output and "unknown intent 'nope'" in result.output
    suffix = runner.invoke(app, ["graph", "banking", "-o", str(tmp_path / "x.jpg")])
    assert suffix.exit_code == 2 and "should end in .svg, .png, .dot or .mmd" in suffix.output
    folder = runner.invoke(app, ["graph", "banking", "-o", str(tmp_path / "no" / "x.svg")])
    assert folder.exit_code == 2 and "does not exist" in folder.output
