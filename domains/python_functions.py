"""The Python functions a domain's `python:` actions call, by name: registered in the entry-point group
`dialogue.actions` of an installed package (as spaCy's registries are), or with `register` in the process.
What they receive and return is dialogue.dm.services.python's."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import Any

GROUP = "dialogue.actions"
_REGISTERED: dict[str, Callable[..., Any]] = {}


def register(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function under `name` in this process (a package registers through its entry points)."""

    def registering(target: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTERED[name] = target
        return target

    return registering


def function(name: str) -> Callable[..., Any] | None:
    """The function registered under `name` (in the process, else by an installed package), or None."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    found = _entry_points().get(name)
    return found.load() if found is not None else None


def names() -> list[str]:
    """Every registered name."""
    return sorted({*_REGISTERED, *_entry_points()})


@cache
def _entry_points() -> dict[str, Any]:
    return {point.name: point for point in entry_points(group=GROUP)}
