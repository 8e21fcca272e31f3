"""Keys pressed on the phone, made into the digits of DTMF turns."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

MOST = 32
"""Keys in one DTMF turn at most (the server's limit)."""


class Keypad:
    """Each key is a turn of its own at once (a menu choice), except while the engine asks for a value (the last
    answer's state has a `requested_slot`, e.g. an amount): then keys gather into one entry, sent on # (not part of
    it) or after `pause` seconds without a key."""

    def __init__(self, pause: float, enter: Callable[[str], None]):
        self.pause, self.enter = pause, enter
        self.keys = ""
        self._timer: asyncio.TimerHandle | None = None

    def press(self, key: str, *, gather: bool) -> None:
        if not (gather or self.keys):
            self.enter(key)
        elif key == "#" and self.keys:
            self.flush()
        else:
            self.keys += key
            self._stop_timer()
            if len(self.keys) == MOST:
                self.flush()
            else:
                self._timer = asyncio.get_running_loop().call_later(self.pause, self.flush)

    def flush(self) -> None:
        """Send the keys gathered so far, if any."""
        self._stop_timer()
        keys, self.keys = self.keys, ""
        if keys:
            self.enter(keys)

    def clear(self) -> None:
        self._stop_timer()
        self.keys = ""

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
