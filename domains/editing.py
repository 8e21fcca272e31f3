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
    text = path.read_text(encoding="utf-8")
    try:
        data = _yaml(_LAYOUTS[0]).load(text)
    except YAMLError as err:
        raise DomainError([Problem(str(path), 1, 1, f"cannot read the file to add examples to it: {err}",
                                   "fix the YAML first (`dialogue validate` says where)")]) from None
    if not isinstance(data, CommentedMap):
        raise DomainError([Problem(str(path), 1, 1, "a domain file is a mapping", "start it with `version: 1`")])
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


_LAYOUTS = [(2, 4, 2), (2, 2, 0), (4, 4, 0), (4, 6, 2)]
"""(mapping indent, sequence indent, dash offset) a file may be written in; the one that writes the file back
most like itself is kept."""


def _yaml(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line
    yaml.indent(mapping=layout[0], sequence=layout[1], offset=layout[2])
    return yaml


def _dumped(data: Any, layout: tuple[int, int, int]) -> str:
    out = io.StringIO()
    _yaml(layout).dump(data, out)
    return out.getvalue()


def _kept(text: str, written: str) -> int:
    """How many of the text's lines the written text has unchanged."""
    return len(set(text.splitlines()) & set(written.splitlines()))
