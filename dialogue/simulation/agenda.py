"""The simulated user: an agenda-based user (Schatzmann et al. 2007; ConvLab's rule user).

It pursues its scenario's goals turn by turn, reading what the assistant did (the task it
runs, the slot it asks for, whether it confirms, the actions of the turn) as a user reads
the assistant's questions. It answers what is asked, sometimes volunteers several slots,
says a wrong value and corrects it, changes its mind, interrupts with another task and
comes back, cancels, denies a confirmation, asks for help, says something out of scope,
stays silent or presses keys on the phone, each at the rate its `Behaviour` gives.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from dialogue.domains.references import all_actions
from dialogue.domains.schema import Domain, FrameTask, SubFrame
from dialogue.domains.schema.actions import Handoff, Offer, Respond, StartTask
from dialogue.domains.schema.slots import BooleanSlot
from dialogue.simulation.behaviour import Behaviour
from dialogue.simulation.goals import FsmMap, Goal, GoalSampler, Scenario
from dialogue.simulation.judge import same
from dialogue.simulation.utterances import ANSWER_INTENT, Realiser, Utterance
from dialogue.turns import TurnResult

PLACES = ["first", "second", "third", "fourth", "fifth"]
"""How the simulated user names an offered row by its place (its own words, not the engine's parser's)."""
MAX_REPEATS = 4
"""Times the user says the same thing to the same question before giving up."""
MAX_DENIALS = 3
"""Wrong confirmations the user denies before giving up."""
MAX_EXTRAS = 2
"""Help requests, out-of-scope remarks and silences per conversation, at most."""


@dataclass
class Act:
    """One user turn: text (with labels), keys, silence or the start of a call."""

    kind: str  # text | dtmf | no_input | start
    behaviour: str
    utterance: Utterance | None = None
    digits: str | None = None


class AgendaUser:
    def __init__(self, domain: Domain, scenario: Scenario, goals: GoalSampler, realiser: Realiser,
                 behaviour: Behaviour, rng: random.Random, today: dt.date):
        self.domain, self.scenario, self.goals, self.realiser = domain, scenario, goals, realiser
        self.behaviour, self.rng, self.today = behaviour, rng, today
        self.voice = scenario.channel == "voice"
        self.stack: list[Goal] = [scenario.goal]
        self.pending_interrupt = scenario.interrupt
        self.following: Goal | None = None
        """The task the rows of a finished search lead to, once they are offered."""
        main_slots = len(scenario.goal.values)
        self.interrupt_after = rng.randint(1, max(1, main_slots - 1))
        self.cancel_after = rng.randint(1, max(1, main_slots - 1))
        self.deny_planned = rng.random() < behaviour.deny
        self.change_planned = rng.random() < behaviour.change_mind
        self.invalid = {id(g): dict(g.invalid) for g in (scenario.goal, scenario.interrupt) if g}
        self.answers = 0
        self.extras = 0
        self.correcting: str | None = None
        self.fixing: list[str] = []
        self.started: set[str] = set()
        self.cancel_sent = False
        self.denials = 0
        self.said_goodbye = False
        self.last: Act | None = None
        self.repeats = 0
        self.background = {a.start_task for a in domain.on_start if isinstance(a, StartTask)}
        self.offers = {a.offer.result: a.offer for a in all_actions(domain) if isinstance(a, Offer)}

    # -- the conversation ---------------------------------------------------------------------

    def first(self) -> Act:
        if self.voice:
            return Act("start", "call")
        return self._remember(self._request(self.stack[-1]))

    def next(self, result: TurnResult) -> Act | None:
        """The user's next turn after the assistant's, or None when the user is done."""
        if result.ended or result.handoff:
            return None
        self.started |= set(result.state.stack)
        while self.stack and self._done(self.stack[-1], result):
            self.following = self.stack.pop().then or self.following
        offered = result.state.offered
        if self.following is not None and offered is not None and offered.rows:  # a search's results
            self.stack.append(self.following)
            self.following = None
            return self._remember(self._take_offered(self.stack[-1], offered.result, offered.rows))
        if not self.stack and self.pending_interrupt is not None:  # the first task ended before the moment came
            self.stack.append(self.pending_interrupt)
            self.pending_interrupt = None
            return self._remember(self._request(self.stack[-1]))
        if not self.stack:
            if self.pending_interrupt is None and not self.said_goodbye and self.rng.random() < self.behaviour.goodbye:
                self.said_goodbye = True
                return self._say("goodbye", {}, "goodbye")
            return None
        act = self._choose(self.stack[-1], result)
        if act is not None and self.last is not None and _same(act, self.last):
            self.repeats += 1
            if self.repeats >= MAX_REPEATS:
                return None
        else:
            self.repeats = 0
        return self._remember(act) if act is not None else None

    def _remember(self, act: Act) -> Act:
        self.last = act
        return act

    def _done(self, goal: Goal, result: TurnResult) -> bool:
        actions = set(result.actions)
        if goal.kind == "fsm":
            reached = result.state.fsm_state == goal.target and result.state.active_task == goal.task
            done = reached or f"enter_state:{goal.target}" in actions
        elif goal.kind == "digression":
            done = bool(actions & _marks(self.domain, goal.task))
        else:
            done = f"complete_task:{goal.task}" in actions or (
                goal.cancel and f"cancel_task:{goal.task}" in actions)
        return done

    def _choose(self, goal: Goal, result: TurnResult) -> Act | None:
        state = result.state
        main = self.stack[0]
        if (self.pending_interrupt is not None and goal is main and main.task in self.started
                and self.answers >= self.interrupt_after and state.active_task == main.task):
            interrupt, self.pending_interrupt = self.pending_interrupt, None
            self.stack.append(interrupt)
            return self._request(interrupt)
        extra = self._extra(goal)
        if extra is not None:
            return extra
        if goal.kind == "fsm":
            return self._navigate(goal, result)
        if goal.kind == "digression":
            return self._request(goal)
        if goal.task not in state.stack:
            if f"propose_task:{goal.task}" in result.actions:
                return self._say("affirm", {}, "accept the task proposed")
            if state.active_task is not None and state.active_task not in self._goal_tasks():
                return self._say("cancel", {}, "cancel a task not asked for")
            if goal.task in self.started:  # it ended without completing
                return None
            return self._request(goal)
        if state.active_task != goal.task:
            if state.active_task in self._goal_tasks():
                return self._request(goal)
            return self._say("cancel", {}, "cancel a task not asked for")
        if goal.cancel and not self.cancel_sent and (self.answers >= self.cancel_after or state.requested_slot is None):
            self.cancel_sent = True
            return self._say("cancel", {}, "cancel")
        return self._fill(goal, result)

    def _goal_tasks(self) -> set[str]:
        """Tasks the user wants on the stack: its goals', and those every session starts with (a phone menu)."""
        return {g.task for g in self.stack} | self.background

    def _extra(self, goal: Goal) -> Act | None:
        """Now and then: silence on the phone, a request for help, something out of scope."""
        if self.extras >= MAX_EXTRAS or goal.task not in self.started:
            return None
        rates = self.behaviour
        if self.voice and self.rng.random() < rates.no_input:
            self.extras += 1
            return Act("no_input", "no input")
        if self.rng.random() < rates.help and "help" in self.domain.intents:
            self.extras += 1
            return self._say("help", {}, "help")
        if self.rng.random() < rates.out_of_scope and "out_of_scope" in self.domain.intents:
            self.extras += 1
            return self._say("out_of_scope", {}, "out of scope")
        return None

    # -- frame tasks ------------------------------------------------------------------------

    def _fill(self, goal: Goal, result: TurnResult) -> Act | None:
        state = result.state
        task = self.domain.tasks[goal.task]
        assert isinstance(task, FrameTask)
        if state.offered is not None and state.offered.rows:
            return self._take_offered(goal, state.offered.result, state.offered.rows)
        if self.correcting is not None:
            slot, self.correcting = self.correcting, None
            if slot in goal.values:  # (not when another task came between)
                return self._inform({slot: goal.values[slot]}, "correct")
        requested = state.requested_slot
        if requested is not None:
            return self._answer(goal, task, requested, state.slots)
        self.fixing = [slot for slot in self.fixing if slot in goal.values]  # (not another goal's, after a switch)
        if ("confirm_denied" in result.responses and goal.values) or self.fixing:
            slot = self.fixing.pop(0) if self.fixing else self.rng.choice(sorted(goal.values))
            return self._inform({slot: goal.values[slot]}, "change after denying")
        if task.confirm and task.confirm in result.responses:
            wrong = [slot for slot, value in goal.values.items()
                     if slot in state.slots and not same(state.slots[slot], value)]
            if wrong:
                self.denials += 1
                if self.denials > MAX_DENIALS:
                    return None  # the assistant keeps getting it wrong: the user gives up
                self.fixing = wrong
                return self._say("deny", {}, "deny a wrong confirmation")
            if self.deny_planned:
                self.deny_planned = False
                return self._say("deny", {}, "deny")
            return self._say("affirm", {}, "affirm")
        return self.last if self.last is not None and self.last.kind != "start" else self._request(goal)

    def _take_offered(self, goal: Goal, result: str, rows: list[dict[str, Any]]) -> Act:
        """Rows on offer (a search's results, the times a business has instead of a refused one): the user takes
        one, by its place or by naming it, and from then on wants its values for `goal`, as a person who hears
        "I can do 19:30 or 20:30" does."""
        spec = self.offers[result]
        place = self.rng.randrange(min(len(rows), len(PLACES)))
        task = self.domain.tasks[goal.task]
        for slot, column in spec.fill.items():
            if rows[place].get(column) is not None and isinstance(task, FrameTask) and _entry(task.slots, slot):
                goal.values[slot] = self.goals.values.coerce(slot, rows[place][column])
        if len(rows) == 1:
            return self._say("affirm", {}, "take the one offered")
        name = rows[place].get(spec.columns[0])
        if isinstance(name, str) and self.rng.random() < 0.5:
            text = self.rng.choice(["{}", "{} please", "I'll go for {}", "{} sounds good"]).format(name)
            return Act("text", "take an offered one by name", Utterance(text=text, intent=ANSWER_INTENT))
        text = self.rng.choice(["the {} one", "the {} one please", "I'll take the {}"]).format(PLACES[place])
        return Act("text", "take an offered one by place", Utterance(text=text, intent=ANSWER_INTENT))

    def _answer(self, goal: Goal, task: FrameTask, slot: str, stored: dict[str, Any]) -> Act:
        self.answers += 1
        if slot not in goal.values:  # a question the goal did not foresee: decide now
            entry = _entry(task.slots, slot)
            goal.values[slot] = self.goals.valid_value(slot, getattr(entry, "validate_", None), goal.values, self.rng)
        wrong = self.invalid.get(id(goal), {}).pop(slot, None)
        if wrong is not None:
            return self._inform({slot: wrong}, "invalid value")
        if self.change_planned and self.answers > 1:
            filled = [s for s in sorted(goal.values) if s != slot and same(stored.get(s), goal.values[s])]
            changeable = [s for s in filled
                          if not isinstance(self.domain.slots[s], BooleanSlot) and s not in goal.fixed]
            if changeable:
                self.change_planned = False
                other = self.rng.choice(changeable)
                entry = _entry(task.slots, other)
                goal.values[other] = self.goals.valid_value(other, getattr(entry, "validate_", None), goal.values,
                                                            self.rng)
                return self._inform({other: goal.values[other]}, "change mind")
        later = task.confirm or any(not same(stored.get(s), v) for s, v in goal.values.items() if s != slot)
        boolean = isinstance(self.domain.slots[slot], BooleanSlot)
        if later and not boolean and slot not in goal.fixed and self.rng.random() < self.behaviour.correct:
            entry = _entry(task.slots, slot)
            mistake = self.goals.valid_value(slot, getattr(entry, "validate_", None), goal.values, self.rng)
            if not same(mistake, goal.values[slot]):
                self.correcting = slot
                return self._inform({slot: mistake}, "wrong value, corrected next")
        keys = self._keys(task, slot, goal.values[slot])
        if keys is not None:
            return Act("dtmf", "keys", digits=keys)
        values = {slot: goal.values[slot]}
        if not goal.cancel and self.rng.random() < self.behaviour.volunteer:
            values = self._volunteer(goal, stored, slot)
        return self._inform(values, "answer" if len(values) == 1 else "answer and volunteer")

    def _volunteer(self, goal: Goal, stored: dict[str, Any], slot: str) -> dict[str, Any]:
        """The asked slot and others not yet given, as one example of the answer intent can carry them."""
        open_slots = {s for s, v in goal.values.items() if not same(stored.get(s), v)}
        open_slots -= set(self.invalid.get(id(goal), {}))
        choices = [s for s in self.realiser.slot_sets("inform") if slot in s and s <= open_slots]
        chosen = self.rng.choice(choices) if choices else frozenset({slot})
        return {s: goal.values[s] for s in sorted(chosen)}

    def _keys(self, task: FrameTask, slot: str, value: Any) -> str | None:
        """Keys for the answer, on the phone, when the slot takes them (and the user chooses to)."""
        if not self.voice or self.rng.random() >= self.behaviour.dtmf:
            return None
        keyed = getattr(_entry(task.slots, slot), "dtmf", None)
        if keyed == "digits" and isinstance(value, int | float) and float(value).is_integer():
            return f"{int(value)}#"
        if isinstance(keyed, dict):
            return next((digit for digit, meant in sorted(keyed.items()) if meant == value), None)
        return None

    def _request(self, goal: Goal) -> Act:
        """Ask for the goal's task, sometimes giving some of its values at once."""
        spec = self.domain.tasks[goal.task]
        intents = [i for i in spec.triggers if self.realiser.examples.get(i)]
        intent = self.rng.choice(intents) if intents else "greet"
        values: dict[str, Any] = {}
        if goal.values and not goal.cancel and self.rng.random() < self.behaviour.volunteer:
            allowed = set(goal.values) - set(self.invalid.get(id(goal), {}))
            sets = [s for s in self.realiser.slot_sets(intent) if s and s <= allowed]
            if sets:
                values = {s: goal.values[s] for s in sorted(self.rng.choice(sets))}
        return self._say(intent, values, "request task" if not values else "request task and volunteer")

    # -- FSM tasks ----------------------------------------------------------------------------

    def _navigate(self, goal: Goal, result: TurnResult) -> Act | None:
        state = result.state
        if goal.task not in state.stack:
            spec = self.domain.tasks[goal.task]
            return self._request(goal) if spec.triggers else None
        if state.active_task != goal.task:
            return self._say("cancel", {}, "cancel a task not asked for")
        fsm: FsmMap = self.goals.fsm[goal.task]
        intent = fsm.next_intent(state.fsm_state or fsm.start(), goal.target or "")
        if intent is None:
            return None
        key = fsm.keys.get(state.fsm_state or "", {}).get(intent)
        if self.voice and key is not None and self.rng.random() < self.behaviour.dtmf:
            return Act("dtmf", "keys", digits=key)
        return self._say(intent, {}, "navigate")

    # -- words --------------------------------------------------------------------------------

    def _inform(self, values: dict[str, Any], behaviour: str) -> Act:
        if len(values) == 1:
            ((slot, value),) = values.items()
            if isinstance(self.domain.slots[slot], BooleanSlot) and isinstance(value, bool):
                return self._say("affirm" if value else "deny", {}, behaviour)
        for intent in ("inform", *self._triggers()):
            if self.realiser.can_say(intent, set(values)):
                return self._say(intent, values, behaviour)
        return Act("text", behaviour, self.realiser.bare(dict(list(values.items())[:1]), self.rng))

    def _triggers(self) -> list[str]:
        return [i for g in self.stack for i in self.domain.tasks[g.task].triggers]

    def _say(self, intent: str, values: dict[str, Any], behaviour: str) -> Act:
        return Act("text", behaviour, self.realiser.say(intent, values, self.rng))


def _entry(entries: list[Any], slot: str) -> Any:
    for entry in entries:
        if isinstance(entry, SubFrame):
            found = _entry(entry.slots, slot)
            if found is not None:
                return found
        elif entry.slot == slot:
            return entry
    return None


def _marks(domain: Domain, task: str) -> set[str]:
    """Action labels that show a digression answered."""
    marks = set()
    for action in domain.tasks[task].on_complete:
        if isinstance(action, Respond):
            marks.add(f"respond:{action.respond}")
        elif isinstance(action, Handoff):
            marks.add("handoff")
    return marks


def _same(a: Act, b: Act) -> bool:
    if a.kind != b.kind or a.behaviour != b.behaviour:
        return False
    if a.utterance is None or b.utterance is None:
        return a.digits == b.digits
    return a.utterance.intent == b.utterance.intent and a.utterance.values == b.utterance.values

