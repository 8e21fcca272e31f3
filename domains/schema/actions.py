"""Actions: what a task, a state, a transition or a guard does.

Each action is a mapping with exactly one key, the action's kind:
``- respond: ask_party_size`` or ``- insert: {table: bookings, values: {...}}``.
Values may be literals or Jinja2 templates; a value that is exactly one
``{{ expression }}`` keeps the expression's type (a number stays a number).

An action kind is one class here: its fields (the schema), its `labels` (how action guards see it) and its
`check` (what `dialogue validate` checks of it). What it does when it runs is its handler in the one table of
`dialogue.policies.executor`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import Discriminator, Field, Tag

from dialogue.domains.python_functions import GROUP, names
from dialogue.domains.schema.base import Model, Name, one_or_many
from dialogue.domains.schema.services import JsonPath, Method

if TYPE_CHECKING:
    from dialogue.domains.references import ReferenceChecker, Scope
    from dialogue.domains.source import YamlPath

Values = Annotated[dict[Name, Any], Field(description="Column or slot -> literal or `{{ expression }}`.")]


class DomainAction(Model):
    """What every action kind has: one key, its kind."""

    kind: ClassVar[str]

    @property
    def target(self) -> Any:
        """The value under the action's key."""
        return getattr(self, self.kind)

    def labels(self) -> list[str]:
        """How action guards see it: `<kind>:<name>` for an action on something named (`insert:bookings`,
        `start_task:transfer`), else `<kind>`."""
        name = getattr(self.target, "table", self.target)
        return [f"{self.kind}:{name}"] if isinstance(name, str) else [self.kind]

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        """Report the names it uses that the domain does not declare (nothing to check by default)."""

    def nested(self) -> list[Action]:
        """Actions inside this one (a select's on_empty)."""
        return []


class Respond(DomainAction):
    kind: ClassVar[str] = "respond"
    respond: Name = Field(description="Say a response (by name).")

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        refs.response(self.respond, path)


class _Assign(DomainAction):
    """Set slots or user variables: one label per name."""

    what: ClassVar[str]

    def declared(self, refs: ReferenceChecker) -> dict[str, Any]:
        """The names the domain declares for this action to set."""
        raise NotImplementedError

    def labels(self) -> list[str]:
        return [f"{self.kind}:{name}" for name in self.target]

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        for name, value in self.target.items():
            refs.known(self.what, name, self.declared(refs), path + (name,))
            refs.value(value, path + (name,))


class SetSlot(_Assign):
    kind: ClassVar[str] = "set_slot"
    what: ClassVar[str] = "slot"
    set_slot: Values

    def declared(self, refs: ReferenceChecker) -> dict[str, Any]:
        return refs.domain.slots


class ClearSlot(DomainAction):
    kind: ClassVar[str] = "clear_slot"
    clear_slot: one_or_many(Name)  # type: ignore[valid-type]

    def labels(self) -> list[str]:
        return [f"clear_slot:{name}" for name in self.clear_slot]

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        for j, name in enumerate(self.clear_slot):
            refs.known("slot", name, refs.domain.slots, path + (j,))


class SetVariable(_Assign):
    kind: ClassVar[str] = "set_variable"
    what: ClassVar[str] = "user variable"
    set_variable: Values = Field(description="Set user variables, which outlive the session.")

    def declared(self, refs: ReferenceChecker) -> dict[str, Any]:
        return refs.domain.memory.variables


class StartTask(DomainAction):
    kind: ClassVar[str] = "start_task"
    start_task: Name = Field(description="Push a task on the goal stack.")

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        refs.known("task", self.start_task, refs.domain.tasks, path)


class ProposeSpec(Model):
    task: Name = Field(description="The task a yes starts (with the values persisted by the tasks before it).")
    ask: Name = Field(description="The response that proposes it (a yes/no question).")


class ProposeTask(DomainAction):
    kind: ClassVar[str] = "propose_task"
    propose_task: ProposeSpec = Field(description="Propose the next task; the user's next turn answers: yes "
                                                  "starts it, no says `proposal_declined`, anything else goes on.")

    def labels(self) -> list[str]:
        return [f"propose_task:{self.propose_task.task}"]

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        refs.known("task", self.propose_task.task, refs.domain.tasks, path + ("task",))
        refs.response(self.propose_task.ask, path + ("ask",))


class OfferSpec(Model):
    """Offer the rows of a result a few at a time; the user's next turn takes one, asks for others, or goes on.

    The user takes a row by saying yes (when one is offered), by its place ("the second one") or by naming
    one of its `match` values ("Golden Dragon", "the Italian one"): for that turn the offered rows' values are
    entities the NLU never had to learn. "No" or "anything else?" offers the next rows.
    """

    result: Name = Field(description="The rows (kept by a `select`, `call:`, `tool:` or Python action).")
    ask: Name = Field(description="The response that offers them; it reads `offered.rows` (the rows offered now), "
                                  "`offered.number` (the first one's place, from 1), `offered.count` and "
                                  "`offered.more`.")
    size: int = Field(1, ge=1, le=5, description="Rows offered at a time.")
    fill: dict[Name, Name] = Field(min_length=1, description="Slot <- column of the row the user takes.")
    match: list[Name] = Field([], description="Columns the user may name a row by (default: the `fill` "
                                              "columns).")
    on_select: list[Action] = Field([], description="After the user took a row (its values are in the slots).")
    on_empty: list[Action] = Field([], description="When there are no rows (default: the built-in `no_options`).")
    on_exhausted: list[Action] = Field([], description="When the user turned every row down (default: the "
                                                       "built-in `no_more_options`).")

    @property
    def columns(self) -> list[str]:
        """The columns a row is named by."""
        return self.match or list(dict.fromkeys(self.fill.values()))


class Offer(DomainAction):
    kind: ClassVar[str] = "offer"
    offer: OfferSpec

    def labels(self) -> list[str]:
        return [f"offer:{self.offer.result}"]

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        spec = self.offer
        refs.known("result", spec.result, refs.results, path + ("result",),
                   unknown=f"no action keeps a result named '{spec.result}'")
        if refs.offers[spec.result] > 1:
            refs.error(path + ("result",), f"{refs.offers[spec.result]} offers of result '{spec.result}'",
                       "a result is offered by one `offer:` (keep the rows under another name for another)")
        refs.response(spec.ask, path + ("ask",))
        for slot in spec.fill:
            refs.known("slot", slot, refs.domain.slots, path + ("fill", slot))
        for name in ("on_select", "on_empty", "on_exhausted"):
            refs.actions(getattr(spec, name), path + (name,), scope)

    def nested(self) -> list[Action]:
        return [*self.offer.on_select, *self.offer.on_empty, *self.offer.on_exhausted]


class CancelTask(DomainAction):
    kind: ClassVar[str] = "cancel_task"
    cancel_task: Literal[True] = Field(description="Cancel the active task (runs its on_cancel).")


class Goto(DomainAction):
    kind: ClassVar[str] = "goto"
    goto: Name = Field(description="Move the active FSM task to a state.")

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        states = getattr(refs.domain.tasks.get(scope.task or ""), "states", None)
        if states is None:
            refs.error(path, "goto only works inside an FSM task", "use start_task to begin another task")
        else:
            refs.known("state", self.goto, states, path)


class HandoffSpec(Model):
    queue: str = ""
    reason: str = ""


class Handoff(DomainAction):
    kind: ClassVar[str] = "handoff"
    handoff: Literal[True] | HandoffSpec = Field(description="Hand the conversation to a human agent.")


class End(DomainAction):
    kind: ClassVar[str] = "end"
    end: Literal[True] = Field(description="End the conversation.")


class SetIntent(DomainAction):
    kind: ClassVar[str] = "set_intent"
    set_intent: Name = Field(description="Input guards only: replace the intent the policy sees.")

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        if not scope.input_guard:
            refs.error(path, "set_intent only works in guards of stage input")
        refs.known("intent", self.set_intent, refs.intents, path)


class _TableAction(DomainAction):
    """A statement on one of the domain's tables; its columns must be the table's."""

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        self.checked_columns(refs, path)

    def checked_columns(self, refs: ReferenceChecker, path: YamlPath) -> set[str] | None:
        """Check the table and the columns of `values`, `where` and `filter`; the table's columns (None: no such
        table)."""
        spec = self.target
        if not refs.known("table", spec.table, refs.domain.memory.tables, path + ("table",)):
            return None
        columns = {"id", *refs.domain.memory.tables[spec.table].columns}
        for part in ("values", "where", "filter"):
            for column, value in getattr(spec, part, {}).items():
                refs.column(spec.table, column, columns, path + (part, column))
                refs.value(value, path + (part, column))
        return columns


class InsertSpec(Model):
    table: Name
    values: Values


class Insert(_TableAction):
    kind: ClassVar[str] = "insert"
    insert: InsertSpec


class SelectSpec(Model):
    table: Name
    where: Values = {}
    filter: Values = Field({}, description="Conditions that apply only when their value is given (not null): "
                                           "an optional slot as a search filter.")
    into: dict[Name, Name] = Field({}, description="Slot -> column, filled from the first row.")
    result: Name | None = Field(None, description="Keep the rows as `results.<name>` for responses.")
    order_by: Name | None = None
    descending: bool = False
    limit: int = Field(20, ge=1, le=1000)
    on_empty: list[Action] = Field([], description="Actions to run when no row matches.")


class Select(_TableAction):
    kind: ClassVar[str] = "select"
    select: SelectSpec

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        columns = self.checked_columns(refs, path)
        if columns is None:
            return
        spec = self.select
        for slot, column in spec.into.items():
            refs.known("slot", slot, refs.domain.slots, path + ("into", slot))
            refs.column(spec.table, column, columns, path + ("into", slot))
        if spec.order_by:
            refs.column(spec.table, spec.order_by, columns, path + ("order_by",))
        refs.actions(spec.on_empty, path + ("on_empty",), scope)

    def nested(self) -> list[Action]:
        return list(self.select.on_empty)


class UpdateSpec(Model):
    table: Name
    where: Values
    values: Values


class Update(_TableAction):
    kind: ClassVar[str] = "update"
    update: UpdateSpec


class DeleteSpec(Model):
    table: Name
    where: Values


class Delete(_TableAction):
    kind: ClassVar[str] = "delete"
    delete: DeleteSpec


Target = Annotated[str, Field(pattern=r"^(user\.)?[a-z][a-z0-9_]*$", max_length=70,
                              description="A slot, or a user variable as `user.<name>`.")]


class _ReachingSpec(Model):
    """What an action that reaches outside the engine has: its own time limit, and what to do when it fails."""

    timeout_ms: int | None = Field(None, ge=1, le=30_000, description="Its own limit, within the turn's budget.")
    on_error: list[Action] = Field([], description="Instead of the built-in `action_failed`, when it fails (see "
                                   "docs/domain-format.md: an error status, no answer, an answer of the wrong "
                                   "shape, an open circuit; an exception, steps the domain cannot take).")
    on_timeout: list[Action] = Field([], description="When it ran out of time (default: `on_error`).")


class _ReachingAction(DomainAction):
    """A `call:` or a `python:`: its failure paths are checked and nested like a select's on_empty."""

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        refs.actions(self.target.on_error, path + ("on_error",), scope)
        refs.actions(self.target.on_timeout, path + ("on_timeout",), scope)

    def nested(self) -> list[Action]:
        return [*self.target.on_error, *self.target.on_timeout]


class _AnswerSpec(_ReachingSpec):
    """What an action with a JSON answer (a `call:`, a `tool:`) does with it, once it is checked."""

    expect: dict[str, Any] | None = Field(None, description="The JSON Schema the answer must match before any of "
                                          "it is used (else the action failed, `on_error`).")
    into: dict[Target, JsonPath] = Field({}, description="Slot or `user.<variable>` <- a path into the answer; "
                                         "the value is type-checked as the slot's (a wrong type is an error).")
    result: Name | None = Field(None, description="Keep the answer's rows (at `rows`) as `results.<name>`.")
    rows: JsonPath = Field("", description="Where the rows are in the answer (default: the answer itself).")


class _AnswerAction(_ReachingAction):
    """A `call:` or a `tool:`: its `expect` and `into:` are checked as well."""

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        spec = self.target
        refs.json_schema(spec.expect, path + ("expect",))
        for target in spec.into:
            variable = target.removeprefix("user.")
            if variable != target:
                refs.known("user variable", variable, refs.domain.memory.variables, path + ("into", target))
            else:
                refs.known("slot", target, refs.domain.slots, path + ("into", target))
        super().check(refs, path, scope)


class CallSpec(_AnswerSpec):
    """A request to one of the domain's services; its answer is checked against `expect` before it is used."""

    service: Name
    method: Method = "GET"
    path: str = Field(pattern=r"^/", max_length=2000, description="After the service's base URL, a template whose "
                      "values are each percent-encoded: `/restaurants/{{ slots.restaurant_id }}`.")
    query: Values = Field({}, description="Query parameters -> literal or `{{ expression }}` (empty ones are left "
                                          "out).")
    body: Any = Field(None, description="The JSON body: literals and `{{ expression }}`s, nested as the body is.")
    on_refused: list[Action] = Field([], description="When the service answered that it will not do it (a 4xx "
                                     "status but 401, 403, 407, 408 and 429, which say the call itself failed): "
                                     "\"not enough money\" rather than \"the bank is down\" (default: `on_error`).")


class Call(_AnswerAction):
    kind: ClassVar[str] = "call"
    call: CallSpec

    def labels(self) -> list[str]:
        return [f"call:{self.call.service}"]

    def nested(self) -> list[Action]:
        return [*super().nested(), *self.call.on_refused]

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        spec = self.call
        refs.actions(spec.on_refused, path + ("on_refused",), scope)
        refs.known("service", spec.service, refs.domain.services, path + ("service",))
        refs.template(spec.path, path + ("path",))
        for name, value in spec.query.items():
            refs.value(value, path + ("query", name))
        for where, value in leaves(spec.body, path + ("body",)):
            refs.value(value, where)
        super().check(refs, path, scope)
        api = refs.openapi(spec.service)
        for finding in api.check(spec) if api else []:
            refs.error(path + finding.where, finding.message, finding.hint)


class ToolSpec(_AnswerSpec):
    """A tool of one of the domain's MCP servers; its answer (the tool's structured content, else its text read
    as JSON, else the text) is checked against `expect` before it is used."""

    server: Name
    name: str = Field(pattern=r"^[A-Za-z0-9_./-]+$", max_length=128, description="The tool's name on the server.")
    arguments: dict[str, Any] = Field({}, description="The tool's arguments: literals and `{{ expression }}`s, "
                                      "nested as its input schema wants them.")


class Tool(_AnswerAction):
    kind: ClassVar[str] = "tool"
    tool: ToolSpec

    def labels(self) -> list[str]:
        return [f"tool:{self.tool.server}.{self.tool.name}"]

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        spec = self.tool
        if refs.known("MCP server", spec.server, refs.domain.mcp_servers, path + ("server",)):
            refs.tool(spec, path)
        for where, value in leaves(spec.arguments, path + ("arguments",)):
            refs.value(value, where)
        super().check(refs, path, scope)


class PythonSpec(_ReachingSpec):
    """A function of the business's own code (see dialogue.dm.services.python)."""

    function: str = Field(pattern=r"^[a-z][a-z0-9_.]*$", max_length=128,
                          description="The name it is registered under (entry-point group `dialogue.actions`).")
    args: Values = Field({}, description="Its arguments -> literal or `{{ expression }}` (its view's `args`).")
    results: list[Name] = Field([], description="The results it may keep (`Results` steps), as "
                                                "`results.<name>` for responses.")


class Python(_ReachingAction):
    kind: ClassVar[str] = "python"
    python: PythonSpec

    def labels(self) -> list[str]:
        return [f"python:{self.python.function}"]

    def check(self, refs: ReferenceChecker, path: YamlPath, scope: Scope) -> None:
        spec = self.python
        refs.known("Python action", spec.function, names(), path + ("function",),
                   unknown=f"no Python action is registered as '{spec.function}' (entry-point group {GROUP})")
        for name, value in spec.args.items():
            refs.value(value, path + ("args", name))
        super().check(refs, path, scope)


def leaves(value: Any, path: YamlPath = ()) -> list[tuple[YamlPath, Any]]:
    """The scalar values of a nested body, with their paths."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in leaves(item, path + (key,))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in leaves(item, path + (i,))]
    return [(path, value)]


ACTION_KINDS: dict[str, type[DomainAction]] = {
    cls.kind: cls  # type: ignore[attr-defined]
    for cls in (Respond, SetSlot, ClearSlot, SetVariable, StartTask, ProposeTask, Offer, CancelTask, Goto, Handoff,
                End, SetIntent, Insert, Select, Update, Delete, Call, Tool, Python)
}


def action_kind(value: Any) -> str | None:
    """The kind of an action: its single key."""
    if isinstance(value, dict):
        return next(iter(value)) if len(value) == 1 else None
    return value.kind if isinstance(value, DomainAction) else None

Action = Annotated[
    Union[tuple(Annotated[cls, Tag(kind)] for kind, cls in ACTION_KINDS.items())],  # type: ignore[valid-type] # noqa: UP007
    Discriminator(action_kind),
]
SelectSpec.model_rebuild()
OfferSpec.model_rebuild()
_ReachingSpec.model_rebuild()
_AnswerSpec.model_rebuild()
CallSpec.model_rebuild()
ToolSpec.model_rebuild()
PythonSpec.model_rebuild()
