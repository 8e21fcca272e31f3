"""The interfaces the engine uses to understand free text."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from dialogue.domains.interpretation import Interpretation


class Understander(Protocol):
    def parse(self, text: str, *, now: dt.datetime) -> Interpretation:
        """The intent and normalised slot values of one utterance."""


class ParseJob(Protocol):
    """Utterances parsed in one model call, in steps: made, `infer`, `finish`. Only `infer` runs the model, and it
    touches nothing the other steps use meanwhile, so a server may run it on another thread."""

    def infer(self) -> None: ...

    def finish(self) -> list[Interpretation]: ...


@runtime_checkable
class BatchUnderstander(Understander, Protocol):
    def job(self, texts: list[str], *, now: dt.datetime, warnings: list[list[str]] | None = None) -> ParseJob:
        """A job for several utterances; `warnings` are added to each one's interpretation."""
