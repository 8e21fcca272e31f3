"""The conversation-test runner reports real mismatches; a failing test cannot pass."""

from __future__ import annotations

from dialogue.testing import run_tests

DOMAIN = """\
version: 1
name: t
slots:
  n: {type: integer}
intents:
  ask: [ask]
memory:
  tables:
    log: {columns: {n: integer}}
  variables:
    last: {type: integer}
tasks:
  ask:
    policy: frame
    triggers: [ask]
    slots: [{slot: n}]
    on_complete:
      - insert: {table: log, values: {n: "{{ slots.n }}"}}
      - set_variable: {last: "{{ slots.n }}"}
      - respond: done
responses:
  ask_n: Number?
  done: "Got {{ slots.n }}."
tests:
  - name: right
    steps:
      - user: /ask
        bot: ask_n
        task: ask
        stack: [ask]
      - user: '/ask{"n": 3}'
        bot: [done]
        says: got 3
        task: null
        rows: {log: 1}
        variables: {last: 3}
        actions: [insert:log]
  - name: wrong everywhere
    steps:
      - user: /ask
        bot: done
        says: nope
        task: null
        slots: {n: 1}
      - user: '/ask{"n": 3}'
        rows: {log: 2}
        variables: {last: 4}
        actions: [delete:log]
        ended: true
      - user: free text needs a model
"""


def test_passing_and_failing_tests(domain_from) -> None:
    right, wrong = run_tests(domain_from(DOMAIN))
    assert right.passed and all(step.passed for step in right.steps)
    assert not wrong.passed
    first, second, third = wrong.steps
    assert {m.check for m in first.mismatches} == {"bot", "says", "task", "slots.n"}
    assert {m.check for m in second.mismatches} == {"rows.log", "variables.last", "actions", "ended"}
    assert third.error and "trained NLU model" in third.error
    assert wrong.as_dict()["passed"] is False


def test_name_filter(domain_from) -> None:
    assert [o.name for o in run_tests(domain_from(DOMAIN), name="wrong")] == ["wrong everywhere"]
