"""Text as it is produced, for frontends that show or speak a reply before the turn ends.

A template gives its message in one chunk; a generator that streams (an LLM) gives a
message in many. The engine hands chunks to a sink as NLG produces them, before the turn
commits; the turn's result stays the authoritative answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TextChunk:
    message: int
    """Index of the message in the turn's result."""
    response: str
    text: str
    """To append to the message's earlier chunks."""
    last: bool
    """The message's text is complete."""
    attempt: int = 1
    """A turn run again (another server saved the session first) streams anew; earlier attempts' chunks are void."""


ChunkSink = Callable[[TextChunk], None]
