"""The engine: one turn end to end, the only place that knows the order of the steps.

understand -> load state -> input guards -> policy (react, then advance until it waits
for the user, each batch reviewed by the action guards and executed) -> NLG -> save.
Loading to saving is one transaction of the session store: the turn's writes commit
together, and the answer is returned only after the commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from dialogue.dm.actions import ActionRunner
from dialogue.dm.errors import SessionConflict, StoreError
from dialogue.dm.events import (
    BotUttered,
    ConversationRestarted,
    KnowledgeAnswered,
    ServiceCalled,
    SessionCreated,
    SlotSet,
    TaskProposed,
    TurnStarted,
    UserUnderstood,
)
from dialogue.dm.services import CallBook, CallNeeded, ServiceAnswer, ServiceClient, ServiceRequest
from dialogue.dm.services.runner import CallRunner
from dialogue.dm.sql import MemoryStore, SqlStore
from dialogue.dm.state import DialogueState
from dialogue.dm.store import SessionStore, StoredAnswer, Tables, TurnRecord, TurnUnit
from dialogue.dm.tracker import PendingResponse, Tracker, Turn
from dialogue.domains import Domain, load_domain
from dialogue.domains.builtin import ANYTHING_MORE, ASK_INTENT, NLU_FALLBACK
from dialogue.domains.interpretation import Expectation, Found, Interpretation
from dialogue.domains.schema.knowledge import PASSAGES_ANSWER
from dialogue.domains.schema.slots import TextSlot
from dialogue.expectations import Expectations
from dialogue.nlg.assist import LlmAssist, LlmText
from dialogue.nlg.chunks import ChunkSink, TextChunk
from dialogue.nlg.llm.base import Backend
from dialogue.nlg.redact import mask
from dialogue.nlg.templates import Message, TemplateRenderer
from dialogue.nlu.base import BatchParser, Parser, ParseSteps
from dialogue.nlu.lookups import looked_up
from dialogue.paths import models_folder
from dialogue.policies.executor import Executor
from dialogue.policies.goal_stack import GoalStack
from dialogue.policies.guards import Guards
from dialogue.policies.steps import Decision, Step, labels
from dialogue.turns import InputError, StateSummary, TurnInput, TurnResult, UserInput, anonymous_user, check_id

if TYPE_CHECKING:
    from dialogue.nlu.knowledge.index import KnowledgeIndex

MAX_STEPS = 16
"""Batches a turn may run before it must wait for the user (a guard against loops in a domain)."""
MAX_ATTEMPTS = 4
"""Times a turn may run: another process may save the session first (the version check sees it), or a SQLite turn
may find at a table write that another write replaced the snapshot it read (WriteNeeded); then the turn runs again
on the fresh state, holding the session (on SQLite, the database) from its read on."""
LOOKUP_ROWS = 2000
"""Rows of a table a `lookup` slot reads its names from, at most (docs/nlu.md)."""
KNOWLEDGE_HITS = 5
"""Items a search of the domain's knowledge hands the policy, best first."""
QUESTION_INTENTS = frozenset({ASK_INTENT, NLU_FALLBACK, "out_of_scope"})
"""Intents whose text is searched in the domain's knowledge: questions, and input no intent took."""
LLM_RESPONSES = frozenset({"out_of_scope", "fallback"})
"""Responses to input the domain does not handle: with `nlg.fallback`, the LLM answers instead."""


class _Stopwatch:
    def __init__(self, started: float | None = None) -> None:
        self.started = self.last = time.perf_counter() if started is None else started
        self.laps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = self.laps.get(step, 0.0) + (now - self.last) * 1000
        self.last = now

    def result(self) -> dict[str, float]:
        return {**{k: round(v, 4) for k, v in self.laps.items()},
                "total": round((time.perf_counter() - self.started) * 1000, 4)}


class Engine:
    """Runs turns of one domain. Without a store, sessions and tables live in memory.

    `tables` default to the domain's tables in the store's database; tables elsewhere do
    not join the turn's transaction. `llm` serves the LLM uses the domain switches on in
    `nlg` (without one, every turn takes the deterministic path); its response cache lives
    in the store's database (in memory for other stores). `knowledge`: the index of the domain's
    knowledge that questions are searched in (without one, a question gets `no_answer`).
    """

    def __init__(self, domain: Domain, *, nlu: Parser | None = None, store: SessionStore | None = None,
                 tables: Tables | None = None, llm: Backend | None = None, knowledge: KnowledgeIndex | None = None):
        self.domain = domain
        self.nlu = nlu
        self.knowledge = knowledge
        self.store = store if store is not None else MemoryStore()
        self.tables = tables if tables is not None else self.store.tables(domain)
        self._tables_join_turns = tables is None
        self.policy = GoalStack(domain)
        self.services = ServiceClient(domain.services, domain.mcp_servers, domain.folder)
        self.executor = Executor(self.policy, ActionRunner(domain, self.tables), CallRunner(domain))
        self.guards = Guards(domain)
        self.renderer = TemplateRenderer(domain)
        self.zone = ZoneInfo(domain.settings.timezone)
        self.defaults = {name: spec.default for name, spec in domain.slots.items()}
        self.capabilities = [task.description or name.replace("_", " ")
                             for name, task in domain.tasks.items() if task.triggers]
        self.assist = self._assist(llm) if llm is not None and domain.nlg.uses_llm else None
        self.pii = {name for name, spec in domain.slots.items() if spec.pii}
        self.lookups = {name: [source.split(".") for source in spec.lookup] for name, spec in domain.slots.items()
                        if isinstance(spec, TextSlot) and spec.lookup}
        self.expectations = Expectations()

    def _assist(self, llm: Backend) -> LlmAssist:
        """The domain's LLM uses, with their response cache in the store."""
        limits = self.domain.nlg.cache
        cache = self.store.response_cache(max_entries=limits.max_entries, max_age_days=limits.max_age_days)
        return LlmAssist(self.domain, llm, cache)

    @classmethod
    def from_domain(cls, source: str | Path, *, models: str | Path | None = None, db: str | None = None,
                    **options: Any) -> Engine:
        """An engine on the domain at `source` (a path, or a bundled domain's name), with the newest NLU model
        trained on the domain's current data in `models` (default: `dialogue.paths.models_folder()`, where
        `dialogue train` writes), or none if there is none. `db`: a database URL (`sqlite:///dialogue.db`,
        `postgresql+psycopg://...`) for sessions, user memory and tables, instead of memory. The knowledge index
        `dialogue train` built for the domain's current knowledge comes from `models` too. Other options are the
        constructor's (`nlu=` replaces the model)."""
        domain = load_domain(source)
        root = Path(models) if models is not None else models_folder()
        if "nlu" not in options:
            from dialogue.nlu.understander import Understander

            options["nlu"] = Understander.for_domain(domain, root)
        if "knowledge" not in options:
            from dialogue.nlu.knowledge.index import domain_index

            options["knowledge"] = domain_index(domain, root)
        if db is not None:
            options["store"] = SqlStore(db)
        return cls(domain, **options)

    def handle(self, session_id: str, user_input: UserInput | str, *, user_id: str | None = None,
               channel: str = "text", now: dt.datetime | None = None, stream: ChunkSink | None = None) -> TurnResult:
        """Run one turn. Raises InputError for input that cannot be taken as given, StoreError when
        the session store fails (then nothing of the turn was kept). Without a `user_id`, the turn's user is the
        session's own (`anonymous_user`): what the domain remembers of users is then kept for this session only.

        `stream` receives the reply's text as NLG produces it (a replayed turn streams nothing).
        """
        request = UserInput.parse(user_input) if isinstance(user_input, str) else user_input
        given = self.check(session_id, request, user_id=user_id or anonymous_user(session_id), channel=channel)
        return self.respond(self.understand(given, now=now), stream=stream)

    @property
    def quick(self) -> bool:
        """Whether `respond` never waits on an LLM, a network or a disk flush (only on other turns, and
        `respond(wait=False)` does not wait for those): no LLM, a quick store, and the domain's tables in
        it. Such turns may run where waiting is not allowed."""
        return self.assist is None and self.store.quick and self._tables_join_turns

    def understand(self, given: TurnInput, *, now: dt.datetime | None = None) -> Understood:
        """After `check`, the first half of a turn: the input understood (the NLU, unless the caller parsed the
        text already, and the LLM's rescue below its threshold). Nothing is read from the session or kept."""
        clock = _Stopwatch(given.began)
        request = given.request
        now = self._clock(now)
        llm_deadline = time.monotonic() + self.domain.nlg.llm.timeout_ms / 1000
        turn = self._understand(given, now, llm_deadline)
        clock.lap("nlu")
        return Understood(given.session_id, given.user_id, request, turn,
                          _fingerprint(request) if request.turn_id else None, llm_deadline, clock)

    def respond(self, understood: Understood, *, stream: ChunkSink | None = None, wait: bool = True) -> TurnResult:
        """The second half of `handle`: the understood turn on the session's state, kept in one transaction,
        and the service calls it makes, each outside any transaction (dialogue.dm.services.calls).

        Without `wait`, raises Busy (and nothing ran) when another turn holds the session or the
        database's write lock, instead of waiting for it.
        """
        book = self.call_book()
        while True:
            try:
                return self.attempt(understood, book, stream=stream, wait=wait)
            except CallNeeded as needed:
                self.called(understood, book, needed.request, self.services.send(needed.request, book.deadline))

    def call_book(self) -> CallBook:
        """A turn's book of call answers, its budget starting now (`settings.actions.timeout_ms`)."""
        return CallBook(deadline=time.monotonic() + self.domain.settings.actions.timeout_ms / 1000)

    @staticmethod
    def called(understood: Understood, book: CallBook, request: ServiceRequest, answer: ServiceAnswer) -> None:
        """Keep a call's answer for the turn's next run (`attempt`)."""
        book.answers[request.key] = answer
        understood.clock.lap("services")

    def attempt(self, understood: Understood, book: CallBook, *, stream: ChunkSink | None = None,
                wait: bool = True) -> TurnResult:
        """`respond` with the call answers in `book`: CallNeeded (and nothing kept) when the turn reaches a call
        the book does not answer; make it (`services`), note it (`called`) and attempt the turn again."""
        session_id, request, clock = understood.session_id, understood.request, understood.clock
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self.store.begin(self.domain.name, session_id, request.turn_id, exclusive=attempt > 0,
                                      wait=wait) as unit:
                    clock.lap("load")
                    if unit.stored is not None:
                        return _replayed(unit.stored, understood.fingerprint, request.turn_id, clock)
                    book.rewind()
                    tracker, result = self._turn(unit, session_id, understood.user_id, request,
                                                 dataclasses.replace(understood.turn), clock,
                                                 _Stream(stream, book.runs), understood.llm_deadline, book)
                    result.attempts = attempt + 1
                    unit.save(tracker.state, self._logged(tracker), TurnRecord(
                        turn_id=request.turn_id, fingerprint=understood.fingerprint, latency_ms=result.latency_ms,
                        answer=result.model_dump_json() if request.turn_id else None))
            except SessionConflict:
                continue
            if self.in_context:
                self.expectations.set(session_id, tracker.state.expectation)
            clock.lap("store")
            result.latency_ms = clock.result()
            return result
        raise StoreError(f"session '{session_id}' was changed by other turns {MAX_ATTEMPTS} times while this turn "
                         "ran; nothing of it was kept, try it again")

    def _turn(self, unit: TurnUnit, session_id: str, user_id: str, request: UserInput, turn: Turn,
              clock: _Stopwatch, stream: _Stream, llm_deadline: float, book: CallBook) -> tuple[Tracker, TurnResult]:
        """The turn on the state the unit read (nothing is saved here)."""
        state = unit.state

        def first() -> DialogueState:
            return unit.reread() or DialogueState(session_id=session_id, user_id=user_id, domain=self.domain.name)
        tracker = Tracker(state or first(), turn, self.capabilities, reread=first, calls=book)
        if state is None:
            tracker.apply(SessionCreated(session_id=session_id, user_id=user_id, domain=self.domain.name,
                                         slots=self.defaults, variables=self._variables(unit, user_id)))
        elif tracker.state.ended or tracker.state.handoff:
            tracker.apply(ConversationRestarted(slots=self.defaults))
        tracker.apply(TurnStarted(turn=tracker.state.turn + 1, channel=turn.channel,
                                  input=request.model_dump(exclude_none=True, exclude_defaults=True)))
        if turn.event == "dtmf":
            tracker.reinterpret(self.policy.read_keys(tracker))
        if turn.interpretation is not None:
            if self.lookups and turn.interpretation.text:
                tracker.reinterpret(looked_up(turn.interpretation, self._names(tracker.state)))
            tracker.apply(UserUnderstood(interpretation=turn.interpretation.model_dump()))
            tracker.warnings += turn.interpretation.warnings
        opening = not tracker.state.started
        went_on = not opening or self._execute(tracker, self.policy.begin())
        if went_on and not (opening and turn.event == "no_input" and tracker.responses):
            self._react(tracker, clock)  # silence as a call opens is answered by the greeting: nothing was asked
        messages = self._render(tracker, stream, llm_deadline)
        clock.lap("nlg")
        return tracker, self._result(tracker, messages, clock.result())

    def _react(self, tracker: Tracker, clock: _Stopwatch) -> None:
        """The input reviewed by the input guards and reacted to, then each further thing the message asked for
        (`Interpretation.also`, "yes please, and what time do you open?") the same way, while the conversation
        goes on. A response an earlier thing gave that a later one gives again is given once, after the later
        one's (the question the task asks, asked again after the answer to the other thing); one asking for anything
        more, or proposing the next task, is not given when a later thing ends the conversation."""
        understood = reported = tracker.turn.interpretation
        for number, thing in enumerate([understood, *(understood.also if understood else [])]):
            if number:
                if tracker.state.ended or tracker.state.handoff:
                    break
                tracker.take_next(thing)
            steps, vetoed = self.guards.review_input(tracker)
            went_on = self._execute(tracker, steps)
            clock.lap("guards")
            if went_on:
                self._run(tracker, Decision(listen=False) if vetoed else self.policy.react(tracker))
            clock.lap("policy")
            if not number:
                reported = tracker.turn.interpretation  # as the input guards left it
            if not went_on:
                break
        tracker.reinterpret(reported)
        tracker.responses[:] = _given_once(tracker.responses, tracker.taken_from)
        if tracker.state.ended and tracker.taken_from:  # "No, that's all": what was asked before it is moot
            moot = ANYTHING_MORE | {event.ask for event in tracker.events if isinstance(event, TaskProposed)}
            tracker.responses[:] = [pending for pending in tracker.responses if pending.name not in moot]

    def _names(self, state: DialogueState) -> dict[str, list[str]]:
        """The names each `lookup` slot knows: its columns' values in the first LOOKUP_ROWS rows of each table, as
        the turn's transaction sees them, and its fields' values in the rows of the session's results."""
        def rows(source: list[str]) -> list[dict[str, Any]]:
            if source[0] == "results":
                return state.results.get(source[1], [])
            return self.tables.select(source[0], {}, limit=LOOKUP_ROWS)
        return {slot: sorted({value for source in sources for row in rows(source)
                              if isinstance(value := row.get(source[-1]), str) and value.strip()})
                for slot, sources in self.lookups.items()}

    def check(self, session_id: str, request: UserInput, *, user_id: str, channel: str) -> TurnInput:
        """The turn's input, checked: InputError, naming the field, for one this engine cannot take as given
        (nothing is run or read)."""
        if channel not in ("text", "voice"):
            raise InputError("channel", f"unknown channel '{channel}'; use text or voice")
        check_id("session_id", session_id)
        check_id("user_id", user_id)
        request = request.check()
        if request.digits is not None and not _is_keypad(request.digits):
            raise InputError("digits", "DTMF digits are 0-9, * and #, at most 32 of them")
        if request.intent is not None:
            intent = request.intent
            if intent not in self.domain.intents and intent != NLU_FALLBACK:
                known = ", ".join(sorted(self.domain.intents))
                raise InputError("intent", f"unknown intent '{intent[:60]}'; known intents: {known}")
            unknown = [slot for slot in request.entities if slot not in self.domain.slots]
            if unknown:
                raise InputError("entities", f"unknown slot '{unknown[0][:60]}'; known slots: "
                                             f"{', '.join(sorted(self.domain.slots))}")
        return TurnInput(session_id, user_id, channel, request)

    def _clock(self, now: dt.datetime | None) -> dt.datetime:
        """The turn's time in the domain's time zone (a naive time is taken to be in that zone)."""
        if now is None:
            return dt.datetime.now(self.zone)
        return now.replace(tzinfo=self.zone) if now.tzinfo is None else now.astimezone(self.zone)

    @property
    def in_context(self) -> bool:
        """Whether free text is read with what the session's last turn asked (then each turn keeps that)."""
        return self.nlu is not None and self.domain.settings.nlu.in_context

    def expectation_at_hand(self, session_id: str) -> bool:
        """Whether `expecting` answers without reading the store (a server may then call it on its event loop)."""
        return not self.in_context or self.expectations.knows(session_id)

    def expecting(self, session_id: str) -> Expectation | None:
        """What the session's last turn asked of the user, which its next message answers (read from the store
        when this engine has not run the session lately: dialogue/expectations.py). None when the store cannot be
        read: the expectation only helps the NLU, and the turn's own transaction then says what failed."""
        if not self.in_context:
            return None
        if self.expectations.knows(session_id):
            return self.expectations.get(session_id)
        try:
            state = self.store.load(self.domain.name, session_id)
        except StoreError:
            return None
        expectation = state.expectation if state is not None else None
        self.expectations.set(session_id, expectation)
        return expectation

    def _understand(self, given: TurnInput, now: dt.datetime, llm_deadline: float) -> Turn:
        request, parsed = given.request, given.parsed
        turn = Turn(channel=given.channel, now=now, event=request.event, digits=request.digits)
        if request.event is not None:
            return turn
        if request.intent is not None:
            turn.interpretation = Interpretation(intent=request.intent, entities=request.entities, source="structured")
            return turn
        if not (request.text or "").strip():  # silence on a phone line, an empty message in a chat
            turn.event = "no_input"
            return turn
        if parsed is None:
            parsed = self.parse(request.text or "", now=now, expecting=self.expecting(given.session_id))
        turn.interpretation = self._searched(self._rescued(parsed, llm_deadline))
        return turn

    def searches(self, understood: Interpretation | None) -> bool:
        """Whether the message asks a question (or things of it do) for the domain's knowledge to answer, which the
        NLU did not answer already (an FAQ entry its answer head was sure of)."""
        return self.knowledge is not None and understood is not None and any(
            _unanswered(self._doubted(thing)) for thing in [understood, *understood.also])

    def _searched(self, understood: Interpretation) -> Interpretation:
        """The message with what the knowledge holds for each question it asks (`Interpretation.knowledge`)."""
        if self.knowledge is None:
            return understood
        things = [self._doubted(thing) for thing in [understood, *understood.also]]
        if not any(map(_unanswered, things)):
            return understood
        things = [thing.model_copy(update={"knowledge": self.knowledge.search(thing.text, KNOWLEDGE_HITS)})
                  if _unanswered(thing) else thing for thing in things]
        return things[0].model_copy(update={"also": things[1:]})

    def _doubted(self, thing: Interpretation) -> Interpretation:
        """The question without the FAQ entry the NLU's answer head gave it when the question says a rare word of
        the knowledge that the entry does not hold ("where do I find my PUK code" given the PAC code's entry): it is
        searched instead."""
        assert self.knowledge is not None
        if thing.knowledge and thing.text and self.knowledge.points_elsewhere(thing.knowledge[0], thing.text):
            return thing.model_copy(update={"knowledge": []})
        return thing

    def _rescued(self, understood: Interpretation, llm_deadline: float) -> Interpretation:
        """Below the confidence threshold, the LLM may pick the intent (with `nlg.rescue`)."""
        if self.assist is None or not self.domain.nlg.rescue or understood.intent != NLU_FALLBACK \
                or not understood.text:
            return understood
        pii = [value for slot, value in understood.entities.items() if slot in self.pii]
        intent, note = self.assist.rescue(understood.text, pii=pii, deadline=llm_deadline)
        if intent is None:
            return understood.model_copy(update={"warnings": [*understood.warnings, note]})
        return understood.model_copy(update={"intent": intent, "source": "llm"})

    def parse(self, text: str, *, now: dt.datetime | None = None,
              expecting: Expectation | None = None) -> Interpretation:
        """What a text means in the domain, read as the answer to `expecting` (the NLU alone; nothing is kept).
        Raises InputError without a model."""
        text, warnings = self._cut(text)
        interpretation = self._nlu().parse(text, now=self._clock(now), expecting=expecting)
        interpretation.warnings += warnings
        return interpretation

    @property
    def batches(self) -> bool:
        """Whether the NLU parses several texts in one model call, in steps (`parse_job`)."""
        return isinstance(self.nlu, BatchParser)

    def parse_job(self, texts: list[str], *, now: dt.datetime | None = None,
                  expecting: list[Expectation | None] | None = None) -> ParseSteps:
        """`parse` of several texts in one model call, as a job whose model step may run on another thread
        (`dialogue.nlu.base.ParseSteps`); only when the engine `batches`."""
        nlu = self._nlu()
        assert isinstance(nlu, BatchParser), "this engine's NLU parses one text at a time"
        cut = [self._cut(text) for text in texts]
        return nlu.job([text for text, _ in cut], now=self._clock(now), warnings=[warnings for _, warnings in cut],
                       expecting=expecting)

    def _cut(self, text: str) -> tuple[str, list[str]]:
        """The text to understand, cut to the domain's limit, and the warning if it was."""
        text = text.strip()
        limit = self.domain.settings.max_input_chars
        if len(text) <= limit:
            return text, []
        return text[:limit], [f"input of {len(text):,} characters was cut to {limit:,}"]

    def _nlu(self) -> Parser:
        if self.nlu is None:
            raise InputError("text", f"free text needs a trained NLU model for domain '{self.domain.name}'; "
                                     f"train one with `dialogue train {self.domain.argument}`, or send structured "
                                     "input such as /greet")
        return self.nlu

    def reset(self, session_id: str) -> DialogueState | None:
        """Start a session's conversation over: tasks and slots cleared, user variables kept.

        The reset is a turn of its own in the log (`turn_started` with input `{"reset": true}`, then
        `conversation_restarted`). Returns the state after it, or None when there is no such session.
        """
        with self.store.begin(self.domain.name, session_id, exclusive=True) as unit:
            state = unit.state
            if state is None:
                return None
            events = [TurnStarted(turn=state.turn + 1, channel="api", input={"reset": True}),
                      ConversationRestarted(slots=self.defaults)]
            for event in events:
                event.apply(state)
            unit.save(state, events, TurnRecord())
        if self.in_context:
            self.expectations.set(session_id, state.expectation)
        return state

    def _variables(self, unit: TurnUnit, user_id: str) -> dict[str, Any]:
        remembered = unit.variables(user_id)
        return {name: remembered.get(name, spec.default) for name, spec in self.domain.memory.variables.items()}

    def _run(self, tracker: Tracker, decision: Decision) -> None:
        """Run batches until the policy waits for the user or the conversation ends.

        A batch a guard vetoed is not proposed twice in a row: the turn then waits for the user. So does a
        batch whose table action failed, once the user is told (`action_failed`).
        """
        vetoed: list[str] | None = None
        for _ in range(MAX_STEPS):
            proposed = labels(decision.steps)
            if vetoed is not None and proposed == vetoed:
                return
            steps, was_vetoed = self.guards.review_actions(tracker, decision.steps)
            vetoed = proposed if was_vetoed else None
            if not self._execute(tracker, steps):
                return
            if decision.listen or tracker.state.ended or tracker.state.handoff:
                return
            decision = self.policy.advance(tracker)
        tracker.warnings.append(f"the turn stopped after {MAX_STEPS} steps; check the domain for a loop")

    def _execute(self, tracker: Tracker, steps: list[Step]) -> bool:
        """Run the steps, all or nothing: False if a table action or a service call among them failed. Then what
        the steps did before it is undone (state and tables), what was to follow it does not run (a booking is
        not confirmed that was never saved), the failed action's `on_error` runs or else the user is told
        (`action_failed`), and the task stays where it was, to be tried again."""
        failed = self.executor.attempt(tracker, steps)
        if failed is None:
            return True
        if failed.then:
            self._execute(tracker, failed.then)
        else:
            tracker.respond("action_failed")
        return False

    def _render(self, tracker: Tracker, stream: _Stream, llm_deadline: float) -> list[Message]:
        seed = f"{tracker.state.session_id}:{tracker.state.turn}"
        messages = []
        for pending in tracker.responses:
            pieces = None
            if pending.name == PASSAGES_ANSWER:
                message = self._from_passages(tracker, pending, seed, llm_deadline)
            else:
                message = self.renderer.render(pending, channel=tracker.turn.channel, seed=seed,
                                               warnings=tracker.warnings)
                if message is not None and self.assist:
                    pieces = self._written(tracker, pending.context, message, llm_deadline)
            if message is None or (messages and message.text == messages[-1].text):  # the same words again
                continue
            stream.pieces(len(messages), message, pieces or [message.text])
            messages.append(message)
            tracker.apply(BotUttered(response=message.response, text=message.text, source=message.source))
        return messages

    def _from_passages(self, tracker: Tracker, pending: PendingResponse, seed: str, llm_deadline: float) \
            -> Message | None:
        """The LLM's answer from the passages the policy chose, if it passed the grounding check (then the turn
        records them as its sources); else the `no_answer` response, with a note on why."""
        passages = [Found.model_validate(passage) for passage in pending.context["passages"]]
        written, cited = LlmText(None, note="no LLM backend"), []
        if self.assist is not None and self.knowledge is not None:
            state = tracker.state
            written, cited = self.assist.from_passages(
                pending.context["question"], [self.knowledge.item(passage).quoted for passage in passages],
                pii=self.assist.pii_values(state.slots, state.variables), deadline=llm_deadline)
        if written.text is None:
            message = self.renderer.render(PendingResponse("no_answer", pending.context), channel=tracker.turn.channel,
                                           seed=seed, warnings=tracker.warnings)
            if message is not None:
                message.note = written.note or None
            return message
        tracker.apply(KnowledgeAnswered(sources=[passages[place] for place in cited]))
        ssml = f"<speak>{escape(written.text)}</speak>" if tracker.turn.channel == "voice" else None
        return Message(response=PASSAGES_ANSWER, text=written.text, ssml=ssml, source="llm", note=written.note or None)

    def _written(self, tracker: Tracker, context: dict[str, Any], message: Message, llm_deadline: float) \
            -> list[str] | None:
        """Let the LLM write the message where the domain asks for it; the message is changed only when its
        text passed the output guard. Returns the accepted text's pieces, or None."""
        assert self.assist is not None
        settings, state = self.domain.nlg, tracker.state
        pii = self.assist.pii_values(state.slots, state.variables)
        pii += self.assist.pii_values(context.get("slots") or {}, context.get("user") or {})
        if message.response in LLM_RESPONSES and settings.fallback and tracker.turn.text:
            written = self.assist.answer(tracker.turn.text, self.capabilities, pii=pii, deadline=llm_deadline)
        elif settings.rephrase and message.response not in LLM_RESPONSES and _plain_voice(message):
            used = [context.get("slots"), context.get("results"), context.get("user")]
            written = self.assist.rephrase(message.text, used, pii=pii, deadline=llm_deadline)
        else:
            return None
        message.note = written.note or None
        if written.text is None:
            return None
        message.text, message.source = written.text, "llm"
        if message.ssml is not None:
            message.ssml = f"<speak>{escape(written.text)}</speak>"
        return written.pieces

    def _logged(self, tracker: Tracker) -> list[Any]:
        """The turn's events as the log keeps them: values of slots marked `pii: true` redacted."""
        if not self.pii:
            return tracker.events
        secrets = [tracker.state.slots.get(name) for name in self.pii]
        secrets += [event.value for event in tracker.events if isinstance(event, SlotSet) and event.slot in self.pii]
        secrets += [value for event in tracker.events if isinstance(event, UserUnderstood)
                    for thing in [event.interpretation, *event.interpretation.get("also", [])]
                    for slot, value in thing.get("entities", {}).items() if slot in self.pii]
        return [type(event).model_validate(mask(event.model_dump(), secrets)) for event in tracker.events]

    def _result(self, tracker: Tracker, messages: list[Message], latency: dict[str, float]) -> TurnResult:
        state = tracker.state
        return TurnResult(session_id=state.session_id, turn=state.turn, messages=messages, ended=state.ended,
                          handoff=state.handoff, understood=tracker.turn.interpretation, state=StateSummary.of(state),
                          actions=tracker.executed, latency_ms=latency, warnings=tracker.warnings,
                          calls=[event for event in tracker.events if isinstance(event, ServiceCalled)],
                          sources=[found for event in tracker.events if isinstance(event, KnowledgeAnswered)
                                   for found in event.sources])


def _unanswered(thing: Interpretation) -> bool:
    """A question (or input no intent took) the NLU found no answer to."""
    return thing.intent in QUESTION_INTENTS and bool(thing.text) and not thing.knowledge


def _given_once(responses: list[PendingResponse], starts: list[int]) -> list[PendingResponse]:
    """The responses but those that the things of the message starting at `starts` give again later."""
    kept = []
    for index, pending in enumerate(responses):
        later = next((start for start in starts if start > index), len(responses))
        if all(again.name != pending.name for again in responses[later:]):
            kept.append(pending)
    return kept


@dataclasses.dataclass(frozen=True)
class Understood:
    """A turn whose input was checked and understood (`Engine.understand`), to run with `Engine.respond`."""

    session_id: str
    user_id: str
    request: UserInput
    turn: Turn
    fingerprint: str | None
    """A hash of the input, for a turn with a client turn id (a retry must send the same input)."""
    llm_deadline: float
    """The turn's LLM budget ends at this time.monotonic()."""
    clock: _Stopwatch


@dataclasses.dataclass(frozen=True)
class _Stream:
    """Where one attempt of a turn sends its text as it is produced (nowhere without a sink)."""

    sink: ChunkSink | None
    attempt: int

    def pieces(self, index: int, message: Message, pieces: list[str]) -> None:
        """A message's text in the pieces it was produced in (a template's in one)."""
        if self.sink is None:
            return
        for number, piece in enumerate(pieces, start=1):
            self.sink(TextChunk(index, message.response, piece, last=number == len(pieces), attempt=self.attempt))


def _fingerprint(request: UserInput) -> str:
    """A hash of what the user sent, to tell a retry from a new turn that reuses its id."""
    return hashlib.sha256(request.model_dump_json(exclude={"turn_id"}).encode()).hexdigest()[:32]


def _replayed(stored: StoredAnswer, fingerprint: str | None, turn_id: str | None, clock: _Stopwatch) -> TurnResult:
    if stored.fingerprint != fingerprint:
        raise InputError("turn_id", f"turn id '{turn_id}' was already used for a different input in this session; "
                                    "give every new turn a new id")
    result = TurnResult.model_validate_json(stored.answer)
    result.replayed = True
    result.latency_ms = clock.result()
    return result


def _plain_voice(message: Message) -> bool:
    """Whether the message has no SSML of its own (a rephrasing would lose it)."""
    return message.ssml is None or message.ssml == f"<speak>{escape(message.text)}</speak>"


def _is_keypad(digits: str) -> bool:
    return 0 < len(digits) <= 32 and all(c in "0123456789*#" for c in digits)
