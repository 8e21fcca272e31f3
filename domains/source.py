"""Read YAML while remembering where every value came from (line and column).

The YAML flavour is close to YAML 1.2's core schema, which is what authors expect:
only ``true``/``false`` are booleans (``yes``, ``no``, ``on`` stay strings), ``12:30``
stays a string instead of becoming the base-60 number 750, and dates stay strings
(slot types turn them into values). Duplicate keys are errors, not silent overwrites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dialogue.domains.errors import DomainError, Problem

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64

YamlPath = tuple[str | int, ...]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader with YAML 1.2 core-schema scalars."""

    yaml_implicit_resolvers: dict = {}


for _tag, _pattern, _first in [
    ("merge", r"^<<$", "<"),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
]:
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """A YAML 1.2 integer: decimal even with leading zeros (``08`` is 8, ``010`` is 10), ``0o`` octal, ``0x`` hex."""
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass
class Located:
    """YAML data plus the position of each value and each mapping key, by path."""

    file: str
    data: Any
    values: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: YamlPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the deepest known prefix of ``path`` (1-based)."""
        table = self.keys if key and path in self.keys else self.values
        for end in range(len(path), -1, -1):
            prefix = tuple(path[:end])
            if prefix in table:
                return table[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)

    def problem(self, path: YamlPath, message: str, hint: str = "", *, key: bool = False,
                severity: str = "error") -> Problem:
        line, column = self.position(path, key=key)
        return Problem(self.file, line, column, message, hint, severity)  # type: ignore[arg-type]


def read_yaml(source: str | bytes | Path, file: str | None = None) -> Located:
    """Parse one YAML document; raise DomainError with a location on any failure."""
    if isinstance(source, Path):
        file = file or str(source)
        try:
            source = source.read_bytes()
        except OSError as err:
            raise DomainError([Problem(file, 1, 1, f"cannot read file: {err.strerror}",
                                       "check the path and its permissions")]) from None
    file = file or "<string>"
    text = _decode(source, file)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        located = Located(file, None)
        if node is not None:
            located.data = _Walker(loader, located).walk(node, (), 0)
        return located
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(x for x in (err.context, err.problem) if x) or "invalid YAML"
        at = mark.index if mark and mark.index < len(text) else -1
        hint = _yaml_hint(message, text[at] if at >= 0 else "")
        raise DomainError([Problem(file, line, column, f"YAML syntax: {message}", hint)]) from None
    except yaml.YAMLError as err:
        line, column = _reader_position(err, text)
        raise DomainError([Problem(file, line, column, f"YAML: {err}", "remove control characters")]) from None
    except RecursionError:
        raise DomainError([Problem(file, 1, 1, "YAML nesting is too deep",
                                   f"a domain file nests at most {MAX_DEPTH} levels")]) from None
    finally:
        loader.dispose()


def _decode(source: str | bytes, file: str) -> str:
    size = len(source)
    if size > MAX_FILE_BYTES:
        hint = f"a domain file may hold at most {MAX_FILE_BYTES:,} bytes; put tests in a sibling file"
        raise DomainError([Problem(file, 1, 1, f"file is too large ({size:,} bytes)", hint)])
    if isinstance(source, str):
        return source
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = source[: err.start].count(b"\n") + 1
        column = err.start - (source.rfind(b"\n", 0, err.start) + 1) + 1
        raise DomainError([Problem(file, line, column, "file is not valid UTF-8", "save the file as UTF-8")]) from None


def _reader_position(err: yaml.YAMLError, text: str) -> tuple[int, int]:
    position = getattr(err, "position", None)
    if position is None:
        return (1, 1)
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def _yaml_hint(message: str, character: str) -> str:
    if "tab" in message or character == "\t":
        return "indent with spaces, not tabs"
    if "nesting" in message:
        return f"a domain file nests at most {MAX_DEPTH} levels"
    if "mapping values are not allowed" in message:
        return "quote values that contain ': ' or check the indentation of this line"
    if "could not determine a constructor" in message:
        return "custom tags (!name) are not supported in domain files"
    return "check the indentation and quoting around this position"


class _Walker:
    """Builds Python data from YAML nodes, recording positions on the way."""

    def __init__(self, loader: Any, located: Located):
        self.loader = loader
        self.located = located
        self.nodes = 0

    def walk(self, node: yaml.Node, path: YamlPath, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            what = "too many values" if self.nodes > MAX_NODES else "nesting is too deep"
            raise yaml.MarkedYAMLError(problem=f"{what} (anchors expanding?)", problem_mark=node.start_mark)
        self.located.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: YamlPath, depth: int) -> dict:
        explicit = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        self.loader.flatten_mapping(node)  # merged pairs come first, explicit pairs last
        merged, own = node.value[: len(node.value) - explicit], node.value[len(node.value) - explicit:]
        result: dict = {}
        for key_node, value_node in own:
            key = self._key(key_node)
            if key in result:
                raise yaml.MarkedYAMLError(problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark)
            result[key] = self._entry(key_node, value_node, path + (key,), depth)
        for key_node, value_node in merged:  # explicit keys override merged ones
            key = self._key(key_node)
            if key not in result:
                result[key] = self._entry(key_node, value_node, path + (key,), depth)
        return result

    def _key(self, key_node: yaml.Node) -> Any:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.MarkedYAMLError(problem="mapping keys must be plain names or numbers",
                                       problem_mark=key_node.start_mark)
        key = self.loader.construct_object(key_node)
        return key_node.value if key is None or isinstance(key, (bool, int, float)) else key  # numbers as written

    def _entry(self, key_node: yaml.Node, value_node: yaml.Node, path: YamlPath, depth: int) -> Any:
        self.located.keys[path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return self.walk(value_node, path, depth + 1)
