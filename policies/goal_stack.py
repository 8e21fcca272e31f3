"""The goal stack: which task a turn is for, and the life of tasks on the stack.

A trigger of another task mid-task pushes it (interruption); when it completes or is
cancelled the stack pops and the task below resumes with a re-prompt. Cancel ends the
active task only. Values for slots of any task on the stack are corrections.
A digression answers without pushing. Routing modes: `flow` gives input to the active
task; `reverse` also offers input the active task cannot use to the tasks below it;
`host` re-routes every turn from the root, raising a triggered task already on the stack.

The stack holds one task policy per task (`dialogue.policies.task.TaskPolicy`) and asks
only that interface, whatever runs the task.
"""

from __future__ import annotations

from itertools import takewhile
from typing import Any

from dialogue.dm.events import (
    ConversationEnded,
    EscalationReset,
    EscalationStepped,
    HandedOff,
    OfferAnswered,
    ProposalAnswered,
    SessionStarted,
    SlotRequested,
    SlotsCleared,
    TaskEnded,
    TaskProposed,
    TaskRaised,
    TaskResumed,
    TaskStarted,
    ValuesNoted,
)
from dialogue.dm.state import TaskFrame
from dialogue.dm.tracker import Tracker
from dialogue.domains.builtin import ASK_INTENT, BUILTIN_INTENTS, ENTITY_ONLY_INTENT, NLU_FALLBACK
from dialogue.domains.interpretation import Interpretation
from dialogue.domains.schema import Domain, FrameTask, FsmTask
from dialogue.domains.schema.actions import CancelTask, Goto, ProposeTask, Respond, StartTask
from dialogue.domains.slot_types import SlotValues, slot_type
from dialogue.domains.values import AmbiguousValue, InvalidValue
from dialogue.policies.frame import FramePolicy
from dialogue.policies.fsm import FsmPolicy
from dialogue.policies.knowledge import KnowledgeAnswers
from dialogue.policies.offers import Offers
from dialogue.policies.steps import CheckAnswer, Decision, Finish, Say, Step
from dialogue.policies.task import TaskPolicy, aside, keyed, read_as_yes

POLICIES: dict[type, type[TaskPolicy]] = {FrameTask: FramePolicy, FsmTask: FsmPolicy}
"""The policy that runs each kind of task."""
RANKED_AT_LEAST = 0.05
"""How sure of a task the NLU must be, though not first, to choose it among the tasks that take a turn's values
(a reading it gives less is noise: a batch of other texts moves it)."""
_NOT_VALUES = frozenset({"goodbye", "greet", "human_agent"})
"""Intents whose values start no task (`_owner_of_values`; an `out_of_scope` turn's values are dropped first)."""
DEFAULT_NO_INPUT = [[Respond(respond="no_input")]]
DEFAULT_NO_MATCH = [[Respond(respond="fallback")]]


class GoalStack:
    def __init__(self, domain: Domain):
        self.domain = domain
        self.tasks: dict[str, TaskPolicy] = {name: POLICIES[type(task)](domain, name, task)  # type: ignore[call-arg]
                                             for name, task in domain.tasks.items()}
        self.triggers = {intent: name for name, task in domain.tasks.items() for intent in task.triggers}
        self.undoers = {undone: name for name, task in domain.tasks.items() for undone in task.undoes}
        self.routing = domain.settings.routing
        self.defaults = {name: spec.default for name, spec in domain.slots.items()}
        self.offers = Offers(domain, {name: list(policy.slots) for name, policy in self.tasks.items()})
        self.knowledge = KnowledgeAnswers(domain)
        self.values = SlotValues(domain.slots)
        self.task_slots = {slot for name, policy in self.tasks.items() if not domain.tasks[name].digression
                           for slot in policy.slots}

    # -- a turn's input ----------------------------------------------------------------------

    def begin(self) -> list[Step]:
        """What runs when a session starts."""
        return [SessionStarted(), *self.domain.on_start]

    def read_keys(self, tracker: Tracker) -> Interpretation | None:
        """What keyed digits mean here (None if nothing): known before the input guards run. The active task's
        keys first, then the domain's."""
        if tracker.turn.event != "dtmf":
            return None
        digits, top = tracker.turn.digits or "", tracker.state.active
        found = self.tasks[top.task].keys(top, digits) if top is not None else None
        if found is not None:
            return found
        payload = self.domain.ivr.dtmf.get(digits)
        return keyed(payload) if payload is not None else None

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
        reset: list[Step] = [EscalationReset()] if state.no_input or state.no_match else []
        if state.offering is not None:  # before all else: "the second one" is no intent the NLU knows
            if top is not None:  # "neither, what about 9?" after other times: the value asked passes them over
                self.tasks[top.task].bare_answer(tracker, top)
            offer_steps, goes_on, search_again = self.offers.reply(tracker)
            if not goes_on:
                return Decision(reset + offer_steps)
            if search_again is not None:  # "another one, in Woodside": the search starts again with the values
                if intent == NLU_FALLBACK:  # values a task takes: `inform`
                    tracker.understand_as(intent=ENTITY_ONLY_INTENT)
                return Decision(reset + offer_steps + self._start(tracker, search_again, turn.entities))
            reset += offer_steps
            intent = turn.intent  # taking the row may have read the turn as asking for the task it leads to
        if intent == "out_of_scope" and turn.entities:
            # the words of a request the domain does not handle answer nothing ("what is the capital of Peru?")
            tracker.understand_as(entities={}, spans=[])
        yes_to = state.proposed or (top.task if top is not None and top.confirming else None)
        if intent == NLU_FALLBACK and yes_to is not None and read_as_yes(tracker, self.domain, [yes_to]):
            intent = turn.intent  # "can you book a visit to it?" after "shall I schedule a visit to it?"
        if intent == NLU_FALLBACK:
            if not self._gives_task_values(tracker):
                read = self._read_as_answer(tracker, top)
                if read is not None:
                    return Decision(reset + read)
                answer = self.knowledge.answer(tracker)
                if answer:
                    return Decision(reset + answer)
                if self.knowledge.unrelated(tracker) and not self._escalation_levels(tracker, "no_match"):
                    return Decision(reset + [Say("out_of_scope")])  # a domain's own no-match levels still run
                return self._not_understood(tracker, reset)
            tracker.understand_as(intent=ENTITY_ONLY_INTENT)
            intent = ENTITY_ONLY_INTENT
        if state.proposed is not None:
            others = self.offers.reopened(tracker)
            if others is not None:
                return Decision(reset + [ProposalAnswered(task=state.proposed, accepted=False), *others])
            answered = self._proposal(tracker, state.proposed)
            if answered is not None:
                return Decision(reset + answered)
            if not aside(self.domain, intent):
                reset.append(ProposalAnswered(task=state.proposed, accepted=None))  # passed over: the turn goes on
        if top is not None and intent in ("cancel", "help"):
            own = self.tasks[top.task].control(tracker, top, intent)  # a task may give them a meaning
            if own is not None:
                return Decision(reset + own)
        if intent == "cancel":
            return Decision(reset + self._cancel(tracker))
        if intent == "help":
            return Decision(reset + [Say(self._help_response(tracker))])
        clarify = self._clarification(tracker)
        if clarify:  # the values are kept for the task the answer chooses ("3d tickets in San Jose")
            return Decision(reset + clarify + self._noted(tracker, set()))
        if intent == ASK_INTENT and ASK_INTENT not in self.triggers:  # a question: answered aside, as a digression
            return Decision(reset + (self.knowledge.answer(tracker) or [Say("no_answer")]))
        triggered = self.triggers.get(intent)
        if triggered is not None and top is not None and triggered != top.task \
                and self._answers_active(tracker, top, triggered):
            tracker.understand_as(intent=ENTITY_ONLY_INTENT)
            intent, triggered = ENTITY_ONLY_INTENT, None
        if triggered is not None and (top is None or triggered != top.task):
            triggered = self._search_first(tracker, triggered)
            frame = state.frame(triggered)
            if frame is None:  # a question answered aside notes no values: "time" of "what time do you open?"
                aside_only = self.domain.tasks[triggered].digression
                return Decision(reset + self._start(tracker, triggered, turn.entities)
                                + ([] if aside_only else self._noted(tracker, set(self.tasks[triggered].slots))))
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
            if used is not None and triggered == top.task and turn.entities:
                # "I'd like three tickets" while buying them: values for the task going, as with `_answers_active`
                tracker.understand_as(intent=ENTITY_ONLY_INTENT)
            if used is not None or corrections or triggered == top.task:
                return Decision(reset + (used or []) + corrections + self._noted(tracker, set()))
        search = self.offers.search_asked_for(tracker) if self._means_nothing_here(tracker, intent) else None
        if search is not None:  # the search runs on the task, with its values, and offers rows to take into it
            return Decision(reset + self._start(tracker, search, turn.entities))
        yes_no = self.domain.yes_or_no(intent or "")
        if top is not None and top.requested is not None and not top.changing and not turn.entities and yes_no:
            return Decision(reset + self._yes_or_no_to_a_value(tracker, top, yes_no))
        nothing_going = top is None and triggered is None
        owner = (self._follow_up(tracker, intent) or self._owner_of_values(tracker, intent)) if nothing_going else None
        if owner is not None:
            return Decision(reset + self._start(tracker, owner, turn.entities))
        ranked_next = self._ranked_next(tracker, intent) if nothing_going else None
        if ranked_next is not None:
            return Decision(reset + self._start(tracker, ranked_next, turn.entities)
                            + self._noted(tracker, set(self.tasks[ranked_next].slots)))
        if top is None and turn.interpretation is not None and self.domain.yes_or_no(intent or "") == "deny":
            intent = "goodbye"  # "no, thanks" with nothing asked and no task going: the user is done
            tracker.understand_as(intent=intent)
        if top is None and not turn.entities and self.domain.yes_or_no(intent or "") == "affirm":
            return Decision(reset + [Say("anything_else")])  # "great, thanks" with nothing asked: no misunderstanding
        if intent == "out_of_scope":  # perhaps a question the domain's knowledge answers
            return Decision(reset + (self.knowledge.answer(tracker) or [Say("out_of_scope")]))
        builtin: list[Step] | None = {
            "human_agent": [Say("handoff"), HandedOff(reason="asked for a person")],
            "goodbye": [Say("goodbye"), ConversationEnded()],
            "greet": [Say("greet")],
        }.get(intent or "")
        if builtin is not None:
            return Decision(reset + builtin)
        return self._not_understood(tracker, reset)

    def _not_understood(self, tracker: Tracker, reset: list[Step]) -> Decision:
        """The next no-match level, after the offer or proposal the turn passed over (the escalation counts on); the
        turn's values, that no task took, noted for the next task that does. A later request of a message whose
        first was understood escalates nothing: the message was answered ("I need a house to stay in. Please help
        me find one", the second clause read as asking for other rows, with none offered)."""
        passed_over = [step for step in reset if not isinstance(step, EscalationReset)]
        if tracker.taken_from:
            return Decision(passed_over + self._noted(tracker, set()))
        escalated = self._escalate(tracker, "no_match")
        return Decision(passed_over + self._noted(tracker, set()) + escalated.steps, listen=escalated.listen)

    def _owner_of_values(self, tracker: Tracker, intent: str | None) -> str | None:
        """With no task going, the one task that takes every value the message gives ("I'm in Palo Alto", "try
        again for 12:30 next Friday" after a booking), whatever the intent they came with; of several, the one
        whose trigger the NLU ranks first in its top three with at least RANKED_AT_LEAST ("would you look in San
        Jose for some movies?", `inform` with finding movies 0.075, and buying tickets, which takes a city too, not
        ranked), the turn then understood as that trigger. None when no task takes them, or several
        and none is ranked, or the message closes the conversation or asks for a person."""
        given, understood = set(tracker.turn.entities), tracker.turn.interpretation
        if not given or intent in _NOT_VALUES:
            return None
        owners = [name for name, task in self.domain.tasks.items()
                  if task.triggers and not task.digression and given <= set(self.tasks[name].slots)]
        if len(owners) > 1 and understood is not None:
            ranked = [score.name for score in understood.ranking[:3]
                      if self.triggers.get(score.name) in owners and score.confidence >= RANKED_AT_LEAST]
            if not ranked:
                return None
            tracker.understand_as(intent=ranked[0])
            return self.triggers[ranked[0]]
        return owners[0] if len(owners) == 1 else None

    def _follow_up(self, tracker: Tracker, intent: str | None) -> str | None:
        """With nothing going, the task just completed when it takes every value of a turn that only gives values,
        a category value the model gave another slot read as the one of its own categories that lists it ("and in
        my current account?" after a balance, the account tagged as a transfer's): it runs again with them."""
        done, understood = tracker.state.completed, tracker.turn.interpretation
        if done is None or intent != ENTITY_ONLY_INTENT or understood is None or not understood.entities \
                or not self.domain.tasks[done].triggers:
            return None
        own = set(self.tasks[done].slots)
        entities = {slot: value for slot, value in understood.entities.items() if slot in own}
        for span in understood.spans:
            if span.slot not in own:
                read = self._read_as_one_of(span.text, span.slot, own - set(understood.entities))
                if read is None:
                    return None
                entities.update(read)
        if set(understood.entities) - own - {span.slot for span in understood.spans}:
            return None  # a value of another task's slot with no words to read again
        tracker.understand_as(entities=entities)
        return done

    def _read_as_one_of(self, text: str, tagged: str, slots: set[str]) -> dict[str, Any] | None:
        """The words of a category value the model gave `tagged`, read as the one category of `slots` that lists
        them (a value of a list is evidence of its slot; a date or a name could be anyone's)."""
        if not slot_type(self.domain.slots[tagged]).closed:
            return None
        found = {}
        for slot in sorted(slots):
            if slot_type(self.domain.slots[slot]).closed:
                try:
                    found[slot] = self.values.coerce(slot, text)
                except InvalidValue:
                    continue
        return found if len(found) == 1 else None

    def _read_as_answer(self, tracker: Tracker, top: TaskFrame | None) -> list[Step] | None:
        """A message the NLU could not place that the active task still reads values from, as the answer to what
        it asked ("There will be two of us" after "How many tickets?"): understood as `inform`. Rows on offer, which
        input not understood leaves open, are then passed over ("neither, what about 9?" after other times)."""
        interpretation = tracker.turn.interpretation
        if top is None or interpretation is None:
            return None
        steps = self._react_task(tracker, top)
        if not steps or tracker.turn.entities == interpretation.entities:
            return None
        tracker.understand_as(intent=ENTITY_ONLY_INTENT)
        offering = tracker.state.offering
        return ([OfferAnswered(result=offering.result, chosen=None)] if offering is not None else []) + steps

    def _ranked_next(self, tracker: Tracker, intent: str | None) -> str | None:
        """With nothing going, for a domain intent that means nothing here (`_means_nothing_here`: "another" with
        nothing offered, "can you help me look for apartments?"), the task of the first intent after it in the NLU's
        top three that starts one (not a digression); the turn is understood as that intent."""
        understood = tracker.turn.interpretation
        if understood is None or not self._means_nothing_here(tracker, intent):
            return None
        for score in understood.ranking[1:3]:
            task = self.triggers.get(score.name)
            if task is not None and not self.domain.tasks[task].digression:
                tracker.understand_as(intent=score.name)
                return task
        return None

    def _means_nothing_here(self, tracker: Tracker, intent: str | None) -> bool:
        """Whether the intent is the domain's own and starts no task: no built-in, no yes or no ("another" with
        nothing offered), and `inform` only when the turn gives no value ("I'm looking for a salon", read as
        `inform` 0.58 and `find_salon` 0.37, informs nothing)."""
        if intent == ENTITY_ONLY_INTENT:
            return not tracker.turn.entities
        return intent is not None and intent in self.domain.intents and intent not in BUILTIN_INTENTS \
            and self.domain.yes_or_no(intent) is None and intent not in self.triggers

    def _noted(self, tracker: Tracker, taking: set[str]) -> list[Step]:
        """The turn's values that neither `taking` nor any task on the stack takes, noted for the next task that
        does ("at 10:30 pm" while finding a movie's show times, kept for buying the tickets): values of the
        domain's task slots only, each of its slot's type."""
        unclaimed = set(tracker.turn.entities) - taking - self._slots_below(tracker.state.stack)
        values = {}
        for slot in sorted(unclaimed & self.task_slots):
            try:
                values[slot] = self.values.coerce(slot, tracker.turn.entities[slot])
            except InvalidValue:
                continue
        return [ValuesNoted(values=values)] if values else []

    def _answers_active(self, tracker: Tracker, top: TaskFrame, triggered: str) -> bool:
        """Whether a message with another task's intent gives values for the task going instead: values it takes
        all of, when they answer what it asked ("I'd like to watch Good Boys" after "Which movie?" while buying
        tickets, read as finding a movie), or the other task would not take them all, or it is what the search going
        is for ("Find me a house. I need it for one person", read as a search and then a booking: the search offers
        the house to book), or it is a search for the task going that cannot find what that task asked ("a regular
        show" after "On what day?" while buying tickets for a movie chosen already, read as finding a movie; "find
        one in Oakland" after "Which movie?" is a search)."""
        given, interpretation = set(tracker.turn.entities), tracker.turn.interpretation
        if interpretation is None or not given or not given <= set(self.tasks[top.task].slots):
            return False
        search_for_it = top.task in self.offers.leads_to[triggered]
        return top.requested in given or not given <= set(self.tasks[triggered].slots) \
            or triggered in self.offers.leads_to[top.task] \
            or (search_for_it and top.requested is not None and top.requested not in self.offers.finds[triggered])

    def _yes_or_no_to_a_value(self, tracker: Tracker, top: TaskFrame, yes_no: str) -> list[Step]:
        """A bare yes or no when the task asked for a value, which neither answers. A no to the question asked before
        this message, in a message that also takes leave, stops the task ("No, not now. That's all" after "When would
        you like to check in?": the user does not want to go on, as with `cancel`); a no alone ("no phone" after "And
        a phone number?") declines the value, not the task with all it holds: the question is asked again, and the no
        counts as one of the slot's attempts, so declining again and again reaches the slot's escalation. A yes
        ("Yes, please!" after "How many people?", said to the question the user expected), or a no after the question
        this message's first request led to ("I need an apartment. I haven't found much"), misunderstands nothing:
        the question is asked again, no escalation."""
        asked_now = any(isinstance(event, SlotRequested) and event.task == top.task for event in tracker.events)
        if yes_no != "deny" or asked_now:
            return []
        understood = tracker.turn.interpretation
        if understood is not None and any(thing.intent == "goodbye" for thing in understood.also):
            return self._cancel(tracker)
        return self.tasks[top.task].declined(top)

    def _search_first(self, tracker: Tracker, triggered: str) -> str:
        """The task a request for `triggered` starts: the one search leading to it (its offers' `on_select`) when the
        turn gives values `triggered` does not take and that search takes them all ("I need to rent a house rated 4
        or more": the rating says which house, so the search runs and offers one to book; the values only the
        booking takes are noted for it), else `triggered`. The turn is then understood as asking for the search. Not
        while rows are on offer: the offer's own reading of the turn has decided what its values mean."""
        interpretation = tracker.turn.interpretation
        rest = set(tracker.turn.entities) - set(self.tasks[triggered].slots)
        if not rest or interpretation is None or tracker.state.offering is not None:
            return triggered
        searches = [name for name in self.offers.searches_leading_to(triggered) if rest <= set(self.tasks[name].slots)]
        if len(searches) != 1:
            return triggered
        tracker.understand_as(intent=self.domain.tasks[searches[0]].triggers[0])
        return searches[0]

    def _gives_task_values(self, tracker: Tracker) -> bool:
        """An unsure intent still answers when its entities are slots of a task on the stack (as a form takes a
        requested value whatever the intent), or of the task proposed ("Yes. Please book for Saturday" after "Shall I
        buy tickets for it?", which then takes the proposal), or, with no task going, values one task takes ("I want
        one in San Jose"). A word that is none of a list's values is no such value ("what is the capital of peru?"
        while the cuisine is asked: "peru" tagged as one)."""
        given = {slot for slot, value in tracker.turn.entities.items() if self._listed(slot, value)}
        proposed = tracker.state.proposed
        if proposed is not None and given and given <= set(self.tasks[proposed].slots):
            return True
        if tracker.state.active is None:
            return self._owner_of_values(tracker, None) is not None
        return bool(self._slots_below(tracker.state.stack) & given)

    def _listed(self, slot: str, value: Any) -> bool:
        """Whether a value could be its slot's: any value of an open slot, one a closed slot lists or could mean."""
        if not slot_type(self.domain.slots[slot]).closed:
            return True
        try:
            self.values.coerce(slot, value)
        except AmbiguousValue:
            return True
        except InvalidValue:
            return False
        return True

    def _clarification(self, tracker: Tracker) -> list[Step]:
        """When the NLU could not tell two tasks apart, ask which one was meant."""
        understood = tracker.turn.interpretation
        if understood is None or not understood.ambiguous or len(understood.ranking) < 2:
            return []
        active = tracker.state.active.task if tracker.state.active else None
        tasks = [self.triggers.get(score.name) for score in understood.ranking[:2]]
        if None in tasks or tasks[0] == tasks[1] or active in tasks:
            return []
        options = [self.domain.tasks[t].description or t.replace("_", " ") for t in tasks]  # type: ignore[index]
        return [Say("clarify", {"options": options})]

    def _react_task(self, tracker: Tracker, frame: TaskFrame) -> list[Step] | None:
        return self.tasks[frame.task].react(tracker, frame)

    def _corrections(self, tracker: Tracker, top: TaskFrame) -> list[Step]:
        """Values for slots of tasks below the active one: corrections of earlier answers."""
        taken = set(self.tasks[top.task].slots)
        items: list[Step] = []
        for frame in reversed(tracker.state.stack[:-1]):
            rest = {slot: value for slot, value in tracker.turn.entities.items() if slot not in taken}
            if not rest:
                break
            policy = self.tasks[frame.task]
            items += policy.correct(tracker, frame, rest)
            taken |= set(policy.slots)
        return items

    def _help_response(self, tracker: Tracker) -> str:
        top = tracker.state.active
        return (self.tasks[top.task].help(top) if top is not None else None) or "help"

    def _escalate(self, tracker: Tracker, kind: str) -> Decision:
        """No input or no match: the active task's own way out, else the next escalation level (the task's
        own levels, else the domain's)."""
        top = tracker.state.active
        if top is not None:
            fired = self.tasks[top.task].escalate(tracker, top, kind)
            if fired is not None:
                return Decision(fired)
        levels = self._escalation_levels(tracker, kind) or (DEFAULT_NO_INPUT if kind == "no_input"
                                                            else DEFAULT_NO_MATCH)
        count = getattr(tracker.state, kind) + 1
        return Decision([EscalationStepped(kind=kind), *levels[min(count, len(levels)) - 1]])

    def _escalation_levels(self, tracker: Tracker, kind: str) -> list[Any]:
        """The escalation levels the domain declares for the turn: the active task's own, else the domain's (`ivr`);
        none when it declares none."""
        top = tracker.state.active
        own = self.tasks[top.task].escalation(top, kind) if top is not None else None
        return own or getattr(self.domain.ivr, kind)

    # -- tasks on the stack: the handlers of the steering steps (dialogue.policies.executor) -------

    def start_task(self, tracker: Tracker, action: StartTask) -> list[Step]:
        return self._start(tracker, action.start_task, {})

    def propose_task(self, tracker: Tracker, action: ProposeTask) -> list[Step]:
        """Propose the next task, unless it is on the stack already (a booking that asked for a search first): then
        it resumes when the task above ends."""
        if tracker.state.frame(action.propose_task.task) is not None:
            return []
        return [TaskProposed(task=action.propose_task.task, ask=action.propose_task.ask), Say(action.propose_task.ask)]

    def _proposal(self, tracker: Tracker, task: str) -> list[Step] | None:
        """The answer to a proposed task: yes starts it (with the turn's values), and so do asking for it and values
        of its slots when the turn asks for no task ("until the 9th" after "shall I book it?"); no (or cancel)
        declines it; None for anything else, which passes it over."""
        intent = tracker.turn.intent or ""
        meaning = "deny" if intent == "cancel" else self.domain.yes_or_no(intent)
        gives_values = intent not in self.triggers and bool(set(tracker.turn.entities) & set(self.tasks[task].slots))
        if self.triggers.get(intent) == task and tracker.turn.interpretation is not None:
            meaning = "affirm"  # "yes, book me an appointment" after "shall I book one?": asking for it takes it
            tracker.understand_as(intent="affirm")
        if meaning == "affirm" or (meaning is None and gives_values):
            return [ProposalAnswered(task=task, accepted=True), *self._start(tracker, task, tracker.turn.entities)]
        if meaning == "deny":
            return [ProposalAnswered(task=task, accepted=False), Say("proposal_declined")]
        return None

    def check_answer(self, tracker: Tracker, step: CheckAnswer) -> list[Step]:
        policy = self.tasks[step.task]
        assert isinstance(policy, FramePolicy)  # only frame slots have checks
        return policy.checked(tracker, step)

    def cancel_task(self, tracker: Tracker, action: CancelTask) -> list[Step]:
        return self._cancel(tracker)

    def goto(self, tracker: Tracker, action: Goto) -> list[Step]:
        top = tracker.state.active
        return self.tasks[top.task].goto(top, action.goto) if top is not None else []

    def finish(self, tracker: Tracker, finish: Finish) -> list[Step]:
        """End a task: clear the slots only it uses (but its `persisted_slots`), give the slots it
        shares with the tasks below it back the values they had when it started (an interruption neither sees
        nor changes the interrupted task's values), but for a persisted slot they had no value for (the city a
        search found, pushed on a booking that had none yet: the booking has it), then pop it. A completed task
        ends the searches right below it whose offers lead to it too (finding a movie, interrupted by buying
        tickets: once they are bought, the search is not resumed)."""
        state = tracker.state
        frame = state.frame(finish.task)
        if frame is None:
            return []
        in_use = self._slots_below(state.stack, leaving=finish.task)
        kept = set(self.domain.tasks[finish.task].persisted_slots)
        reset = self._cleared([slot for slot in self.tasks[finish.task].slots
                               if slot not in in_use and slot not in kept]).values
        reset |= {slot: value for slot, value in frame.saved.items()
                  if slot in in_use and state.slots.get(slot) != value and not (value is None and slot in kept)}
        if reset:
            tracker.apply(SlotsCleared(values=reset))
        tracker.apply(TaskEnded(task=finish.task, outcome=finish.outcome))
        if finish.outcome != "completed":
            return []
        below = [frame.task for frame in reversed(state.stack)]
        searches = takewhile(lambda task: finish.task in self.offers.leads_to[task], below)
        return [Finish(task, "abandoned") for task in searches]

    def _start(self, tracker: Tracker, name: str, entities: dict[str, Any]) -> list[Step]:
        """Start a task with the turn's values and those noted for it. It starts without the values of the slots it
        shares with the tasks below (an interruption neither sees nor changes them), but for those of a search below
        whose offers lead to it: that search's criteria are the task's (buying tickets asked for while finding a
        movie in Oakland buys them in Oakland); so are the values of a task below that the new task's offers lead
        to (other houses asked for while booking one in London are searched for in London)."""
        task = self.domain.tasks[name]
        if task.digression:
            return list(task.on_complete)
        if tracker.state.frame(name) is not None:
            return [TaskRaised(task=name)]
        policy = self.tasks[name]
        taken = sorted(set(tracker.state.noted) & set(policy.slots))  # said before, when no task going took them
        entities = {**{slot: tracker.state.noted[slot] for slot in taken}, **entities}
        stack = tracker.state.stack
        shared = set(policy.slots) & self._slots_below(stack)
        saved = {slot: tracker.state.slots.get(slot) for slot in sorted(shared)}
        searched = {slot for frame in stack
                    if name in self.offers.leads_to[frame.task] or frame.task in self.offers.leads_to[name]
                    for slot in self.tasks[frame.task].slots}
        started: list[Step] = [TaskStarted(task=name, saved=saved)]
        cleared = sorted(shared - searched)
        if any(saved[slot] is not None for slot in cleared):  # the new task starts without the values below
            started.append(self._cleared(cleared))
        if taken:
            started.append(ValuesNoted(taken=taken))
        return [*started, *policy.begin(tracker, TaskFrame(task=name), entities)]

    def _cleared(self, slots: list[str]) -> SlotsCleared:
        """The event that puts slots back to their defaults."""
        return SlotsCleared(values={name: self.defaults[name] for name in slots})

    def _slots_below(self, stack: list[TaskFrame], leaving: str | None = None) -> set[str]:
        """Slots of the tasks on the stack (but `leaving`)."""
        return {slot for frame in stack if frame.task != leaving for slot in self.tasks[frame.task].slots}

    def _cancel(self, tracker: Tracker) -> list[Step]:
        """The active task cancelled; with none, the task that undoes the one just completed started ("cancel it"
        after a booking), understood as its trigger; else `nothing_to_cancel`."""
        top = tracker.state.active
        if top is None:
            undoer = self.undoers.get(tracker.state.completed or "")
            if undoer is None:
                return [Say("nothing_to_cancel")]
            triggers, understood = self.domain.tasks[undoer].triggers, tracker.turn.interpretation
            if triggers and understood is not None:
                tracker.understand_as(intent=triggers[0])
            return self._start(tracker, undoer, tracker.turn.entities)
        task = self.domain.tasks[top.task]
        on_cancel = task.on_cancel if task.on_cancel is not None else [Respond(respond="cancelled")]
        return [*on_cancel, Finish(top.task, "cancelled")]

    # -- after the input: moving on ---------------------------------------------------------

    def advance(self, tracker: Tracker) -> Decision:
        """What the active task does next: resume, ask, confirm or complete. With none, a proposal still open
        after a question answered on the side is asked again, after the answer ("What is their number?" after
        "Shall I book it?"; "Sounds good. What is their number?" to an offer that leads to the proposal)."""
        state = tracker.state
        top = state.active
        if state.ended or state.handoff or state.offering is not None:  # an offer asks the user
            return Decision(listen=True)
        if top is None:
            ask = state.proposal_ask if state.proposed is not None else None
            return Decision([Say(ask)] if ask is not None and not tracker.said(ask) else [], listen=True)
        if top.interrupted:
            task = self.domain.tasks[top.task]
            return Decision([TaskResumed(task=top.task), Say(task.resume or "resume")])
        return self.tasks[top.task].advance(tracker, top)
