"""Failed simulated conversations as conversation tests in the domain's format (`<domain>.tests.yaml`).

Each user turn becomes a step that checks what the user meant (the simulator's intent
and values); the last step checks the outcome the user wanted. The test fails as the
conversation did, and passes once the bug is fixed: a regression test in one step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dialogue.domains.schema import ConversationFile, Domain
from dialogue.simulation.conversation import ConversationLog


def failure_tests(domain: Domain, logs: list[ConversationLog], now: str) -> list[dict[str, Any]]:
    tests = []
    for log in logs:
        if log.success:
            continue
        steps: list[dict[str, Any]] = []
        for turn in log.turns:
            if turn.kind == "dtmf":
                steps.append({"dtmf": turn.digits})
            elif turn.kind in ("no_input", "start"):
                steps.append({"event": turn.kind})
            elif turn.text is not None:
                step: dict[str, Any] = {"user": turn.text}
                if turn.intent is not None:
                    step["intent"] = turn.intent
                if turn.values:
                    step["entities"] = dict(turn.values)
                steps.append(step)
        if not steps:
            continue
        _expect_outcome(steps[-1], log)
        test: dict[str, Any] = {"name": f"simulated #{log.index}: {log.scenario.goal.describe()} "
                                        f"({'; '.join(log.reasons)[:160]})",
                                "user_id": log.scenario.user_id, "channel": log.scenario.channel, "now": now,
                                "steps": steps}
        tests.append(test)
    ConversationFile.model_validate({"tests": tests})  # what is written must load as tests
    return tests


def _expect_outcome(step: dict[str, Any], log: ConversationLog) -> None:
    goal = log.scenario.goal
    if goal.kind == "fsm":
        step["state"] = goal.target
    elif goal.kind == "frame":
        outcome = "cancel_task" if goal.cancel else "complete_task"
        step["actions"] = [f"{outcome}:{goal.task}"]


def write_failures(path: Path, domain: Domain, logs: list[ConversationLog], now: str) -> int:
    """Write the failed conversations as a tests file; returns how many."""
    tests = failure_tests(domain, logs, now)
    header = (f"# Failed conversations of a simulation of {domain.name}, as conversation tests.\n"
              f"# Run: dialogue test {domain.name} (with this file as {domain.name}.tests.yaml), or copy the tests "
              "you want into it.\n")
    fixtures = [log for log in logs if not log.success and log.scenario.fixtures]
    if fixtures:
        header += ("# Some conversations started with rows made for them (see `fixtures` in the transcripts); "
                   "their tests need those rows.\n")
    path.write_text(header + yaml.safe_dump({"tests": tests}, sort_keys=False, allow_unicode=True, width=120),
                    encoding="utf-8")
    return len(tests)
