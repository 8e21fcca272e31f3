"""The interface the engine uses to understand free text."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from domains.interpretation import Interpretation


class Understander(Protocol):
    def parse(self, text: str, *, now: dt.datetime) -> Interpretation:
        """The intent and normalised slot values of one utterance."""
