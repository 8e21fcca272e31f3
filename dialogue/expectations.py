"""What each session's last turn asked of the user, kept in memory so that the next message is read with it
without reading the session first (the NLU runs before a turn opens its transaction, dialogue/engine.py).

A session this process has not seen lately is read from the store. With several servers, a session whose turns
alternate between them may be read with what was asked a turn earlier: the expectation only helps the NLU read
the message, the turn itself always runs on the stored state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from dialogue.domains.interpretation import Expectation

KEPT = 100_000
"""Sessions remembered, the most recently used ones."""


class Expectations:
    """A bounded map: session id -> what its last turn asked (None: nothing in particular). Safe across threads."""

    def __init__(self, kept: int = KEPT):
        self.kept = kept
        self._known: OrderedDict[str, Expectation | None] = OrderedDict()
        self._lock = threading.Lock()

    def knows(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._known

    def get(self, session_id: str) -> Expectation | None:
        """What the session's last turn asked (None also for a session not known: see `knows`)."""
        with self._lock:
            if session_id not in self._known:
                return None
            self._known.move_to_end(session_id)
            return self._known[session_id]

    def set(self, session_id: str, expectation: Expectation | None) -> None:
        with self._lock:
            self._known[session_id] = expectation
            self._known.move_to_end(session_id)
            while len(self._known) > self.kept:
                self._known.popitem(last=False)
