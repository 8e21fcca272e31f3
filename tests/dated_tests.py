"""Which tests can depend on the date (tests/test_clock.py reruns them with the clock a year ahead): each test's
source, with the definitions it names, transitively, in its module, in the test modules it imports from and in the
conftest files above it, searched for what marks a date."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATED = re.compile(r"\d{4}-\d{2}-\d{2}|\btoday\b|\btimedelta\b|\.tests\.yaml|\brun_tests\b")
"""What makes a test date-sensitive: a date written in it or in what it uses, "today", a time reckoned from the
clock, or the conversations of the domains' tests."""

Definition = tuple[Path, ast.stmt]
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def date_sensitive_tests(folder: Path) -> list[str]:
    """The ids (absolute path::name) of the tests under `folder` whose outcome can depend on the date, the fuzzers
    left out (random input whose assertions never name a day)."""
    return [test for path in sorted(folder.rglob("test_*.py")) if "fuzz" not in path.stem
            for test, start in _tests(path) if DATED.search(_sliced(folder, path, start))]


def _tests(path: Path) -> Iterator[tuple[str, list[Definition]]]:
    """Each test function and method of a module, with what it starts from: itself (a method: its class) and the
    module's autouse fixtures."""
    module = _parsed(path)[0]
    autouse = [(path, node) for node in module.body
               if isinstance(node, FUNCTIONS) and any("autouse=True" in ast.unparse(d) for d in node.decorator_list)]
    for node in module.body:
        if isinstance(node, FUNCTIONS) and node.name.startswith("test"):
            yield f"{path}::{node.name}", [(path, node), *autouse]
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for method in node.body:
                if isinstance(method, FUNCTIONS) and method.name.startswith("test"):
                    yield f"{path}::{node.name}::{method.name}", [(path, node), *autouse]


def _sliced(folder: Path, test: Path, start: list[Definition]) -> str:
    """The sources of `start` and of every definition they name (fixtures by their parameters' names)."""
    conftests = [parent / "conftest.py" for parent in test.parents
                 if parent.is_relative_to(folder) and (parent / "conftest.py").exists()]
    seen: set[int] = set()
    sources, todo = [], list(start)
    while todo:
        path, node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        sources.append(_source(path, node))
        scopes = [_top_level(path), *map(_top_level, conftests)]
        for name in _names(node):
            todo += [scope[name] for scope in scopes if name in scope][:1]
    return "\n".join(sources)


def _names(node: ast.stmt) -> set[str]:
    return {child.id if isinstance(child, ast.Name) else child.arg for child in ast.walk(node)
            if isinstance(child, (ast.Name, ast.arg))}


@cache
def _parsed(path: Path) -> tuple[ast.Module, list[str]]:
    text = path.read_text(encoding="utf-8")
    return ast.parse(text), text.splitlines()


def _source(path: Path, node: ast.stmt) -> str:
    """A definition's lines, its decorators (where parametrize writes its cases) included."""
    first = min([node.lineno, *(decorator.lineno for decorator in getattr(node, "decorator_list", ()))])
    return "\n".join(_parsed(path)[1][first - 1:node.end_lineno])


@cache
def _top_level(path: Path) -> dict[str, Definition]:
    """The names a module defines, or imports from another test module, and where each is defined."""
    found: dict[str, Definition] = {}
    for node in _parsed(path)[0].body:
        if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            found[node.name] = (path, node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found |= {name.id: (path, node) for target in targets for name in ast.walk(target)
                      if isinstance(name, ast.Name)}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests":
            source = ROOT.joinpath(*node.module.split(".")).with_suffix(".py")
            defined = _top_level(source) if source.exists() else {}
            found |= {alias.asname or alias.name: defined[alias.name] for alias in node.names
                      if alias.name in defined}
    return found
