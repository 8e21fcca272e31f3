"""Changes written into a domain file by a command, keeping its comments, quoting and layout (ruamel.yaml)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from dialogue.domains.errors import DomainError, Problem


def add_examples(path: Path, examples: dict[str, list[str]]) -> int:
    """Append examples to the intents of the domain file at `path` (an intent not in the file gets an entry of its
    own); an example the intent has already is left out. Returns how many were written."""
    text, data = _read(path, "add examples to it")
    layout = max(_LAYOUTS, key=lambda candidate: _kept(text, _dumped(data, candidate)))
    intents = data.setdefault("intents", CommentedMap())
    written = 0
    for intent, new in examples.items():
        entry = intents.get(intent)
        if entry is None:
            entry = intents[intent] = CommentedSeq()
        listed = entry.setdefault("examples", CommentedSeq()) if isinstance(entry, CommentedMap) else entry
        for example in new:
            if example not in listed:
                listed.append(example)
                written += 1
    path.write_text(_dumped(data, layout), encoding="utf-8")
    return written


def add_test(path: Path, test: dict[str, Any], header: str) -> None:
    """Append a conversation test to the tests file at `path`, or write the file with `header` (a comment) and the
    test if there is none."""
    if not path.exists():
        data = CommentedMap(tests=CommentedSeq())
        data.yaml_set_start_comment(header)
        path.write_text(_dumped(data, _LAYOUTS[0]), encoding="utf-8")
    text, data = _read(path, "add a test to it")
    layout = max(_LAYOUTS, key=lambda candidate: _kept(text, _dumped(data, candidate)))
    tests = data.setdefault("tests", CommentedSeq())
    if not isinstance(tests, CommentedSeq):
        raise DomainError([Problem(str(path), 1, 1, "`tests` is not a list", "make it a list of tests")])
    tests.append(_flow_mappings(test))
    path.write_text(_dumped(data, layout), encoding="utf-8")


def _read(path: Path, purpose: str) -> tuple[str, CommentedMap]:
    """A YAML file's text and its data, which must be a mapping; DomainError saying where if not."""
    text = path.read_text(encoding="utf-8")
    try:
        data = _yaml(_LAYOUTS[0]).load(text)
    except YAMLError as err:
        raise DomainError([Problem(str(path), 1, 1, f"cannot read the file to {purpose}: {err}",
                                   "fix the YAML first (`dialogue validate` says where)")]) from None
    if not isinstance(data, CommentedMap):
        raise DomainError([Problem(str(path), 1, 1, "the file is not a mapping", "start it with `version: 1`")])
    return text, data


def _flow_mappings(test: dict[str, Any]) -> CommentedMap:
    """A test whose steps' small mappings (slots, entities) are written on one line, as people write them."""
    steps = CommentedSeq()
    for step in test.get("steps", []):
        entry = CommentedMap()
        for key, value in step.items():
            if isinstance(value, dict):
                value = CommentedMap(value)
                value.fa.set_flow_style()
            elif isinstance(value, list):
                value = CommentedSeq(value)
                value.fa.set_flow_style()
            entry[key] = value
        steps.append(entry)
    return CommentedMap({**test, "steps": steps})


_LAYOUTS = [(2, 4, 2), (2, 2, 0), (4, 4, 0), (4, 6, 2)]
"""(mapping indent, sequence indent, dash offset) a file may be written in; the one that writes the file back
most like itself is kept."""


def _yaml(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML()
    yaml.representer.add_representer(type(None), _null)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line
    yaml.indent(mapping=layout[0], sequence=layout[1], offset=layout[2])
    return yaml


def _dumped(data: Any, layout: tuple[int, int, int]) -> str:
    out = io.StringIO()
    _yaml(layout).dump(data, out)
    return out.getvalue()


def _null(representer: Any, _: None) -> Any:
    """None written `null`, not as nothing (`task: null` checks that no task is active)."""
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _kept(text: str, written: str) -> int:
    """How many of the text's lines the written text has unchanged."""
    return len(set(text.splitlines()) & set(written.splitlines()))
