"""Rule-hybrid guards: business rules before the policy (input) and on what it proposes (action)."""

from __future__ import annotations

from dialogue.dm.events import GuardFired
from dialogue.dm.tracker import Tracker
from dialogue.domains.schema import Domain
from dialogue.domains.schema.actions import SetIntent
from dialogue.policies.steps import Step, labels


class Guards:
    def __init__(self, domain: Domain):
        self.input = [guard for guard in domain.guards if guard.stage == "input"]
        self.action = [guard for guard in domain.guards if guard.stage == "action"]

    def review_input(self, tracker: Tracker) -> tuple[list[Step], bool]:
        """Actions the input guards add, and whether one vetoed the policy for this turn.

        `set_intent` takes effect at once, so later guards and the policy see the new intent.
        """
        items: list[Step] = []
        for guard in self.input:
            if not tracker.holds(guard.when):
                continue
            items.append(GuardFired(guard=guard.name, stage="input", vetoed=guard.veto))
            for action in guard.actions:
                if isinstance(action, SetIntent) and tracker.turn.interpretation is not None:
                    tracker.understand_as(intent=action.set_intent)
                else:
                    items.append(action)
            if guard.veto:
                return items, True
        return items, False

    def review_actions(self, tracker: Tracker, items: list[Step]) -> tuple[list[Step], bool]:
        """The batch after the action guards, and whether one vetoed it (its actions replace the batch)."""
        if not self.action or not items:
            return items, False
        proposed = labels(items)
        added: list[Step] = []
        for guard in self.action:
            if tracker.holds(guard.when, actions=proposed):
                if guard.veto:
                    return [GuardFired(guard=guard.name, stage="action", vetoed=True), *guard.actions], True
                added += [GuardFired(guard=guard.name, stage="action", vetoed=False), *guard.actions]
        return items + added, False
