"""Frame and FSM tasks behind one interface: the goal stack holds only TaskPolicy."""

from __future__ import annotations

import inspect

import pytest

from dialogue.domains import load_domain
from dialogue.policies.goal_stack import POLICIES, GoalStack
from dialogue.policies.task import TaskPolicy

MEMBERS = [name for name, value in vars(TaskPolicy).items() if inspect.isfunction(value) and not name.startswith("_")]


@pytest.mark.parametrize("policy", sorted(POLICIES.values(), key=lambda cls: cls.__name__))
def test_each_task_policy_has_the_whole_interface_with_its_signatures(policy: type) -> None:
    assert {"react", "advance", "keys", "help", "escalate", "escalation", "correct", "begin"} <= set(MEMBERS)
    for name in MEMBERS:
        ours = inspect.signature(getattr(policy, name))
        expected = inspect.signature(getattr(TaskPolicy, name))
        assert list(ours.parameters) == list(expected.parameters), f"{policy.__name__}.{name}"


@pytest.mark.parametrize("name", ["restaurant", "banking", "telco_ivr"])
def test_the_goal_stack_holds_one_policy_per_task(name: str) -> None:
    domain = load_domain(name)
    stack = GoalStack(domain)
    assert set(stack.tasks) == set(domain.tasks)
    for task_name, policy in stack.tasks.items():
        assert isinstance(policy, POLICIES[type(domain.tasks[task_name])])
        assert all(isinstance(slot, str) for slot in policy.slots)
