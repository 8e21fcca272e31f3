"""Figures over many simulated conversations: task success, turns, slot precision and recall,
NLU intent accuracy and slot F1 per turn (seqeval) against the simulator's labels, fallback,
LLM-call and handoff rates, and latency per turn."""

from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Any

from dialogue.simulation.conversation import ConversationLog, is_fallback
from dialogue.simulation.judge import same
from dialogue.stats import percentile


def _rate(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def summarise(logs: list[ConversationLog]) -> dict[str, Any]:
    """The figures of a run (JSON-friendly)."""
    turns = [turn for log in logs for turn in log.turns]
    parsed = [turn for turn in turns if turn.predicted_intent is not None and turn.intent is not None]
    tagged = [turn for turn in parsed if turn.predicted_tags is not None and turn.gold_tags is not None]
    latencies = [turn.latency_ms for turn in turns]
    stored = sum(len(log.stored) for log in logs)
    wanted = sum(len(log.expected) for log in logs)
    right = sum(1 for log in logs for slot, value in log.expected.items()
                if slot in log.stored and same(log.stored[slot], value))
    return {
        "conversations": len(logs),
        "success_rate": _rate(sum(log.success for log in logs), len(logs)),
        "turns_per_conversation": round(mean(len(log.turns) for log in logs), 2) if logs else 0.0,
        "slot_precision": _rate(right, stored),
        "slot_recall": _rate(right, wanted),
        "intent_accuracy": _rate(sum(t.predicted_intent == t.intent for t in parsed), len(parsed)),
        "slot_f1": _slot_f1(tagged),
        "fallback_rate": _rate(sum(is_fallback(t) for t in parsed), len(parsed)),
        "llm_call_rate": _rate(sum(t.llm_messages > 0 for t in turns), len(turns)),
        "handoff_rate": _rate(sum(log.handoff for log in logs), len(logs)),
        "latency_ms": {name: round(percentile(latencies, q), 3) if latencies else 0.0
                       for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
        "by_task": _grouped(logs, lambda log: log.scenario.goal.task if log.scenario.goal.kind != "fsm"
                            else f"{log.scenario.goal.task}:{log.scenario.goal.target}"),
        "by_noise": _grouped(logs, lambda log: str(log.scenario.noise)),
        "by_behaviour": _behaviours(logs),
        "parsed_turns": len(parsed),
    }


def _slot_f1(turns: list[Any]) -> float:
    if not turns:
        return 0.0
    from seqeval.metrics import f1_score

    gold = [t.gold_tags for t in turns]
    predicted = [t.predicted_tags for t in turns]
    if not any(tag != "O" for tags in gold for tag in tags):
        return 1.0 if not any(tag != "O" for tags in predicted for tag in tags) else 0.0
    return round(float(f1_score(gold, predicted)), 4)


def _grouped(logs: list[ConversationLog], key: Any) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[ConversationLog]] = defaultdict(list)
    for log in logs:
        groups[key(log)].append(log)
    return {name: {"conversations": len(group), "success_rate": _rate(sum(g.success for g in group), len(group))}
            for name, group in sorted(groups.items())}


def _behaviours(logs: list[ConversationLog]) -> dict[str, dict[str, Any]]:
    """Success of the conversations in which the user showed each behaviour."""
    groups: dict[str, list[ConversationLog]] = defaultdict(list)
    for log in logs:
        for behaviour in sorted({turn.behaviour for turn in log.turns}):
            groups[behaviour].append(log)
        if log.scenario.interrupt is not None:
            groups["interrupted"].append(log)
    return {name: {"conversations": len(group), "success_rate": _rate(sum(g.success for g in group), len(group))}
            for name, group in sorted(groups.items())}
