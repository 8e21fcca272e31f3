"""The interfaces the engine uses to understand free text (dialogue.nlu.understander.Understander implements them)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from dialogue.domains.interpretation import Expectation, Interpretation


class Parser(Protocol):
    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        """The intent and normalised slot values of one utterance, read as the answer to `expecting` (what the
        assistant asked last; None: nothing in particular)."""


class ParseSteps(Protocol):
    """Utterances parsed in one model call, in steps: made, `infer`, `finish`. Only `infer` runs the model, and it
    touches nothing the other steps use meanwhile, so a server may run it on another thread."""

    def infer(self) -> None: ...

    def finish(self) -> list[Interpretation]: ...


@runtime_checkable
class BatchParser(Parser, Protocol):
    def job(self, texts: list[str], *, now: dt.datetime, warnings: list[list[str]] | None = None,
            expecting: list[Expectation | None] | None = None) -> ParseSteps:
        """A job for several utterances (each read as the answer to its `expecting`); `warnings` are added to each
        one's interpretation."""
