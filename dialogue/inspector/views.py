"""What the inspector shows of a turn, worked out from the engine's own TurnResult (no HTML here: the page
renders these values as text)."""

from __future__ import annotations

import json
from typing import Any

from dialogue.domains.interpretation import Interpretation
from dialogue.turns import StateSummary, TurnResult, UserInput

WRITES = ("insert", "update", "delete")
"""Action labels that change a table (`insert:bookings`)."""


def turn_view(result: TurnResult, before: StateSummary | None, *, channel: str,
              slot_nodes: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """One turn as the page shows it: understanding, guards, actions, messages, latency, the state after it and
    what changed, and the picture's nodes to mark (`slot_nodes`: the node of each task's slot, when it is not
    `slot:<task>/<slot>`)."""
    understood = result.understood
    return {
        "turn": result.turn,
        "understood": _understanding(result, understood) if understood else None,
        "guards": [{"guard": label.partition(":")[2], "vetoed": label.startswith("veto:")}
                   for label in result.actions if label.startswith(("guard:", "veto:"))],
        "actions": result.actions,
        "writes": [label for label in result.actions if label.split(":")[0] in WRITES],
        "calls": [call.model_dump(mode="json") for call in result.calls],
        "messages": [{"response": m.response, "text": m.text, "ssml": m.ssml if channel == "voice" else None,
                      "source": m.source, "note": m.note} for m in result.messages],
        "sources": [found.model_dump(mode="json") for found in result.sources],
        "latency_ms": result.latency_ms,
        "warnings": result.warnings,
        "ended": result.ended,
        "handoff": result.handoff,
        "state": result.state.model_dump(mode="json"),
        "changed": changes(before, result.state),
        "marks": marks(result.state, slot_nodes or {}),
    }


def _understanding(result: TurnResult, understood: Interpretation) -> dict[str, Any]:
    """The intent with where it came from, its ranking, and the entities with their spans."""
    return {
        "intent": understood.intent,
        "confidence": understood.confidence,
        "origin": origin(understood, result.actions),
        "ranking": [score.model_dump() for score in understood.ranking],
        "entities": understood.values,
        "spans": [span.model_dump(mode="json") for span in understood.spans],
        "text": understood.text,
        "also": [thing.intent for thing in understood.also],
    }


def origin(understood: Interpretation, actions: list[str]) -> str:
    """Where the turn's intent came from: the model, the LLM's rescue, keys, a guard (an input guard's
    `set_intent` took another intent than the model's first), or given structured."""
    input_guard = any(label.startswith(("guard:", "veto:")) for label in actions)
    if input_guard and understood.ranking and understood.source == "nlu" \
            and understood.ranking[0].name != understood.intent:
        return "guard"
    return {"nlu": "model", "llm": "llm rescue", "dtmf": "keys", "structured": "structured"}[understood.source]


def changes(before: StateSummary | None, after: StateSummary) -> dict[str, Any]:
    """What the turn changed: each slot added, changed or removed; whether the stack or the task's place did."""
    old = before.slots if before else {}
    slots = {name: "added" for name in after.slots if name not in old}
    slots |= {name: "changed" for name in after.slots if name in old and old[name] != after.slots[name]}
    slots |= {name: "removed" for name in old if name not in after.slots}
    return {"slots": slots,
            "stack": (before.stack if before else []) != after.stack,
            "place": _place(before) != _place(after)}


def _place(state: StateSummary | None) -> tuple[Any, ...]:
    return (state.active_task, state.fsm_state, state.requested_slot) if state else (None, None, None)


def marks(state: StateSummary, slot_nodes: dict[tuple[str, str], str]) -> list[str]:
    """Ids of the picture's nodes (dialogue.domains.graph) for where the conversation is: the active task, its FSM
    state or the slot it asks for, and the tasks below it on the stack."""
    found = [f"task:{task}" for task in state.stack]
    if state.active_task and f"task:{state.active_task}" not in found:
        found.append(f"task:{state.active_task}")
    if state.active_task and state.fsm_state:
        found.append(f"state:{state.active_task}/{state.fsm_state}")
    if state.active_task and state.requested_slot:
        asked = (state.active_task, state.requested_slot)
        found.append(slot_nodes.get(asked, f"slot:{asked[0]}/{asked[1]}"))
    return found


def as_test_step(given: UserInput, result: TurnResult, before: StateSummary | None) -> dict[str, Any]:
    """The turn as a step of a conversation test (docs/domain-format.md): what the user did, and what the test
    checks: the responses, the slots the turn set or cleared, the task and FSM state, the end of the call."""
    step = user_step(given)
    llm = [m.text for m in result.messages if m.source == "llm"]
    if llm:
        step["llm"] = llm[0]
    responses = result.responses
    step["bot"] = responses[0] if len(responses) == 1 else responses
    changed = changes(before, result.state)["slots"]
    if changed:
        step["slots"] = {name: result.state.slots.get(name) for name in changed}
    step["task"] = result.state.active_task
    if result.state.fsm_state:
        step["state"] = result.state.fsm_state
    if result.ended:
        step["ended"] = True
    if result.handoff:
        step["handoff"] = True
    return step


def user_step(given: UserInput) -> dict[str, Any]:
    """What the user did, as a test step writes it: `user` (text or `/intent{...}`), `dtmf` or `event`."""
    if given.text is not None:
        return {"user": given.text}
    if given.intent is not None:
        entities = json.dumps(given.entities, ensure_ascii=False) if given.entities else ""
        return {"user": f"/{given.intent}{entities}"}
    if given.event == "dtmf":
        return {"dtmf": given.digits}
    return {"event": given.event}


def said(given: UserInput) -> str:
    """What the user did, as the terminal chat writes it: the text, `/intent{...}`, `:dtmf 12` or `:no_input`."""
    step = user_step(given)
    if "user" in step:
        return step["user"]
    return f":dtmf {step['dtmf']}" if "dtmf" in step else f":{step['event']}"
