"""The goal stack: which task a turn is for, and the life of tasks on the stack.

A trigger of another task mid-task pushes it (interruption); when it completes or is
cancelled the stack pops and the task below resumes with a re-prompt. Cancel ends the
active task only. Values for slots of any frame on the stack are corrections.
A digression answers without pushing. Routing modes: `flow` gives input to the active
task; `reverse` also offers input the active task cannot use to the tasks below it;
`host` re-routes every turn from the root, raising a triggered task already on the stack.
"""

from __future__ import annotations

from typing import Any

from dialogue.dm.actions import ActionRunner
from dialogue.dm.events import (
    ConversationEnded,
    EscalationReset,
    EscalationStepped,
    HandedOff,
    SessionStarted,
    SlotsCleared,
    TaskEnded,
    TaskRaised,
    TaskResumed,
    TaskStarted,
)
from dialogue.dm.state import TaskFrame
from dialogue.dm.tracker import Tracker
from dialogue.domains.builtin import NLU_FALLBACK
from dialogue.domains.interpretation import Interpretation
from dialogue.domains.schema import Domain, FsmTask
from dialogue.domains.schema.actions import CancelTask, Goto, SetIntent, StartTask
from dialogue.domains.schema.actions import Respond as RespondAction
from dialogue.domains.structured import StructuredInputError, parse_structured
from dialogue.policies.decision import Decision, Finish, Respond
from dialogue.policies.frame import FramePolicy
from dialogue.policies.fsm import FsmPolicy

DEFAULT_NO_INPUT = [[RespondAction(respond="no_input")]]
DEFAULT_NO_MATCH = [[RespondAction(respond="fallback")]]
ENTITY_ONLY_INTENT = "inform"
"""The intent of a turn that only gives slot values (a keyed answer to a slot, say)."""


class GoalStack:
    def __init__(self, domain: Domain, runner: ActionRunner):
        self.domain = domain
        self.runner = runner
        self.frames = FramePolicy(domain)
        self.fsm = FsmPolicy(domain)
        self.triggers = {intent: name for name, task in domain.tasks.items() for intent in task.triggers}
        self.routing = domain.settings.routing

    # -- a turn's input ----------------------------------------------------------------------

    def begin(self) -> list[Any]:
        """What runs when a session starts."""
        return [SessionStarted(), *self.domain.on_start]

    def read_keys(self, tracker: Tracker) -> Interpretation | None:
        """What keyed digits mean here (None if nothing): known before the input guards run."""
        return self._resolve_digits(tracker) if tracker.turn.event == "dtmf" else None

    def react(self, tracker: Tracker) -> Decision:
        turn = tracker.turn
        if turn.event == "end":
            return Decision([ConversationEnded()], listen=True)
        if turn.event == "no_input":
            return self._escalate(tracker, "no_input")
        if turn.interpretation is None:
            if turn.event == "dtmf":  # keys that mean nothing here
                return self._escalate(tracker, "no_match")
            return Decision()  # start of a call: nothing to react to
        return self._understood(tracker)

    def _understood(self, tracker: Tracker) -> Decision:
        state, turn = tracker.state, tracker.turn
        intent, top = turn.intent, state.active
        if intent == NLU_FALLBACK:
            if not self._gives_task_values(tracker):
                return self._escalate(tracker, "no_match")
            tracker.reinterpret(turn.interpretation.model_copy(update={"intent": ENTITY_ONLY_INTENT}))
            intent = ENTITY_ONLY_INTENT
        reset = [EscalationReset()] if state.no_input or state.no_match else []
        if top is not None and top.task in self.fsm.tasks and intent in ("cancel", "help"):
            fired = self.fsm.react(tracker, top, f"intent:{intent}")  # a state may give them a meaning
            if fired is not None:
                return Decision(reset + fired)
        if intent == "cancel":
            return Decision(reset + self._cancel(tracker))
        if intent == "help":
            return Decision(reset + [Respond(self._help_response(tracker))])
        clarify = self._clarification(tracker)
        if clarify:
            return Decision(reset + clarify)
        triggered = self.triggers.get(intent)
        if triggered is not None and (top is None or triggered != top.task):
            frame = state.frame(triggered)
            if frame is None:
                return Decision(reset + self._start(tracker, triggered, turn.entities))
            if self.routing == "host":
                return Decision(reset + [TaskRaised(task=triggered)] + (self._react_task(tracker, frame) or []))
        if top is not None:
            used = self._react_task(tracker, top)
            if used is None and self.routing == "reverse":
                for depth, frame in enumerate(reversed(state.stack[:-1]), start=1):
                    used = self._react_task(tracker, frame)
                    if used is not None:
                        above = [Finish(f.task, "abandoned") for f in reversed(state.stack[-depth:])]
                        return Decision([*reset, *above, TaskResumed(task=frame.task), *used])
            corrections = self._corrections(tracker, top)
            if used is not None or corrections or triggered == top.task:
                return Decision(reset + (used or []) + corrections)
        builtin = {
            "human_agent": [Respond("handoff"), HandedOff(reason="asked for a person")],
            "goodbye": [Respond("goodbye"), ConversationEnded()],
            "greet": [Respond("greet")],
            "out_of_scope": [Respond("out_of_scope")],
        }.get(intent or "")
        if builtin is not None:
            return Decision(reset + builtin)
        return self._escalate(tracker, "no_match")

    def _gives_task_values(self, tracker: Tracker) -> bool:
        """An unsure intent still answers when its entities are slots of a frame task on the stack
        (as a form takes a requested value whatever the intent)."""
        slots = {slot for frame in tracker.state.stack if frame.task in self.frames.tasks
                 for slot in self.frames.slots(frame.task)}
        return bool(slots & set(tracker.turn.entities))

    def _clarification(self, tracker: Tracker) -> list[Any]:
        """When the NLU could not tell two tasks apart, ask which one was meant."""
        understood = tracker.turn.interpretation
        if understood is None or not understood.ambiguous or len(understood.ranking) < 2:
            return []
        active = tracker.state.active.task if tracker.state.active else None
        tasks = [self.triggers.get(score.name) for score in understood.ranking[:2]]
        if None in tasks or tasks[0] == tasks[1] or active in tasks:
            return []
        options = [self.domain.tasks[t].description or t.replace("_", " ") for t in tasks]  # type: ignore[index]
        return [Respond("clarify", {"options": options})]

    def _react_task(self, tracker: Tracker, frame: TaskFrame) -> list[Any] | None:
        if frame.task in self.frames.tasks:
            return self.frames.react(tracker, frame, tracker.turn)
        return self.fsm.react(tracker, frame, f"intent:{tracker.turn.intent}")

    def _corrections(self, tracker: Tracker, top: TaskFrame) -> list[Any]:
        """Values for slots of frames below the active task: corrections of earlier answers."""
        taken = set(self.frames.slots(top.task)) if top.task in self.frames.tasks else set()
        items: list[Any] = []
        for frame in reversed(tracker.state.stack[:-1]):
            rest = {slot: value for slot, value in tracker.turn.entities.items() if slot not in taken}
            if not rest:
                break
            if frame.task in self.frames.tasks:
                items += self.frames.correct(tracker, frame, rest)
                taken |= set(self.frames.slots(frame.task))
        return items

    def _resolve_digits(self, tracker: Tracker) -> Interpretation | None:
        """What keyed digits mean here: the FSM state's map, the asked slot's, the frame task's,
        then the domain's. A slot that takes `digits` leaves keys the domain maps (`0`, `*`) to
        the domain, and drops a closing `#`."""
        digits, top = tracker.turn.digits or "", tracker.state.active
        if top is not None and top.task in self.fsm.tasks:
            payload = self.fsm.state_of(top).dtmf.get(digits)
            if payload is not None:
                return self._payload(payload)
        if top is not None and top.task in self.frames.tasks:
            keyed = self.frames.entries[top.task][top.requested].dtmf if top.requested else None
            if keyed == "digits" and digits not in self.domain.ivr.dtmf and digits.rstrip("#").isdigit():
                value: Any = digits.rstrip("#")
            else:
                value = keyed.get(digits) if isinstance(keyed, dict) else None
            if value is not None:
                return Interpretation(intent=ENTITY_ONLY_INTENT, entities={top.requested: value}, source="dtmf")
            payload = self.frames.tasks[top.task].dtmf.get(digits)
            if payload is not None:
                return self._payload(payload)
        payload = self.domain.ivr.dtmf.get(digits)
        return self._payload(payload) if payload is not None else None

    @staticmethod
    def _payload(payload: str) -> Interpretation | None:
        try:
            intent, entities = parse_structured(payload)
        except StructuredInputError:
            return None
        return Interpretation(intent=intent, entities=entities, source="dtmf")

    def _help_response(self, tracker: Tracker) -> str:
        top = tracker.state.active
        if top is not None and top.task in self.frames.tasks and top.requested:
            return self.frames.entries[top.task][top.requested].help or "help"
        if top is not None and top.task in self.fsm.tasks:
            return self.fsm.state_of(top).help or "help"
        return "help"

    def _escalate(self, tracker: Tracker, kind: str) -> Decision:
        """No input or no match: an FSM transition on the event, else the next escalation level."""
        top = tracker.state.active
        if top is not None and top.task in self.fsm.tasks:
            fired = self.fsm.react(tracker, top, f"event:{kind}")
            if fired is not None:
                return Decision(fired)
        own = getattr(self.fsm.state_of(top), kind) if top is not None and top.task in self.fsm.tasks else None
        levels = own or getattr(self.domain.ivr, kind) or (DEFAULT_NO_INPUT if kind == "no_input" else DEFAULT_NO_MATCH)
        count = getattr(tracker.state, kind) + 1
        return Decision([EscalationStepped(kind=kind), *levels[min(count, len(levels)) - 1]])

    # -- tasks on the stack -----------------------------------------------------------------

    def _start(self, tracker: Tracker, name: str, entities: dict[str, Any]) -> list[Any]:
        task = self.domain.tasks[name]
        if task.digression:
            return list(task.on_complete)
        if tracker.state.frame(name) is not None:
            return [TaskRaised(task=name)]
        if isinstance(task, FsmTask):
            return [TaskStarted(task=name), *self.fsm.enter(name, task.initial)]
        fresh = TaskFrame(task=name)
        shared = set(self.frames.slots(name)) & self._slots_below(tracker.state.stack)
        saved = {slot: tracker.state.slots.get(slot) for slot in sorted(shared)}
        started: list[Any] = [TaskStarted(task=name, saved=saved)]
        if any(value is not None for value in saved.values()):  # the new task starts without the values below
            started.append(self.runner.clear(sorted(shared)))
        return [*started, *self.frames.correct(tracker, fresh, entities)]

    def _slots_below(self, stack: list[TaskFrame], leaving: str | None = None) -> set[str]:
        """Slots of the frame tasks on the stack (but `leaving`)."""
        return {slot for frame in stack if frame.task != leaving and frame.task in self.frames.tasks
                for slot in self.frames.slots(frame.task)}

    def _cancel(self, tracker: Tracker) -> list[Any]:
        top = tracker.state.active
        if top is None:
            return [Respond("nothing_to_cancel")]
        task = self.domain.tasks[top.task]
        on_cancel = task.on_cancel if task.on_cancel is not None else [RespondAction(respond="cancelled")]
        return [*on_cancel, Finish(top.task, "cancelled")]

    def _finish(self, tracker: Tracker, finish: Finish) -> None:
        """End a task: clear the slots only it uses, give the slots it shares with the tasks below it back
        the values they had when it started (an interruption neither sees nor changes the interrupted task's
        values), then pop it."""
        state = tracker.state
        frame = state.frame(finish.task)
        if frame is None:
            return
        in_use = self._slots_below(state.stack, leaving=finish.task)
        own = self.frames.slots(finish.task) if finish.task in self.frames.tasks else []
        reset = self.runner.clear([slot for slot in own if slot not in in_use]).values
        reset |= {slot: value for slot, value in frame.saved.items()
                  if slot in in_use and state.slots.get(slot) != value}
        if reset:
            tracker.apply(SlotsCleared(values=reset))
        tracker.apply(TaskEnded(task=finish.task, outcome=finish.outcome))  # type: ignore[arg-type]

    # -- after the input: moving on ---------------------------------------------------------

    def advance(self, tracker: Tracker) -> Decision:
        """What the active task does next: resume, ask, confirm or complete."""
        state = tracker.state
        top = state.active
        if state.ended or state.handoff or top is None:
            return Decision(listen=True)
        if top.interrupted:
            task = self.domain.tasks[top.task]
            return Decision([TaskResumed(task=top.task), Respond(task.resume or "resume")])
        if top.task in self.frames.tasks:
            return self.frames.advance(tracker, top)
        return Decision(self.fsm.reprompt(tracker, top), listen=True)

    def execute(self, tracker: Tracker, items: list[Any]) -> None:
        """Apply events and run actions in order; steering actions expand in place."""
        queue = list(items)
        while queue:
            item = queue.pop(0)
            if isinstance(item, Respond):
                tracker.respond(item.response, **item.extra)
            elif isinstance(item, Finish):
                self._finish(tracker, item)
            elif isinstance(item, StartTask):
                queue[:0] = self._start(tracker, item.start_task, {})
            elif isinstance(item, CancelTask):
                queue[:0] = self._cancel(tracker)
            elif isinstance(item, Goto):
                top = tracker.state.active
                if top is not None and top.task in self.fsm.tasks:
                    queue[:0] = self.fsm.enter(top.task, item.goto)
            elif isinstance(item, SetIntent):
                continue  # only meaningful to input guards, which apply it themselves
            elif hasattr(item, "apply"):
                tracker.apply(item)
            else:
                queue[:0] = self.runner.run(tracker, item)
