"""Problems found in a domain file, each with a location and a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a domain file: what, where, and how to fix it."""

    file: str
    line: int
    column: int
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class DomainError(Exception):
    """A domain could not be loaded. Carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        errors = [p for p in self.problems if p.severity == "error"]
        shown = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{len(errors)} error(s) in domain:\n{shown}")


def did_you_mean(word: str, choices: Iterable[str], listed: int = 8) -> str:
    """A hint naming the closest known name, or listing the first `listed` known names."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if not choices:
        return "none are declared"
    shown = ", ".join(choices[:listed]) + (", ..." if len(choices) > listed else "")
    return f"known: {shown}"
