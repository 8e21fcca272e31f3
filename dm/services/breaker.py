"""A circuit breaker: after N failed calls in a row a service is not called for a while."""

from __future__ import annotations

import threading
import time
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Closed: calls go through. Open (after `failures` in a row): calls fail at once. After `cooldown_s`, one
    trial call goes through (half-open); its success closes the circuit, its failure opens it again."""

    def __init__(self, failures: int, cooldown_s: float):
        self.failures, self.cooldown_s = failures, cooldown_s
        self._lock = threading.Lock()
        self._in_a_row = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        return "open" if time.monotonic() - self._opened_at < self.cooldown_s else "half_open"

    def allow(self) -> bool:
        """Whether a call may go through now (in half-open, only the one trial call)."""
        with self._lock:
            state = self.state
            if state == "closed":
                return True
            if state == "half_open" and not self._trial:
                self._trial = True
                return True
            return False

    def record(self, worked: bool) -> None:
        with self._lock:
            self._trial = False
            if worked:
                self._in_a_row, self._opened_at = 0, None
                return
            self._in_a_row += 1
            if self._opened_at is not None or self._in_a_row >= self.failures:
                self._opened_at = time.monotonic()
