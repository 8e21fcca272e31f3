"""One simulated conversation against an engine of its own: fresh session store and tables."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dialogue.client import ServerError
from dialogue.dm.sql import MemoryStore
from dialogue.dm.store import Tables
from dialogue.domains.builtin import NLU_FALLBACK
from dialogue.domains.schema import Domain, FsmTask
from dialogue.engine import Engine
from dialogue.nlu.base import Parser
from dialogue.simulation.agenda import Act, AgendaUser
from dialogue.simulation.behaviour import Behaviour
from dialogue.simulation.goals import GoalError, GoalSampler, Scenario
from dialogue.simulation.judge import Judge, Verdict, snapshot
from dialogue.simulation.noise import Noise
from dialogue.simulation.utterances import Realiser, Utterance, tag_words
from dialogue.turns import InputError, TurnResult, UserInput


@dataclass
class SimulationSettings:
    """What a run of the simulator is; picklable, so process and Ray workers rebuild the same simulator."""

    domain: str
    models: str | None = None
    seed: int = 0
    noise: float = 0.0
    noise_levels: list[float] = field(default_factory=list)
    behaviour: Behaviour = field(default_factory=Behaviour)
    channel: str = "auto"
    now: str = "2026-11-25T10:00:00"
    max_turns: int = 30
    threads: int | None = None  # NLU threads per simulator (None: the runtime's default)
    paraphrase: float = 0.0  # share of text turns an LLM rewrites (0: none)
    paraphrase_cache: str = "sqlite://"  # database of the LLM answers (a file keeps them between runs)

    def noise_for(self, index: int) -> float:
        return self.noise_levels[index % len(self.noise_levels)] if self.noise_levels else self.noise


@dataclass
class TurnLog:
    """One exchange: what the user did (with the simulator's labels) and what the engine did."""

    behaviour: str
    kind: str
    text: str | None = None
    digits: str | None = None
    intent: str | None = None  # the simulator's label
    values: dict[str, Any] = field(default_factory=dict)
    gold_tags: list[str] | None = None
    predicted_intent: str | None = None
    predicted_entities: dict[str, Any] = field(default_factory=dict)
    predicted_tags: list[str] | None = None
    bot: list[str] = field(default_factory=list)
    reply: str = ""
    actions: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)  # the slots holding a value after the turn
    task: str | None = None  # the active task after the turn
    llm_messages: int = 0
    latency_ms: float = 0.0
    error: str | None = None


@dataclass
class ConversationLog:
    index: int
    session_id: str
    scenario: Scenario
    turns: list[TurnLog]
    success: bool
    reasons: list[str]
    stored: dict[str, Any]
    expected: dict[str, Any]
    handoff: bool
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def pick_channel(domain: Domain, channel: str) -> str:
    """`auto`: the phone when the domain has line-wide no-input or no-match handling or an FSM menu."""
    if channel != "auto":
        return channel
    phone = domain.ivr.no_input or domain.ivr.no_match
    return "voice" if phone or any(isinstance(t, FsmTask) for t in domain.tasks.values()) else "text"


class Simulator:
    """Runs conversations of one domain; conversation i depends only on (seed, i)."""

    own_rows = False
    """Whether goals bound to a seeded user get a user of their own (goals.py): so they do for a domain that calls
    services, whose state every conversation of a run shares, as a server's database."""

    def __init__(self, domain: Domain, nlu: Parser | None, settings: SimulationSettings):
        self.domain, self.nlu, self.settings = domain, nlu, settings
        self.now = dt.datetime.fromisoformat(settings.now)
        own_rows = self.own_rows or bool(domain.services or domain.mcp_servers)
        self.goals = GoalSampler(domain, settings.behaviour, self.now, own_rows=own_rows)
        self.goals.check()
        self.realiser = Realiser(domain, self.goals.sampler, self.now.date())
        self.judge = Judge(domain)
        self.channel = pick_channel(domain, settings.channel)
        self.paraphraser = _paraphraser(domain, settings) if settings.paraphrase else None

    def scenario(self, index: int) -> tuple[Scenario, random.Random]:
        rng = random.Random(f"{self.settings.seed}:{index}")
        user = f"sim-{self.settings.seed}-{index}"
        return self.goals.sample(rng, user, self.channel, self.settings.noise_for(index)), rng

    def run(self, index: int) -> ConversationLog:
        """Conversation `index` on an engine of its own, judged from its event log, tables and service exchanges."""
        started = time.perf_counter()
        scenario, rng = self.scenario(index)
        store = MemoryStore()
        engine = Engine(self.domain, nlu=self.nlu, store=store)
        engine.services.exchanges = exchanges = []
        for table, row in scenario.fixtures:
            engine.tables.insert(table, row)
        before = snapshot(engine.tables)
        session = f"sim-{self.settings.seed}-{index}"
        turns, handoff = self.talk(lambda given: engine.handle(session, given, user_id=scenario.user_id,
                                                               channel=scenario.channel, now=self.now), scenario, rng)
        events = store.events.get((self.domain.name, session), [])
        verdict = self.judge.judge(scenario, events, before, snapshot(engine.tables), exchanges)
        return _conversation(index, session, scenario, turns, verdict, handoff, started)

    def talk(self, send: Callable[[UserInput], TurnResult], scenario: Scenario,
             rng: random.Random) -> tuple[list[TurnLog], bool]:
        """The user and the assistant take turns until the user is done (or the turn limit)."""
        user = AgendaUser(self.domain, scenario, self.goals, self.realiser, self.settings.behaviour, rng,
                          self.now.date())
        noise = Noise(scenario.noise)
        turns: list[TurnLog] = []
        act: Act | None = user.first()
        handoff = False
        while act is not None and len(turns) < self.settings.max_turns:
            said = act.utterance
            if said is not None and self.paraphraser is not None:
                said = self.paraphraser.apply(said, rng)
            said = noise.apply(said, rng) if said is not None else None
            log = _log(act, said)
            turns.append(log)
            try:
                result = send(_input(act, said))
            except (InputError, ServerError) as err:
                log.error = str(err)
                break
            _observe(log, result, said)
            handoff = handoff or result.handoff
            act = user.next(result)
        return turns, handoff


class RemoteSimulator(Simulator):
    """The same users against a running server over gRPC: a realistic load test.

    The server's clock and database are its own, and its database is shared by every
    conversation of the run and of the runs before. So goals are drawn on today's date; users
    are new to the server (their ids name the run); a goal bound to a seeded user gets a user
    of its own, with copies of that user's rows (goals.py). Those rows, and the rows made for
    a goal (a returning customer's booking), are written into the server's database through
    `tables` before the conversation starts; without `tables`, goals that need rows are not
    drawn (`not_drawn` counts them by task). Success is judged from the turns' actions and state.
    """

    own_rows = True

    def __init__(self, domain: Domain, client: Any, settings: SimulationSettings, tables: Tables | None = None):
        now = dt.datetime.now(ZoneInfo(domain.settings.timezone)).replace(tzinfo=None, second=0, microsecond=0)
        super().__init__(domain, None, dataclasses.replace(settings, now=now.isoformat()))
        self.client, self.tables = client, tables
        self.run_id = uuid.uuid4().hex[:8]
        self.not_drawn: Counter[str] = Counter()

    def scenario(self, index: int) -> tuple[Scenario, random.Random]:
        for attempt in range(50):
            rng = random.Random(f"{self.settings.seed}:{index}:{attempt}")
            scenario = self.goals.sample(rng, f"sim-{self.settings.seed}-{index}-{self.run_id}", self.channel,
                                         self.settings.noise_for(index))
            if self.tables is not None or not scenario.fixtures:
                return scenario, rng
            self.not_drawn[scenario.goal.task] += 1
        raise GoalError("every goal drawn needs rows of its own in the server's database; give that database "
                        "(--server-db) so that the simulator can write them")

    def run(self, index: int) -> ConversationLog:
        started = time.perf_counter()
        scenario, rng = self.scenario(index)
        if self.tables is not None:
            for table, row in scenario.fixtures:
                self.tables.insert(table, row)
        session = f"sim-{self.settings.seed}-{index}-{uuid.uuid4().hex[:8]}"
        turns, handoff = self.talk(lambda given: self.client.turn(self.domain.name, session, given,
                                                                  user_id=scenario.user_id, channel=scenario.channel),
                                   scenario, rng)
        verdict = self.judge.judge_turns(scenario, turns)
        return _conversation(index, session, scenario, turns, verdict, handoff, started)


def _conversation(index: int, session: str, scenario: Scenario, turns: list[TurnLog], verdict: Verdict,
                  handoff: bool, started: float) -> ConversationLog:
    main = verdict.goals[0]
    return ConversationLog(index=index, session_id=session, scenario=scenario, turns=turns, success=verdict.success,
                           reasons=verdict.reasons, stored=main.stored, expected=main.expected, handoff=handoff,
                           seconds=round(time.perf_counter() - started, 4))


def _paraphraser(domain: Domain, settings: SimulationSettings) -> Any:
    """The LLM paraphraser on the domain's LLM settings and a cache (raises LlmUnavailable without a model)."""
    from dialogue.dm.sql import LlmCache
    from dialogue.nlg.llm import open_backend
    from dialogue.simulation.paraphrase import Paraphraser

    return Paraphraser(open_backend(domain.nlg.llm), LlmCache.at(settings.paraphrase_cache), settings.paraphrase,
                       budget_s=max(10.0, domain.nlg.llm.timeout_ms / 1000))


def _input(act: Act, said: Utterance | None) -> UserInput:
    if act.kind == "dtmf":
        return UserInput(event="dtmf", digits=act.digits)
    if act.kind in ("no_input", "start"):
        return UserInput(event=act.kind)
    assert said is not None
    return UserInput(text=said.text)


def _log(act: Act, said: Utterance | None) -> TurnLog:
    log = TurnLog(behaviour=act.behaviour, kind=act.kind, digits=act.digits)
    if said is not None:
        log.text, log.intent, log.values = said.text, said.intent, said.values
        log.gold_tags = said.tagged()[1]
    return log


def _observe(log: TurnLog, result: TurnResult, said: Utterance | None) -> None:
    log.bot, log.reply, log.actions = result.responses, result.text, result.actions
    log.slots, log.task = result.state.slots, result.state.active_task
    log.latency_ms = result.latency_ms.get("total", 0.0)
    log.llm_messages = sum(message.source == "llm" for message in result.messages)
    understood = result.understood
    if said is None or understood is None or understood.source != "nlu":
        return
    log.predicted_intent = understood.intent
    log.predicted_entities = understood.entities
    words, tags = tag_words(understood.text or "", [(s.start, s.end, s.slot) for s in understood.spans])
    if words == said.tagged()[0]:
        log.predicted_tags = tags


def is_fallback(turn: TurnLog) -> bool:
    return turn.predicted_intent == NLU_FALLBACK
