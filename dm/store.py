"""Where sessions and user variables are kept between turns."""

from __future__ import annotations

from typing import Any, Protocol

from dm.state import DialogueState


class SessionStore(Protocol):
    def load(self, domain: str, session_id: str) -> DialogueState | None:
        """The session's latest state, or None for a new session."""

    def save(self, state: DialogueState, events: list[Any]) -> None:
        """Keep the state after a turn, the turn's events, and the user's variables."""

    def variables(self, domain: str, user_id: str) -> dict[str, Any]:
        """What the domain remembers about a user from earlier sessions."""


class MemoryStore:
    """Sessions in process memory: for tests, benchmarks and the terminal chat."""

    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str], DialogueState] = {}
        self.events: dict[tuple[str, str], list[Any]] = {}
        self.users: dict[tuple[str, str], dict[str, Any]] = {}

    def load(self, domain: str, session_id: str) -> DialogueState | None:
        state = self.sessions.get((domain, session_id))
        return state.clone() if state is not None else None

    def save(self, state: DialogueState, events: list[Any]) -> None:
        """Keep the state (the caller hands it over and does not change it afterwards)."""
        key = (state.domain, state.session_id)
        self.sessions[key] = state
        self.events.setdefault(key, []).extend(events)
        self.users[(state.domain, state.user_id)] = dict(state.variables)

    def variables(self, domain: str, user_id: str) -> dict[str, Any]:
        return dict(self.users.get((domain, user_id), {}))

    def remember(self, domain: str, user_id: str, variables: dict[str, Any]) -> None:
        """Set what is known about a user, as if from earlier sessions."""
        self.users[(domain, user_id)] = dict(variables)
