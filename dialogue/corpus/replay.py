"""Real conversations fed to a domain's engine, user turn by user turn, and scored.

Each conversation runs on an engine of its own (sessions and tables in memory, its calls to the domain's
services made and recorded), its clock at the conversation's `now`. Its tables hold the catalogue: the rows every
conversation replayed with it was shown by the business's systems, its own first, as a deployed assistant's tables
hold everything the business offers and not only what one conversation saw. Per user turn: the intent understood against
the one the conversation's acts mean (turns the mapping gives none are not scored for it), and the values
understood against the values the user gave, both compared after normalisation (the expected value coerced to the
domain slot's type; text casefolded, punctuation and spacing ignored); a turn that fell to `nlu_fallback` counts
for the fallback rate, and one the assistant answered as not understood (its no-match escalation) for the
not-understood rate, whatever the NLU read. A conversation whose user gave every value its task needs counts for
task success, judged as the simulator judges a goal (`dialogue.simulation.judge`): the task completed with the
conversation's final values, and its effects (rows, service calls) hold them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dialogue.corpus.formats import CorpusError, RealConversation
from dialogue.dm.errors import TableError
from dialogue.dm.events import UserUnderstood
from dialogue.dm.sql import MemoryStore
from dialogue.domains.builtin import NLU_FALLBACK
from dialogue.domains.schema import Domain
from dialogue.domains.slot_types import SlotValues
from dialogue.domains.values import InvalidValue
from dialogue.engine import Engine
from dialogue.nlu.base import Parser
from dialogue.nlu.entities import EntityNormaliser
from dialogue.simulation.goals import Goal, Scenario
from dialogue.simulation.judge import Judge, snapshot
from dialogue.turns import InputError


@dataclass
class TurnScore:
    text: str
    expected_intent: str | None
    intent: str | None
    expected: dict[str, Any]
    understood: dict[str, Any]
    right: list[str] = field(default_factory=list)
    """The slots understood with the expected value."""
    reply: str = ""
    read: dict[str, bool] = field(default_factory=dict)
    """For each value the dataset says how the user said: whether the slot's type reads that text as the value."""
    model_intent: str | None = None
    """The intent as the NLU read the text, before the dialogue manager (`intent`: as the turn was understood)."""
    also_intents: tuple[str, ...] = ()
    """Other intents the turn means as well (it holds several acts): a reading as one of them is right by the any-act
    figure."""
    not_understood: bool = False
    """Whether the assistant answered that it did not understand (its no-match escalation stepped), whatever the
    NLU read: what the user sees of a misreading."""

    @property
    def any_act_right(self) -> bool:
        return self.intent == self.expected_intent or self.intent in self.also_intents


@dataclass
class ConversationScore:
    id: str
    turns: list[TurnScore]
    task: str | None
    counted: bool
    """Whether it counts for task success (a task, every value it needs given)."""
    success: bool = False
    reasons: list[str] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    """The session's event log (what `dialogue nlu review` reads)."""


class Replayer:
    """Replays a domain's real conversations on its engine and scores them."""

    def __init__(self, domain: Domain, nlu: Parser | None):
        self.domain, self.nlu = domain, nlu
        self.values = SlotValues(domain.slots)
        self.entities = EntityNormaliser(domain)
        self.judge = Judge(domain)

    def replay(self, conversation: RealConversation,
               catalogue: dict[str, list[dict[str, Any]]] | None = None) -> ConversationScore:
        """Replays one conversation, its tables holding its own rows and then the rest of the `catalogue`."""
        store = MemoryStore()
        engine = Engine(self.domain, nlu=self.nlu, store=store)
        engine.services.exchanges = exchanges = []
        for table, rows in pooled([conversation.rows, catalogue or {}]).items():
            columns = self.domain.memory.tables[table].columns
            for row in rows:
                try:
                    engine.tables.insert(table, {column: value for column, value in row.items() if column in columns})
                except TableError as err:
                    raise CorpusError(f"conversation {conversation.id}: a row of its results does not fit the "
                                      f"domain's table: {err}") from None
        before = snapshot(engine.tables)
        session, user = f"corpus-{conversation.id}", "corpus-user"
        turns = []
        for turn in conversation.turns:
            try:
                result = engine.handle(session, turn.text, user_id=user, now=conversation.now)
            except InputError as err:  # a turn the engine cannot take: understood as nothing
                turns.append(TurnScore(turn.text, turn.intent, None, dict(turn.slots), {}, reply=f"error: {err}",
                                       also_intents=tuple(sorted(turn.also))))
                continue
            understood = result.understood
            expected = {slot: self._typed(slot, value) for slot, value in turn.slots.items()}
            got = understood.values if understood is not None else {}
            parsed = next((event.interpretation for event in reversed(store.events.get((self.domain.name, session), []))
                           if isinstance(event, UserUnderstood)), {})
            turns.append(TurnScore(turn.text, turn.intent, understood.intent if understood else None, expected, got,
                                   [slot for slot, value in expected.items() if same_value(value, got.get(slot))],
                                   result.text, {slot: same_value(expected[slot], self._read(slot, said, conversation))
                                                 for slot, said in turn.said.items() if slot in expected},
                                   parsed.get("intent"), tuple(sorted(turn.also)),
                                   "escalate:no_match" in result.actions))
        logged = store.events.get((self.domain.name, session), [])
        score = ConversationScore(conversation.id, turns, conversation.task,
                                  counted=conversation.task is not None and conversation.complete,
                                  events=logged)
        if score.counted:
            assert conversation.task is not None
            goal = Goal(conversation.task, "frame",
                        {slot: self._typed(slot, value) for slot, value in conversation.final.items()})
            verdict = self.judge.judge(Scenario(goal=goal, user_id=user, channel="text", noise=0.0),
                                       logged, before,
                                       snapshot(engine.tables), exchanges)
            score.success, score.reasons = verdict.success, verdict.reasons
        return score

    def _read(self, slot: str, said: str, conversation: RealConversation) -> Any:
        """What the slot's type reads `said` as, on the conversation's clock (None when it reads nothing)."""
        value, ok = self.entities.normalise(slot, said, conversation.now)
        return value if ok else None

    def _typed(self, slot: str, value: Any) -> Any:
        """The dataset's value as the slot's canonical value, when it is one (else as it is)."""
        try:
            return self.values.coerce(slot, value)
        except InvalidValue:
            return value


def same_value(expected: Any, got: Any) -> bool:
    """Equal after normalisation: numbers by value, text casefolded without punctuation or extra spaces."""
    if got is None:
        return False
    if isinstance(expected, bool) or isinstance(got, bool):
        return _text(expected) == _text(got)
    try:
        return abs(float(expected) - float(got)) < 1e-6
    except (TypeError, ValueError):
        return _text(expected) == _text(got)


def _text(value: Any) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", str(value).casefold()).split())


def scores(conversations: list[ConversationScore]) -> dict[str, Any]:
    """The figures: per user turn intent accuracy (as the engine understood the turn, against the turn's intent and,
    by the any-act figure, against any intent its acts mean; and as the NLU read it before the dialogue manager),
    fallback rate and the share answered as not understood, slot value precision, recall and F1 (micro, and
    per slot), the share of values as said that their slot's type reads right, and task success among the
    conversations that count for it."""
    turns = [turn for conversation in conversations for turn in conversation.turns]
    scored = [turn for turn in turns if turn.expected_intent is not None]
    right = sum(turn.intent == turn.expected_intent for turn in scored)
    read_right = sum(turn.model_intent == turn.expected_intent for turn in scored)
    given = {slot for turn in turns for slot in turn.expected}  # a slot the dataset never gives is not scored
    per_slot: dict[str, Counter[str]] = {}
    for turn in turns:
        for slot in (set(turn.expected) | set(turn.understood)) & given:
            counts = per_slot.setdefault(slot, Counter())
            hit = slot in turn.right
            counts["tp"] += hit
            counts["fn"] += slot in turn.expected and not hit
            counts["fp"] += slot in turn.understood and not hit
    total = sum((counts for counts in per_slot.values()), Counter())
    counted = [conversation for conversation in conversations if conversation.counted]
    intents: dict[str, Counter[str]] = {}
    for turn in scored:
        counts = intents.setdefault(turn.expected_intent or "", Counter())
        counts["support"] += 1
        counts["right"] += turn.intent == turn.expected_intent
    return {
        "conversations": len(conversations),
        "user_turns": len(turns),
        "intent_turns": len(scored),
        "intent_accuracy": _share(right, len(scored)),
        "intent_accuracy_any_act": _share(sum(turn.any_act_right for turn in scored), len(scored)),
        "model_intent_accuracy": _share(read_right, len(scored)),
        "fallback_rate": _share(sum(turn.intent == NLU_FALLBACK for turn in turns), len(turns)),
        "not_understood_rate": _share(sum(turn.not_understood for turn in turns), len(turns)),
        **_prf(total),
        "per_slot": {slot: _prf(counts) for slot, counts in sorted(per_slot.items())},
        "per_intent": {intent: {"accuracy": _share(counts["right"], counts["support"]), "support": counts["support"]}
                       for intent, counts in sorted(intents.items())},
        "value_reading": _share(sum(read for turn in turns for read in turn.read.values()),
                                sum(len(turn.read) for turn in turns)),
        "task_conversations": len(counted),
        "task_success": _share(sum(conversation.success for conversation in counted), len(counted)),
    }


def _prf(counts: Counter[str]) -> dict[str, Any]:
    precision = _share(counts["tp"], counts["tp"] + counts["fp"])
    recall = _share(counts["tp"], counts["tp"] + counts["fn"])
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {"slot_precision": precision, "slot_recall": recall, "slot_f1": f1,
            "slot_support": counts["tp"] + counts["fn"]}


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def pooled(tables: list[dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of several conversations, by table, each row once, in the order first seen."""
    pool: dict[str, dict[str, dict[str, Any]]] = {}
    for rows_by_table in tables:
        for table, rows in rows_by_table.items():
            kept = pool.setdefault(table, {})
            for row in rows:
                kept.setdefault(json.dumps(row, sort_keys=True, default=str), row)
    return {table: list(rows.values()) for table, rows in pool.items()}


def replay_all(replayer: Replayer, conversations: list[RealConversation],
               advance: Callable[[int], None] = lambda n: None) -> list[ConversationScore]:
    """Replays each conversation with the others' rows as the catalogue."""
    catalogue = pooled([conversation.rows for conversation in conversations])
    results = []
    for conversation in conversations:
        results.append(replayer.replay(conversation, catalogue))
        advance(1)
    return results

