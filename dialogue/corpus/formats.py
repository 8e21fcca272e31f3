"""Real conversations in the domain's terms, read from the Schema-Guided Dialogue format (through a mapping) or from
JSON lines (a team's own logs, written in the domain's terms already).

JSON lines: one conversation a line,
`{"id": "c1", "now": "2026-03-01T12:00:00", "task": "book_table", "final": {"party_size": 4},
  "turns": [{"text": "a table for 4", "intent": "book_table", "slots": {"party_size": 4}}]}`;
`now`, `task` and `final` (the values the task must end with) are optional, and so are a turn's `intent`,
`slots` and `also` (other intents the turn means as well; a turn without `intent` is not scored for it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialogue.corpus.mapping import CorpusMapping

_GIVING_ACTS = frozenset({"INFORM", "SELECT"})
"""The SGD user acts whose slot values the user gives in the turn."""


class CorpusError(ValueError):
    """Conversations that cannot be read: says which file, and where in it."""


@dataclass
class UserTurn:
    text: str
    intent: str | None
    """The domain's intent the turn means (None: the mapping has none for it; not scored)."""
    slots: dict[str, Any] = field(default_factory=dict)
    """The values the user gave in this turn, by the domain's slot (the dataset's canonical values)."""
    said: dict[str, str] = field(default_factory=dict)
    """How the user said them, where the dataset tells (SGD's INFORM values): how well the domain's slot types
    read what people say is measured apart from how well the model finds it."""
    also: frozenset[str] = frozenset()
    """Other intents the turn means as well, where it holds several acts ("No, make it the 12th" denies and
    informs): a reading as one of them is right by the any-act figure."""


@dataclass
class RealConversation:
    id: str
    turns: list[UserTurn]
    now: dt.datetime
    task: str | None = None
    """The domain's task the conversation was to get done, if the mapping names one."""
    final: dict[str, Any] = field(default_factory=dict)
    """The values the task must end with: the conversation's final state."""
    complete: bool = False
    """Whether the user gave every value the task needs (only such conversations count for task success)."""
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Rows the business's systems held for the conversation (the results its services returned), by table."""


def read_conversations(path: Path, mapping: CorpusMapping | None, split: str = "test") -> list[RealConversation]:
    """The conversations at `path`: a `.jsonl` file, or Schema-Guided Dialogue (a folder holding `schema.json` and
    `<split>.json`, or one dialogues file beside its `schema.json`), which needs a mapping."""
    if path.suffix == ".jsonl":
        return read_jsonl(path, mapping.now if mapping else None)
    dialogues = path / f"{split}.json" if path.is_dir() else path
    if mapping is None:
        raise CorpusError(f"{path}: Schema-Guided Dialogue conversations need a mapping (--mapping)")
    return read_sgd(dialogues, dialogues.parent / "schema.json", mapping)


def read_sgd(dialogues: Path, schema: Path, mapping: CorpusMapping) -> list[RealConversation]:
    """Schema-Guided Dialogue conversations: each USER turn's intent and values from its acts, read through the
    mapping; the task from the last transactional intent the user's state was in, and its final values."""
    data, services = _json(dialogues), _json(schema)
    services = services if isinstance(services, list) else [services]
    try:
        required = {intent["name"]: intent["required_slots"] for service in services for intent in service["intents"]}
    except (KeyError, TypeError) as err:
        raise CorpusError(f"{schema}: not a Schema-Guided Dialogue schema (its intents with their required_slots; "
                          f"{type(err).__name__}: {err})") from None
    conversations = []
    for dialogue in _listed(data, dialogues):
        try:
            conversations.append(_sgd_conversation(dialogue, mapping, required))
        except (KeyError, IndexError, TypeError, AttributeError) as err:
            raise CorpusError(f"{dialogues}: dialogue {dialogue['dialogue_id']}: not in the Schema-Guided Dialogue "
                              f"format ({type(err).__name__}: {err})") from None
    return conversations


def _sgd_conversation(dialogue: dict[str, Any], mapping: CorpusMapping,
                      required: dict[str, list[str]]) -> RealConversation:
    turns: list[UserTurn] = []
    rows: dict[str, list[dict[str, Any]]] = {}
    task_intent, final = None, {}
    canonical: dict[tuple[str, str], str] = {}  # (slot, value as said) -> the canonical value, from the acts
    for turn in dialogue["turns"]:
        frame = turn["frames"][0]
        for action in frame["actions"]:
            for said, value in zip(action["values"], action["canonical_values"], strict=False):
                canonical[(action["slot"], said)] = value
        if turn["speaker"] != "USER":
            table = mapping.results.get(frame.get("service_call", {}).get("method"))
            for row in frame.get("service_results", []) if table else []:
                mapped = {mapping.slots.get(key, key): value for key, value in row.items()}
                if mapped not in rows.setdefault(table, []):
                    rows[table].append(mapped)
            continue
        informed = _informed(frame, mapping)
        intent, also = _intents(frame["actions"], mapping)
        turns.append(UserTurn(turn["utterance"], intent, {slot: value for slot, (_, value) in informed.items()},
                              {slot: said for slot, (said, _) in informed.items()}, also))
        active = frame["state"]["active_intent"]
        if active in mapping.tasks:
            task_intent, final = active, frame["state"]["slot_values"]
    complete = task_intent is not None and all(slot in final for slot in required.get(task_intent, []))
    return RealConversation(
        dialogue["dialogue_id"], turns, mapping.now, task=mapping.tasks.get(task_intent) if task_intent else None,
        final={mapping.slots[slot]: _canonical(slot, values, canonical) for slot, values in final.items()
               if slot in mapping.slots},
        complete=complete, rows=rows)


def _canonical(slot: str, values: list[str], canonical: dict[tuple[str, str], str]) -> str:
    """A state's value of a slot as the dataset's canonical value (the state lists the forms that were said)."""
    return next((canonical[(slot, value)] for value in values if (slot, value) in canonical), values[0])


def _intents(actions: list[dict[str, Any]], mapping: CorpusMapping) -> tuple[str | None, frozenset[str]]:
    """The turn's intent (the INFORM_INTENT's, else the first of the mapping's acts the turn holds) and the other
    intents its acts mean."""
    informed = [mapping.intents[action["canonical_values"][0]] for action in actions
                if action["act"] == "INFORM_INTENT" and action["canonical_values"][0] in mapping.intents]
    held = {action["act"] for action in actions}
    meant = informed + [intent for acts, intent in mapping.acts.items() if held.issuperset(acts.split("+"))]
    return (meant[0], frozenset(meant[1:]) - {meant[0]}) if meant else (None, frozenset())


def _informed(frame: dict[str, Any], mapping: CorpusMapping) -> dict[str, tuple[str, str]]:
    """The values the turn gives, as said and canonical (INFORM acts of mapped slots, and SELECT acts that name
    the value picked: "Hustlers is perfect"; `dontcare` is no value)."""
    return {mapping.slots[action["slot"]]: (action["values"][0], action["canonical_values"][0])
            for action in frame["actions"]
            if action["act"] in _GIVING_ACTS and action["slot"] in mapping.slots and action["canonical_values"]
            and action["values"] and action["canonical_values"][0] != "dontcare"}


def read_jsonl(path: Path, now: dt.datetime | None) -> list[RealConversation]:
    conversations = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise CorpusError(f"{path}: cannot be read ({err.strerror})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            turns = [UserTurn(str(turn["text"]), turn.get("intent"), dict(turn.get("slots") or {}),
                              also=frozenset(turn.get("also") or ())) for turn in item["turns"]]
            when = dt.datetime.fromisoformat(item["now"]) if "now" in item else now
            if when is None:
                raise CorpusError(f"{path}:{number}: no `now` (give one in the line, or a mapping with `now`)")
            final = dict(item.get("final") or {})
            conversations.append(RealConversation(str(item.get("id", number)), turns, when, item.get("task"), final,
                                                  complete=bool(item.get("task"))))
        except CorpusError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise CorpusError(f"{path}:{number}: not a conversation ({type(err).__name__}: {err})") from None
    return conversations


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CorpusError(f"{path}: cannot be read ({err.strerror})") from None
    except ValueError as err:
        raise CorpusError(f"{path}: not JSON ({err})") from None


def _listed(data: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(d, dict) and "turns" in d and "dialogue_id" in d
                                             for d in data):
        raise CorpusError(f"{path}: not Schema-Guided Dialogue dialogues (a list of objects with dialogue_id and "
                          "turns)")
    return data
