"""The inspector's conversations: turns run on an engine in this process or on a server over gRPC, kept so that
the page can show what changed and save a conversation as a test."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from dialogue.domains import Domain, load_domain
from dialogue.domains.editing import add_test
from dialogue.domains.loader import tests_path
from dialogue.domains.schema.conversations import ConversationTest
from dialogue.inspector.picture import slot_nodes
from dialogue.inspector.stored import stored_turns
from dialogue.inspector.views import as_test_step, said, turn_view
from dialogue.testing import ConversationOutcome, Mismatch, run_test
from dialogue.turns import InputError, StateSummary, TurnResult, UserInput

MAX_CONVERSATIONS = 200
"""Conversations the inspector keeps in memory (the oldest is forgotten first)."""


class Backend(Protocol):
    """Where turns run."""

    def turn(self, session_id: str, given: UserInput, *, user_id: str, channel: str,
             now: dt.datetime) -> TurnResult: ...


class LocalBackend:
    """An engine in this process: a conversation's clock stays at its first turn's time (or the inspector's `now`),
    as a test's does."""

    def __init__(self, engine: Any):
        self.engine = engine

    def check(self, domain: Domain, test: ConversationTest) -> ConversationOutcome:
        """Run a conversation test with this engine's NLU and knowledge."""
        return run_test(domain, test, nlu=self.engine.nlu, knowledge=self.engine.knowledge)

    def turn(self, session_id: str, given: UserInput, *, user_id: str, channel: str,
             now: dt.datetime) -> TurnResult:
        return self.engine.handle(session_id, given, user_id=user_id, channel=channel, now=now)


class RemoteBackend:
    """A dialogue server over gRPC (its clock is its own)."""

    def __init__(self, client: Any, domain: str):
        self.client, self.domain = client, domain

    def turn(self, session_id: str, given: UserInput, *, user_id: str, channel: str,
             now: dt.datetime) -> TurnResult:
        return self.client.turn(self.domain, session_id, given, user_id=user_id, channel=channel)


@dataclasses.dataclass
class Conversation:
    """One conversation of the page: who, on which channel, since when, and its turns (input and result)."""

    session_id: str
    user_id: str
    channel: str
    began: dt.datetime
    turns: list[tuple[UserInput, TurnResult]] = dataclasses.field(default_factory=list)

    @property
    def state(self) -> StateSummary | None:
        return self.turns[-1][1].state if self.turns else None


class Inspector:
    """The page's view of one domain: runs turns, shows them, lists stored sessions, saves tests. `now` pins the
    clock of every conversation (in the domain's time zone if it has none), as a test's `now:` does."""

    def __init__(self, domain: Domain, backend: Backend, *, domain_path: Path | None, store: Any = None,
                 now: dt.datetime | None = None):
        self.domain, self.backend, self.domain_path, self.store = domain, backend, domain_path, store
        self.zone = ZoneInfo(domain.settings.timezone)
        self.now = None if now is None else now.replace(tzinfo=self.zone) if now.tzinfo is None \
            else now.astimezone(self.zone)
        self.slot_nodes = slot_nodes(domain)
        self.conversations: dict[str, Conversation] = {}
        self.lock = threading.Lock()

    def turn(self, session_id: str, given: UserInput, *, channel: str, user_id: str | None = None) -> dict[str, Any]:
        """Run a turn of a conversation (a new one for a new session id) and show it."""
        with self.lock:
            conversation = self.conversations.get(session_id)
            if conversation is None:
                conversation = self._begin(session_id, channel, user_id)
            before = conversation.state
            result = self.backend.turn(session_id, given, user_id=conversation.user_id, channel=channel,
                                       now=conversation.began)
            conversation.turns.append((given, result))
        return {"said": said(given), **turn_view(result, before, channel=channel, slot_nodes=self.slot_nodes)}

    def _begin(self, session_id: str, channel: str, user_id: str | None) -> Conversation:
        if len(self.conversations) >= MAX_CONVERSATIONS:
            del self.conversations[next(iter(self.conversations))]
        began = self.now or dt.datetime.now(self.zone).replace(microsecond=0)
        conversation = Conversation(session_id, user_id or f"inspect-{session_id}", channel, began)
        self.conversations[session_id] = conversation
        return conversation

    def save_test(self, session_id: str, name: str) -> dict[str, Any]:
        """Write a conversation so far as a conversation test into the domain's tests file; the domain must still
        load with it. Returns the test's name, the file and the test."""
        if self.domain_path is None:
            raise InputError("session_id", "this domain's file is not known here (a server's domain): save tests "
                                           "from an inspector on the domain file")
        conversation = self.conversations.get(session_id)
        if conversation is None or not conversation.turns:
            raise InputError("session_id", f"no conversation '{session_id[:60]}' with turns to save")
        name = name.strip()
        if not name:
            raise InputError("name", "give the test a name")
        if any(test.name == name for test in self.domain.tests):
            raise InputError("name", f"the domain has a test named '{name[:60]}' already; choose another name")
        test = conversation_test(conversation, name)
        checked = self._settled(test)
        path = tests_path(self.domain_path)
        add_test(path, test, header=f"Conversation tests of {self.domain_path.name}. Run: dialogue test "
                                    f"{self.domain_path.name}")
        self.domain = load_domain(self.domain_path)
        return {"name": name, "file": str(path), "test": test, **checked}

    def _settled(self, test: dict[str, Any]) -> dict[str, Any]:
        """Run the test before it is written (with a backend in this process): a slot value that comes out
        otherwise when the conversation runs again (a reference a service made up, an id) is not a check the test
        can keep, so it is dropped from its step and named in `unchecked`; any other difference is named in
        `failing` (the test is written all the same, for the author to look at)."""
        if not isinstance(self.backend, LocalBackend):
            return {"checked": False, "unchecked": [], "failing": []}
        outcome = self.backend.check(self.domain, ConversationTest.model_validate(test))
        unchecked, failing = [], []
        for step in outcome.steps:
            for mismatch in step.mismatches + ([Mismatch("error", None, step.error)] if step.error else []):
                check, _, slot = mismatch.check.partition(".")
                saved = test["steps"][step.number - 1]
                if check == "slots" and slot in saved.get("slots", {}):
                    del saved["slots"][slot]
                    if not saved["slots"]:
                        del saved["slots"]
                    unchecked.append(f"step {step.number}: slot {slot}")
                else:
                    failing.append(f"step {step.number}: {mismatch.check} expected {mismatch.expected!r}, "
                                   f"got {mismatch.actual!r}")
        return {"checked": True, "unchecked": unchecked, "failing": failing}

    def stored(self, limit: int = 100) -> list[dict[str, Any]]:
        """The stored sessions of the domain changed last (none without a database)."""
        return self.store.recent_sessions(self.domain.name, limit) if self.store is not None else []

    def replay(self, session_id: str) -> list[dict[str, Any]]:
        """A stored session's turns, shown like live ones."""
        exported = self.store.export_session(self.domain.name, session_id) if self.store is not None else None
        if exported is None:
            raise InputError("session_id", f"no stored session '{session_id[:60]}' of {self.domain.name}")
        shown, before = [], None
        for given, result, channel in stored_turns(exported):
            shown.append({"said": said(given), **turn_view(result, before, channel=channel,
                                                           slot_nodes=self.slot_nodes)})
            before = result.state
        return shown


def conversation_test(conversation: Conversation, name: str) -> dict[str, Any]:
    """A conversation as a test of the domain's tests file: its clock, channel and every turn as a step."""
    test: dict[str, Any] = {"name": name, "now": conversation.began.replace(tzinfo=None).isoformat()}
    if conversation.channel != "text":
        test["channel"] = conversation.channel
    steps, before = [], None
    for given, result in conversation.turns:
        steps.append(as_test_step(given, result, before))
        before = result.state
    test["steps"] = steps
    return test

