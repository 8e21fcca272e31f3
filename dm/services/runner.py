"""The handlers of the `call:`, `tool:` and `python:` actions: the request made from the domain's templates, the answer
(from the turn's `CallBook`) checked (a call's against its `expect` and its `into:` types, a function's steps
against the domain's names and types) before any of it is used."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any, Literal

import jsonschema

from dialogue.dm.actions import ActionFailed
from dialogue.dm.events import ActionRan, ResultsStored, ServiceCalled, SlotSet, VariableSet
from dialogue.dm.services import python as py
from dialogue.dm.services.calls import CallNeeded, ServiceAnswer, ServiceRequest
from dialogue.dm.services.mcp import ToolRequest
from dialogue.dm.services.python import PythonRequest, TurnView, frozen
from dialogue.dm.tracker import Tracker
from dialogue.domains.expressions import compile_path, is_literal
from dialogue.domains.schema import Domain
from dialogue.domains.schema.actions import (
    Call,
    CallSpec,
    CancelTask,
    Handoff,
    HandoffSpec,
    Python,
    Respond,
    StartTask,
    Tool,
    ToolSpec,
)
from dialogue.domains.schema.services import read_path
from dialogue.domains.slot_types import SlotValues
from dialogue.domains.values import value_problem

UNUSABLE = (ValueError, TypeError, OverflowError, RecursionError)
"""What coercing a value of a service's answer may raise (InvalidValue is a ValueError)."""


class CallRunner:
    """The handlers of the actions that reach outside the engine: `call:`, `tool:` and `python:`."""

    def __init__(self, domain: Domain):
        self.domain = domain
        self.slot_values = SlotValues(domain.slots)
        self.variable_values = SlotValues(domain.memory.variables)
        self.defaults = {name: spec.default for name, spec in domain.slots.items()}
        self._validators: dict[int, Any] = {}

    def call(self, tracker: Tracker, action: Call) -> list[Any]:
        """Use the call's answer if the turn has it (else CallNeeded); ActionFailed when there is none to use."""
        spec = action.call
        try:
            path = spec.path if is_literal(spec.path) else compile_path(spec.path)(tracker.context())
        except Exception as err:  # noqa: BLE001 - a domain's template must never break a turn
            self._fail(tracker, spec, ServiceCalled(service=spec.service, method=spec.method, path=spec.path,
                                                    status="not_sent", ms=0, attempts=0,
                                                    error=f"path `{spec.path}` failed: {type(err).__name__}: {err}"),
                       "error")
        query = {name: _query_text(value) for name, raw in spec.query.items()
                 if (value := tracker.evaluate(raw)) is not None and value != ""}
        request = ServiceRequest.of(spec.service, spec.method, path, query, _body(tracker, spec.body),
                                    turn=_turn(tracker), ordinal=tracker.calls.next_ordinal(),
                                    timeout_s=spec.timeout_ms / 1000 if spec.timeout_ms else None)
        return self._answered(tracker, spec, request, spec.method, path)

    def tool(self, tracker: Tracker, action: Tool) -> list[Any]:
        """Use the tool's answer if the turn has it (else CallNeeded); ActionFailed when there is none to use."""
        spec = action.tool
        request = ToolRequest.of(spec.server, spec.name, _body(tracker, spec.arguments), turn=_turn(tracker),
                                 ordinal=tracker.calls.next_ordinal(),
                                 timeout_s=spec.timeout_ms / 1000 if spec.timeout_ms else None)
        return self._answered(tracker, spec, request, "tool", spec.name)

    def _answered(self, tracker: Tracker, spec: CallSpec | ToolSpec, request: ServiceRequest | ToolRequest,
                  method: str, path: str) -> list[Any]:
        """Apply the answer the turn holds for the request: its rows and its `into:` values, each checked."""
        answer = tracker.calls.answers.get(request.key)
        if answer is None:
            raise CallNeeded(request)
        ran = ServiceCalled(service=request.service, method=method, path=path, status=answer.status_label,
                            ms=answer.ms, attempts=answer.attempts, error=answer.error)
        used = self._used(spec, answer) if answer.outcome == "ok" else answer.error
        if isinstance(used, str):
            self._fail(tracker, spec, ran.model_copy(update={"error": used}), _failure(answer))
        tracker.apply(ran)
        values, rows = used
        if spec.result:
            tracker.apply(ResultsStored(name=spec.result, rows=rows))
        for target, value in values.items():
            variable = target.removeprefix("user.")
            tracker.apply(SlotSet(slot=target, value=value) if variable == target
                          else VariableSet(name=variable, value=value))
        return []

    def python(self, tracker: Tracker, action: Python) -> list[Any]:
        """Take the steps the function returned if the turn has them (else CallNeeded), checked as a domain's own
        values are; ActionFailed when there are none to take."""
        spec, state = action.python, tracker.state
        args = {name: tracker.evaluate(raw) for name, raw in spec.args.items()}
        view = TurnView(slots=frozen(state.slots), variables=frozen(state.variables), results=frozen(state.results),
                        args=frozen(args), session_id=state.session_id, user_id=state.user_id, now=tracker.turn.now,
                        intent=tracker.turn.intent)
        request = PythonRequest.of(spec.function, view, turn=_turn(tracker),
                                   ordinal=tracker.calls.next_ordinal(),
                                   timeout_s=spec.timeout_ms / 1000 if spec.timeout_ms else None)
        answer = tracker.calls.answers.get(request.key)
        if answer is None:
            raise CallNeeded(request)
        label = action.labels()[0]
        steps = self._steps(answer.body, spec.results) if answer.outcome == "ok" else answer.error
        if isinstance(steps, str):
            tracker.warnings.append(f"Python action {spec.function} failed: {steps}")
            then = (spec.on_timeout if answer.outcome == "timeout" else []) or spec.on_error
            raise ActionFailed(ActionRan(label=label, detail={"error": steps, "ms": answer.ms}), list(then))
        tracker.apply(ActionRan(label=label, detail={"ms": answer.ms, "steps": len(steps)}))
        return steps

    def _steps(self, returned: list[Any], results: list[str]) -> list[Any] | str:
        """What a Python action returned as the engine's steps, each checked, or why they cannot be taken."""
        steps: list[Any] = []
        for step in returned:
            try:
                steps.append(self._step(step, results))
            except (KeyError, *UNUSABLE) as err:
                return f"{step!r:.200}: {err}"
        return steps

    def _step(self, step: Any, results: list[str]) -> Any:
        """One returned step as the engine's: KeyError for a name the domain does not declare, ValueError for a
        value it cannot take."""
        domain = self.domain
        if isinstance(step, py.SetSlot):
            _declared("slot", step.slot, domain.slots)
            value = self.defaults[step.slot] if step.value is None else self.slot_values.coerce(step.slot, step.value)
            return SlotSet(slot=step.slot, value=value)
        if isinstance(step, py.SetVariable):
            _declared("user variable", step.name, domain.memory.variables)
            value = None if step.value is None else self.variable_values.coerce(step.name, step.value)
            return VariableSet(name=step.name, value=value)
        if isinstance(step, py.Respond):
            _declared("response", step.response, domain.responses)
            return Respond(respond=step.response)
        if isinstance(step, py.StartTask):
            _declared("task", step.task, domain.tasks)
            return StartTask(start_task=step.task)
        if isinstance(step, py.CancelTask):
            return CancelTask(cancel_task=True)
        if isinstance(step, py.Handoff):
            return Handoff(handoff=HandoffSpec(queue=step.queue, reason=step.reason))
        _declared("result in this action's `results`", step.name, dict.fromkeys(results))
        return ResultsStored(name=step.name, rows=json.loads(json.dumps(step.rows)))

    def _used(self, spec: CallSpec | ToolSpec,
              answer: ServiceAnswer) -> tuple[dict[str, Any], list[dict[str, Any]]] | str:
        """The typed values for `into:` and the rows for `result:`, or why the answer cannot give them."""
        body = answer.body
        if spec.expect is not None:
            error = jsonschema.exceptions.best_match(self._validator(spec).iter_errors(body))
            if error is not None:
                where = ".".join(str(part) for part in error.absolute_path) or "the answer"
                return f"the answer does not match `expect` at {where}: {error.message[:200]}"
        values = {}
        for target, path in spec.into.items():
            try:
                raw = read_path(body, path)
            except KeyError:
                return f"the answer has no `{path or '(answer)'}` for {target}"
            variable = target.removeprefix("user.")
            if raw is None:
                values[target] = self.defaults[target] if variable == target else None
                continue
            coercer = self.slot_values if variable == target else self.variable_values
            try:
                values[target] = coercer.coerce(variable, raw)
            except UNUSABLE as err:
                return f"`{path or '(answer)'}` of the answer is no value for {target}: {str(err)[:200]}"
        rows: list[dict[str, Any]] = []
        if spec.result:
            try:
                found = read_path(body, spec.rows)
            except KeyError:
                return f"the answer has no `{spec.rows}` for result {spec.result}"
            rows = [found] if isinstance(found, dict) else found
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                return f"`{spec.rows or '(answer)'}` of the answer is not an object or a list of objects"
        problem = value_problem(values, "into") or value_problem(rows, f"result {spec.result}")
        if problem is not None:  # kept, it could not be sent back to a client, nor stored on every database
            return f"the answer cannot be kept: {problem[0]}: {problem[1]}"
        return values, rows

    def _validator(self, spec: CallSpec | ToolSpec) -> Any:
        validator = self._validators.get(id(spec))
        if validator is None:
            assert spec.expect is not None
            validator = self._validators[id(spec)] = jsonschema.validators.validator_for(spec.expect)(spec.expect)
        return validator

    @staticmethod
    def _fail(tracker: Tracker, spec: CallSpec | ToolSpec, ran: ServiceCalled, failure: Failure) -> None:
        tracker.warnings.append(f"call to {ran.service} {ran.method} {ran.path} failed: {ran.error}")
        then = spec.on_timeout if failure == "timeout" else []
        if failure == "refused" and isinstance(spec, CallSpec):  # a tool's failure has no status: never refused
            then = spec.on_refused
        raise ActionFailed(ran, list(then or spec.on_error))


Failure = Literal["timeout", "refused", "error"]
_NOT_REFUSALS = frozenset({401, 403, 407, 408, 429})
"""4xx statuses that say the call itself failed (credentials, time, rate), not that the service declined it."""


def _failure(answer: ServiceAnswer) -> Failure:
    """How an answer that cannot be used failed: in time, by the service's refusal (a 4xx), or otherwise."""
    if answer.outcome == "timeout":
        return "timeout"
    status = answer.status
    refused = answer.reason == "status" and status is not None and 400 <= status < 500 and status not in _NOT_REFUSALS
    return "refused" if refused else "error"


def _turn(tracker: Tracker) -> str:
    """What names the turn in its calls' idempotency keys."""
    state = tracker.state
    return f"{state.domain}/{state.session_id}/{state.turn}"


def _declared(kind: str, name: str, declared: dict[str, Any]) -> None:
    if name not in declared:
        raise KeyError(f"the domain has no {kind} '{name}'")


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)


def _body(tracker: Tracker, body: Any) -> Any:
    """The JSON body with its templates evaluated (dates as ISO text)."""
    if isinstance(body, dict):
        return {key: _body(tracker, value) for key, value in body.items()}
    if isinstance(body, list):
        return [_body(tracker, value) for value in body]
    return _json_value(tracker.evaluate(body))


def _json_value(value: Any) -> Any:
    """A template's value as JSON can carry it: dates and times as ISO text, no infinities, other objects as
    text."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)
