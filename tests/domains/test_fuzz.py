"""Fuzzing the loader: whatever the file holds, the loader says what is wrong and where, or loads it.

Random text, random YAML, and the bundled domains mutated structurally and textually:
2,000 examples in all. Nothing may escape but DomainError with located problems.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue.domains import DomainError, check_domain, load_domain
from dialogue.domains.loader import BUNDLED
from dialogue.domains.source import read_yaml

FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORKDIR = Path(tempfile.mkdtemp(prefix="domain-fuzz-"))
for _document in BUNDLED.glob("*.openapi.json"):  # the services' documents the domains name
    shutil.copy(_document, WORKDIR)
SOURCES = {path.stem: path.read_text(encoding="utf-8") for path in sorted(BUNDLED.glob("*.yaml"))
           if not path.name.endswith(".tests.yaml")}
DATA = {name: read_yaml(text).data for name, text in SOURCES.items()}


def dumped(data: dict, **options: Any) -> str:
    """The document as YAML, written by libyaml (PyYAML's own writer took half the time of these tests)."""
    return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, **options)


def assert_loads_or_explains(content: str | bytes) -> None:
    path = WORKDIR / "fuzzed.yaml"
    path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    for problem in check_domain(path):
        assert problem.line >= 1 and problem.column >= 1 and problem.message
    try:
        load_domain(path)
    except DomainError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.file == str(path) and problem.line >= 1 and problem.column >= 1 and problem.message


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
                    st.sampled_from(["{{ slots.x }}", "{{", "slots.party_size >", "respond", "frame", "fsm",
                                     "[4](party_size)", "[x](", "__class__", "/greet{", "category", "*", "1"]))
yaml_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)), max_leaves=20)


@FUZZ
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_random_text(content: str | bytes) -> None:
    assert_loads_or_explains(content)


@FUZZ
@given(st.dictionaries(st.sampled_from(["version", "name", "slots", "intents", "tasks", "responses", "guards",
                                        "memory", "ivr", "tests", "settings", "on_start", "other"]),
                       yaml_values, max_size=8))
def test_random_yaml_documents(data: dict) -> None:
    assert_loads_or_explains(dumped(data))


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, prefix + (index,))
    return found


@st.composite
def mutated_domains(draw: Any) -> dict:
    data = copy.deepcopy(DATA[draw(st.sampled_from(sorted(DATA)))])
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_paths(data)[1:]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = draw(st.sampled_from(["delete", "replace", "rename", "duplicate"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(yaml_values)
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(key)
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
    return data


@FUZZ
@given(mutated_domains())
def test_structurally_mutated_bundled_domains(data: dict) -> None:
    assert_loads_or_explains(dumped(data, sort_keys=False))


@st.composite
def edited_sources(draw: Any) -> str:
    lines = SOURCES[draw(st.sampled_from(sorted(SOURCES)))].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 5))):
        index = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "insert", "truncate"]))
        if edit == "delete":
            del lines[index]
        elif edit == "duplicate":
            lines.insert(index, lines[index])
        elif edit == "indent":
            lines[index] = "  " + lines[index]
        elif edit == "dedent":
            lines[index] = lines[index][2:]
        elif edit == "insert":
            column = draw(st.integers(0, len(lines[index])))
            lines[index] = lines[index][:column] + draw(st.text(max_size=6)) + lines[index][column:]
        else:
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
        if not lines:
            lines = ["\n"]
    return "".join(lines)


@FUZZ
@given(edited_sources())
def test_textually_edited_bundled_domains(content: str) -> None:
    assert_loads_or_explains(content)
