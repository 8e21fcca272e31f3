"""Cross-reference checks: every name a domain uses must be declared, every expression must compile.

Runs on a schema-valid domain (built-ins included) and reports problems with the
location of the offending value, so `dialogue validate` can show them all at once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from dialogue.domains.annotations import AnnotationError, parse_example
from dialogue.domains.builtin import ASK_INTENT, BUILTIN_INTENTS, BUILTIN_RESPONSES, NLU_FALLBACK
from dialogue.domains.documents import DocumentError, pattern_files
from dialogue.domains.errors import DomainError, Problem, did_you_mean
from dialogue.domains.expressions import (
    CONTEXT_NAMES,
    ExpressionError,
    Usage,
    condition_usage,
    is_literal,
    template_usage,
    value_usage,
)
from dialogue.domains.openapi import OpenApi
from dialogue.domains.schema import ConversationTest, Domain, FrameSlot, FrameTask, FsmTask, SubFrame, Table
from dialogue.domains.schema.actions import (
    Call,
    Goto,
    Offer,
    OfferSpec,
    ProposeTask,
    Python,
    Select,
    StartTask,
    Tool,
    ToolSpec,
    leaves,
)
from dialogue.domains.schema.domain import RESERVED_COLUMNS, SQL_NAME_LIMIT, sql_table_name
from dialogue.domains.schema.knowledge import PASSAGES_ANSWER
from dialogue.domains.schema.slots import CategorySlot, TextSlot
from dialogue.domains.slot_types import SlotValues
from dialogue.domains.source import Located, YamlPath
from dialogue.domains.structured import StructuredInputError, parse_structured
from dialogue.domains.values import InvalidValue, column_value, match_key

_USAGES = {"condition": condition_usage, "template": template_usage, "value": value_usage}
_SYNTAX_HINTS = {
    "condition": "conditions use Jinja2 expression syntax, e.g. slots.size > 2 and not user.vip",
    "template": "templates use Jinja2 syntax, e.g. {{ slots.party_size }}",
    "value": "write a literal, or a Jinja2 template such as '{{ slots.date }}'",
}
CONTROL_INTENTS = frozenset({"affirm", "deny", "cancel", "help"})
"""Built-in intents with a fixed meaning in every task; no task may be triggered by them."""


@dataclass(frozen=True)
class Scope:
    """Where a list of actions sits: inside which task, and whether in an input guard."""

    task: str | None = None
    input_guard: bool = False


ToolLister = Callable[[Domain, str], dict[str, dict[str, Any]]]
"""What `dialogue validate --online` asks an MCP server: its tools' input schemas by name (raises when it cannot
be reached)."""


class ReferenceChecker:
    def __init__(self, domain: Domain, located: Located, list_tools: ToolLister | None = None):
        self.domain = domain
        self.located = located
        self.problems: list[Problem] = []
        self.intents = {*domain.intents, *BUILTIN_INTENTS, *([ASK_INTENT] if domain.knowledge.faq else [])}
        self.responses = {*domain.responses, *BUILTIN_RESPONSES, *domain.knowledge.responses(),
                          *([PASSAGES_ANSWER] if domain.nlg.knowledge else [])}
        self.results = {spec.result for action in all_actions(domain) if isinstance(action, Select | Call | Tool)
                        if (spec := action.target).result}
        self.results |= {name for action in all_actions(domain) if isinstance(action, Python)
                         for name in action.python.results}
        self.offers = Counter(action.offer.result for action in all_actions(domain) if isinstance(action, Offer))
        self.slot_values = SlotValues(domain.slots)
        self._openapi: dict[str, OpenApi | None] = {}
        self._list_tools = list_tools
        self._tools: dict[str, dict[str, dict[str, Any]] | None] = {}

    def check(self) -> list[Problem]:
        self._slots_and_memory()
        self._intents()
        self._tasks()
        for i, guard in enumerate(self.domain.guards):
            self._condition(guard.when, ("guards", i, "when"))
            self.actions(guard.actions, ("guards", i, "actions"), Scope(input_guard=guard.stage == "input"))
        self._unique([g.name for g in self.domain.guards], ("guards",), "guard")
        self._responses()
        self._knowledge()
        self._ivr()
        self.actions(self.domain.on_start, ("on_start",), Scope())
        return self.problems

    # -- helpers ---------------------------------------------------------------------------

    def error(self, path: YamlPath, message: str, hint: str = "", *, severity: str = "error",
               key: bool = False) -> None:
        self.problems.append(self.located.problem(path, message, hint, severity=severity, key=key))

    def known(self, kind: str, name: str, known: Iterable[str], path: YamlPath, *, unknown: str = "") -> bool:
        known = list(known)
        if name in known:
            return True
        self.error(path, unknown or f"unknown {kind} '{name}'", did_you_mean(name, known))
        return False

    def column(self, table: str, column: str, columns: Iterable[str], path: YamlPath) -> bool:
        return self.known("column", column, columns, path, unknown=f"'{column}' is not a column of table '{table}'")

    def _unique(self, names: list[str], path: YamlPath, kind: str) -> None:
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                self.error(path + (i,), f"duplicate {kind} name '{name}'", f"give each {kind} its own name")
            seen.add(name)

    def _usage(self, usage: Usage, path: YamlPath, what: str) -> None:
        for name in sorted(usage.names - CONTEXT_NAMES):
            self.error(path, f"unknown name '{name}' in {what}", did_you_mean(name, CONTEXT_NAMES))
        tables = {"slots": self.domain.slots, "entities": self.domain.slots, "user": self.domain.memory.variables,
                  "results": self.results}
        labels = {"slots": "slot", "entities": "slot", "user": "user variable", "results": "result"}
        for root, member in sorted(usage.members):
            if root in tables and member not in tables[root]:
                self.error(path, f"unknown {labels[root]} '{member}' in {what} ({root}.{member})",
                            did_you_mean(member, tables[root]))

    def _condition(self, source: str | None, path: YamlPath) -> None:
        self._source(source, path, "condition")

    def template(self, source: str | None, path: YamlPath) -> None:
        self._source(source, path, "template")

    def openapi(self, service: str) -> OpenApi | None:
        """The service's OpenAPI document (a file next to the domain), if it declares one that can be read."""
        if service not in self._openapi:
            spec = self.domain.services.get(service)
            self._openapi[service] = None
            if spec is not None and spec.openapi is not None:
                document = Path(self.located.file).parent / spec.openapi
                if not document.is_file():
                    self.error(("services", service, "openapi"), f"no OpenAPI document at {document}",
                               "the path is relative to the domain file")
                    return None
                try:
                    self._openapi[service] = OpenApi.load(document)
                except DomainError as err:
                    self.problems += err.problems
                except ValueError as err:
                    self.error(("services", service, "openapi"), str(err), "point openapi: at an OpenAPI 3 file")
        return self._openapi[service]

    def tool(self, spec: ToolSpec, path: YamlPath) -> None:
        """Online only: the tool must be one its server lists, and the call's arguments must fit the tool's input
        schema (literal values are checked against it, templates only by name)."""
        if self._list_tools is None:
            return
        if spec.server not in self._tools:
            try:
                self._tools[spec.server] = self._list_tools(self.domain, spec.server)
            except Exception as err:  # noqa: BLE001 - whatever keeps the server from answering is the problem
                self._tools[spec.server] = None
                self.error(("mcp_servers", spec.server), f"cannot list the tools of MCP server '{spec.server}': "
                           f"{type(err).__name__}: {str(err)[:300]}", "start the server, or check without --online")
        tools = self._tools[spec.server]
        if tools is None or not self.known(f"tool of MCP server '{spec.server}'", spec.name, tools, path + ("name",)):
            return
        schema = tools[spec.name]
        properties = schema.get("properties", {})
        missing = [name for name in schema.get("required", []) if name not in spec.arguments]
        if missing:
            self.error(path + ("arguments",) if spec.arguments else path,
                       f"tool '{spec.name}' needs argument(s) {', '.join(missing)}",
                       f"its arguments: {', '.join(properties) or 'none'}")
        for name, value in spec.arguments.items():
            where = path + ("arguments", name)
            if name not in properties:
                self.error(where, f"tool '{spec.name}' takes no argument '{name}'",
                           did_you_mean(name, properties) or f"its arguments: {', '.join(properties) or 'none'}",
                           key=True)
            elif all(is_literal(leaf) for _, leaf in leaves(value)):
                error = jsonschema.exceptions.best_match(
                    jsonschema.validators.validator_for(schema)(properties[name]).iter_errors(value))
                if error is not None:
                    self.error(where, f"tool '{spec.name}' cannot take this {name}: {error.message[:200]}",
                               f"its input schema: {json.dumps(properties[name])[:200]}")

    def json_schema(self, schema: dict[str, Any] | None, path: YamlPath) -> None:
        """A JSON Schema the domain declares must be one."""
        if schema is None:
            return
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as err:
            where = path + tuple(err.path)
            self.error(where, f"not a valid JSON Schema: {err.message}",
                       "e.g. {type: object, required: [balance], properties: {balance: {type: number}}}")

    def value(self, value: Any, path: YamlPath) -> None:
        self._source(value, path, "value")

    def _source(self, source: Any, path: YamlPath, what: str) -> None:
        """Compile a condition, template or value and check the names it reads."""
        if source is None:
            return
        try:
            self._usage(_USAGES[what](source), path, what)
        except ExpressionError as err:
            self.error(path, str(err), _SYNTAX_HINTS[what])

    def response(self, name: str | None, path: YamlPath) -> None:
        if name is not None:
            self.known("response", name, self.responses, path)

    def _structured(self, payload: str, path: YamlPath) -> None:
        """Check `/intent{json}` or a bare intent name."""
        try:
            name, entities = parse_structured(payload)
        except StructuredInputError as err:
            self.error(path, str(err), 'write /intent or /intent{"slot": value}')
            return
        self.known("intent", name, self.intents | {NLU_FALLBACK}, path)
        for slot in entities:
            self.known("slot", slot, self.domain.slots, path)

    # -- parts of the domain ---------------------------------------------------------------

    def _slots_and_memory(self) -> None:
        for group, specs in (("slots", self.domain.slots), ("variables", self.domain.memory.variables)):
            values = SlotValues(specs)
            base: YamlPath = ("slots",) if group == "slots" else ("memory", "variables")
            for name, spec in specs.items():
                if spec.default is not None:
                    try:
                        values.coerce(name, spec.default)
                    except InvalidValue as err:
                        self.error(base + (name, "default"), f"default of '{name}' is not valid: {err}")
                if isinstance(spec, CategorySlot):
                    self._category_words(spec, base + (name, "values"))
                if isinstance(spec, TextSlot) and spec.lookup and group == "variables":
                    self.error(base + (name, "lookup"), "a user variable looks nothing up",
                               "the NLU fills slots: put `lookup` on a slot")
                for i, source in enumerate(spec.lookup if isinstance(spec, TextSlot) and group == "slots" else []):
                    self._lookup(source, base + (name, "lookup", i))
        for table_name, table in self.domain.memory.tables.items():
            path: YamlPath = ("memory", "tables", table_name)
            self._table_name(table_name, path)
            if "id" in table.columns:
                self.error(path + ("columns", "id"), "column 'id' is added to every table automatically",
                            "remove it, or rename it (e.g. booking_ref)")
            for column in table.columns:
                if column != "id" and column in RESERVED_COLUMNS:
                    self.error(path + ("columns", column), f"column name '{column}' is reserved by the database "
                                "(SQLite's rowid or a PostgreSQL system column)", "rename the column")
                elif len(column) > SQL_NAME_LIMIT:
                    self.error(path + ("columns", column), f"column name '{column[:20]}...' is longer than "
                                f"{SQL_NAME_LIMIT} characters, which PostgreSQL cuts", "shorten it")
            for i, row in enumerate(table.seed):
                self._seed_row(table_name, table, row, path + ("seed", i))

    def _category_words(self, spec: CategorySlot, path: YamlPath) -> None:
        """Each word (a value or a synonym, compared as input matching compares them) stands for one value."""
        first: dict[str, tuple[str, str]] = {}
        for i, (canonical, synonyms) in enumerate(spec.values.items()):
            vpath = path + (canonical,) if path + (canonical,) in self.located.keys else path + (i,)
            for j, word in enumerate((canonical, *synonyms)):
                earlier, owner = first.setdefault(match_key(word), (word, canonical))
                if owner == canonical:
                    continue
                if word != canonical and earlier != owner:
                    message = f"'{word}' is a synonym of both '{owner}' and '{canonical}'"
                else:
                    message = f"{_word(word, canonical)} is the same word as {_word(earlier, owner)}"
                self.error(vpath + (j - 1,) if j else vpath, message, f"input matching ignores case, width and "
                            f"accents, so it always means '{owner}'; list it under one value only, or under "
                            f"`ambiguous:` if it may mean either", key=not j)
        self._ambiguous_words(spec, path[:-1] + ("ambiguous",), first)

    def _ambiguous_words(self, spec: CategorySlot, path: YamlPath, words: dict[str, tuple[str, str]]) -> None:
        """Each ambiguous word is no value or synonym, and names at least two of the category's values."""
        for word, choices in spec.ambiguous.items():
            if match_key(word) in words:
                earlier, owner = words[match_key(word)]
                self.error(path + (word,), f"ambiguous word '{word}' is the same word as {_word(earlier, owner)}",
                           "a word either means one value or could mean several: keep one of the two", key=True)
            for i, choice in enumerate(choices):
                self.known("value", choice, spec.values, path + (word, i))
            if len(set(choices)) < 2:
                self.error(path + (word,), f"ambiguous word '{word}' names {len(set(choices))} value(s), not "
                           "several", "list two values or more, or make it a synonym of its one value", key=True)

    def _lookup(self, source: str, path: YamlPath) -> None:
        """A `lookup` entry: a text column of one of the domain's tables, or a field of a result's rows."""
        name, _, column = source.partition(".")
        if name == "results":
            self.known("result", column.partition(".")[0], self.results, path)
            return
        table = self.domain.memory.tables.get(name)
        if table is None:
            self.known("table", name, self.domain.memory.tables, path)
        elif self.column(name, column, table.columns, path) and table.columns[column].type != "text":
            self.error(path, f"column '{column}' of table '{name}' holds {table.columns[column].type} values",
                       "look up a text column")

    def _seed_row(self, table_name: str, table: Table, row: dict[str, Any], path: YamlPath) -> None:
        """Seed values must fit their columns' types, and not-nullable columns need one."""
        for column, value in row.items():
            if not self.column(table_name, column, table.columns, path + (column,)):
                continue
            spec = table.columns[column]
            try:
                column_value(spec.type, value)
            except InvalidValue as err:
                self.error(path + (column,), f"seed value for '{column}' ({spec.type}) is not valid: {err}",
                            f"column '{column}' of table '{table_name}' holds {spec.type} values")
        for column, spec in table.columns.items():
            if not spec.nullable and row.get(column) is None:
                self.error(path + (column,), f"seed row has no value for column '{column}', which is not nullable",
                            f"give every seed row a {spec.type} '{column}', or make the column nullable")

    def _table_name(self, table: str, path: YamlPath) -> None:
        """A table is `<domain>__<table>` in SQL: that name must be unambiguous, and legal in SQLite and PostgreSQL."""
        sql_name = sql_table_name(self.domain.name, table)
        if "__" in table:
            self.error(path, f"table name '{table}' contains '__', which could clash with another domain's "
                        f"table (tables are named <domain>__<table> in SQL)", "use single underscores")
        elif len(sql_name) > SQL_NAME_LIMIT:
            self.error(path, f"table '{table}' is '{sql_name}' in SQL, longer than the {SQL_NAME_LIMIT} characters "
                        "PostgreSQL keeps (two long names could become one table)", "shorten the table or domain name")
        if self.domain.name.startswith("sqlite_"):
            self.error(path, f"table '{table}' would be '{sql_name}' in SQL, and SQLite reserves names starting "
                        "with sqlite_", "rename the domain")

    def _intents(self) -> None:
        for name, intent in self.domain.intents.items():
            if not intent.examples and name not in BUILTIN_INTENTS:
                self.error(("intents", name), f"intent '{name}' has no examples, so free text cannot reach it",
                            "add examples, or use it only from buttons and DTMF", severity="warning")
            base: YamlPath = ("intents", name)
            if intent.means and name in ("affirm", "deny"):
                self.error(base + ("means",), f"'{name}' is the built-in {'yes' if name == 'affirm' else 'no'}",
                            "give `means:` to an intent of your own")
            if base + ("examples",) in self.located.values:
                base += ("examples",)
            for i, example in enumerate(intent.examples):
                self._example(example, base + (i,))

    def _example(self, example: str, path: YamlPath) -> None:
        for message, hint in example_problems(self.domain, example):
            self.error(path, message, hint)

    def _tasks(self) -> None:
        owner: dict[str, str] = {}
        undoer: dict[str, str] = {}
        for name, task in self.domain.tasks.items():
            path: YamlPath = ("tasks", name)
            for i, trigger in enumerate(task.triggers):
                tpath = path + ("triggers", i)
                if not self.known("intent", trigger, self.intents, tpath):
                    continue
                if trigger in CONTROL_INTENTS:
                    self.error(tpath, f"built-in intent '{trigger}' cannot trigger a task",
                                "it already means the same thing in every task; declare an intent of your own")
                elif trigger in owner:
                    self.error(tpath, f"intent '{trigger}' already triggers task '{owner[trigger]}'",
                                "an intent triggers at most one task")
                owner.setdefault(trigger, name)
            self.response(task.resume, path + ("resume",))
            for i, slot in enumerate(task.persisted_slots):
                self.known("slot", slot, self.domain.slots, path + ("persisted_slots", i))
            for i, undone in enumerate(task.undoes):
                upath = path + ("undoes", i)
                if not self.known("task", undone, self.domain.tasks, upath):
                    continue
                if undone == name:
                    self.error(upath, f"task '{name}' cannot undo itself", "name the task whose result it undoes")
                elif undone in undoer:
                    self.error(upath, f"task '{undone}' is already undone by task '{undoer[undone]}'",
                                "a `cancel` after a task starts at most one task")
                undoer.setdefault(undone, name)
            scope = Scope(task=name)
            self.actions(task.on_complete, path + ("on_complete",), scope)
            self.actions(task.on_cancel or [], path + ("on_cancel",), scope)
            if isinstance(task, FrameTask):
                self.response(task.confirm, path + ("confirm",))
                for digits, payload in task.dtmf.items():
                    self._structured(payload, path + ("dtmf", digits))
                self.actions(task.on_exhausted or [], path + ("on_exhausted",), scope)
                self._frame(task.slots, path + ("slots",), scope, set())
            else:
                self._fsm(task, path, scope)

    def _frame(self, entries: list[Any], path: YamlPath, scope: Scope, seen: set[str]) -> None:
        for i, entry in enumerate(entries):
            epath = path + (i,)
            self._condition(entry.when, epath + ("when",))
            if isinstance(entry, SubFrame):
                self._frame(entry.slots, epath + ("slots",), scope, seen)
                self.actions(entry.on_complete, epath + ("on_complete",), scope)
                continue
            self._frame_slot(entry, epath, scope, seen)

    def _frame_slot(self, entry: FrameSlot, path: YamlPath, scope: Scope, seen: set[str]) -> None:
        if not self.known("slot", entry.slot, self.domain.slots, path + ("slot",)):
            return
        if entry.slot in seen:
            self.error(path + ("slot",), f"slot '{entry.slot}' is asked twice in task '{scope.task}'")
        seen.add(entry.slot)
        prompt = entry.prompt or f"ask_{entry.slot}"
        if self.domain.asks(entry) and prompt not in self.responses:
            self.error(path + ("prompt",) if entry.prompt else path + ("slot",),
                        f"no response '{prompt}' to ask for slot '{entry.slot}'",
                        f"declare response '{prompt}' or set `prompt:` to an existing response")
        self._condition(entry.validate_, path + ("validate",))
        self.response(entry.invalid, path + ("invalid",))
        self.response(entry.help, path + ("help",))
        self.value(entry.offer, path + ("offer",))
        self.value(entry.default, path + ("default",))
        self.actions(entry.on_exhausted or [], path + ("on_exhausted",), scope)
        self.actions(entry.check, path + ("check",), scope)
        self._condition(entry.accept, path + ("accept",))
        self.actions(entry.on_refused, path + ("on_refused",), scope)
        if entry.default is not None and is_literal(entry.default):
            try:
                self.slot_values.coerce(entry.slot, entry.default)
            except InvalidValue as err:
                self.error(path + ("default",), f"default of '{entry.slot}' is not valid: {err}")
        if isinstance(entry.dtmf, dict):
            for digits, value in entry.dtmf.items():
                try:
                    self.slot_values.coerce(entry.slot, value)
                except InvalidValue as err:
                    self.error(path + ("dtmf", digits), f"DTMF value for '{entry.slot}' is not valid: {err}")

    def _fsm(self, task: FsmTask, path: YamlPath, scope: Scope) -> None:
        for state_name, state in task.states.items():
            spath = path + ("states", state_name)
            self.response(state.prompt, spath + ("prompt",))
            self.response(state.help, spath + ("help",))
            self.actions(state.on_enter, spath + ("on_enter",), scope)
            for i, transition in enumerate(state.transitions):
                tpath = spath + ("transitions", i)
                if transition.intent is not None:
                    self.known("intent", transition.intent, self.intents, tpath + ("intent",))
                self.known("state", transition.to, task.states, tpath + ("to",))
                self._condition(transition.when, tpath + ("when",))
                self.actions(transition.actions, tpath + ("actions",), scope)
                if any(isinstance(action, Goto) for action in transition.actions):
                    self.error(tpath + ("actions",), "goto in a transition's actions",
                                "the transition's `to` says where it goes")
            for digits, payload in state.dtmf.items():
                self._structured(payload, spath + ("dtmf", digits))
            for kind in ("no_input", "no_match"):
                for level_index, level in enumerate(getattr(state, kind) or []):
                    self.actions(level, spath + (kind, level_index), scope)
        for state_name in sorted(set(task.states) - _reachable(task)):
            self.error(path + ("states", state_name), f"state '{state_name}' cannot be reached from '{task.initial}'",
                        "add a transition or goto that leads here, or remove the state")

    def _responses(self) -> None:
        for name, variations in self.domain.responses.items():
            for i, variation in enumerate(variations):
                vpath: YamlPath = ("responses", name, i)
                if (vpath not in self.located.values) and i == 0:
                    vpath = ("responses", name)
                self.template(variation.text, vpath + ("text",))
                self.template(variation.voice, vpath + ("voice",))
                self._condition(variation.when, vpath + ("when",))
                for j, suggestion in enumerate(variation.suggestions):
                    if suggestion.payload and suggestion.payload.startswith("/"):
                        self._structured(suggestion.payload, vpath + ("suggestions", j, "payload"))

    def _knowledge(self) -> None:
        knowledge = self.domain.knowledge
        for i, entry in enumerate(knowledge.faq):
            path: YamlPath = ("knowledge", "faq", i)
            self._condition(entry.when, path + ("when",))
            for j, variation in enumerate(entry.answer):
                vpath = path + ("answer", j) if path + ("answer", j) in self.located.values else path + ("answer",)
                self.template(variation.text, vpath + ("text",))
                self.template(variation.voice, vpath + ("voice",))
                self._condition(variation.when, vpath + ("when",))
        if self.domain.nlg.knowledge and not knowledge.documents:
            self.error(("nlg", "knowledge"), "nlg.knowledge is on, but the knowledge has no documents for the LLM to "
                       "answer from", "add `knowledge: {documents: [...]}`, or switch it off", severity="warning")
        for i, pattern in enumerate(knowledge.documents):
            try:
                pattern_files(pattern, self.domain.folder)
            except DocumentError as err:
                self.error(("knowledge", "documents", i), f"knowledge document {err}",
                           "give a path or glob pattern relative to the domain's file")

    def _ivr(self) -> None:
        for digits, payload in self.domain.ivr.dtmf.items():
            self._structured(payload, ("ivr", "dtmf", digits))
        for kind in ("no_input", "no_match"):
            for i, level in enumerate(getattr(self.domain.ivr, kind)):
                self.actions(level, ("ivr", kind, i), Scope())

    def actions(self, actions: list[Any], path: YamlPath, scope: Scope) -> None:
        """Check each action (`DomainAction.check`), nested ones included."""
        for i, action in enumerate(actions):
            action.check(self, path + (i, action.kind), scope)


def check_tests(domain: Domain, tests: list[ConversationTest], located: Located, base: YamlPath,
                names: dict[str, tuple[str, int]] | None = None) -> list[Problem]:
    """Names in conversation tests must exist in the domain, test names must be unique and clocks valid.

    `names` holds the tests already seen (name -> file and line), to find duplicates across files.
    """
    checker = ReferenceChecker(domain, located)
    states = {s for t in domain.tasks.values() if isinstance(t, FsmTask) for s in t.states}
    names = {} if names is None else names
    for i, test in enumerate(tests):
        tpath = base + (i,)
        if test.name in names:
            file, line = names[test.name]
            where = f"line {line}" if file == located.file else f"{file}:{line}"
            checker.error(tpath + ("name",), f"duplicate test name '{test.name}' (the first is at {where})",
                           "give each test its own name, so reports tell them apart")
        names.setdefault(test.name, (located.file, located.position(tpath + ("name",))[0]))
        if test.now is not None:
            try:
                dt.datetime.fromisoformat(test.now)
            except ValueError:
                checker.error(tpath + ("now",), f"now '{test.now}' is not an ISO date-time",
                               "write an ISO date-time such as 2026-11-25T10:00")
        for name in test.variables:
            checker.known("user variable", name, domain.memory.variables, tpath + ("variables", name))
        for name in test.fixtures:
            checker.known("service or MCP server", name, [*domain.services, *domain.mcp_servers],
                          tpath + ("fixtures", name))
        for j, step in enumerate(test.steps):
            spath = tpath + ("steps", j)
            if step.user is not None and step.user.startswith("/"):
                checker._structured(step.user, spath + ("user",))
            for k, name in enumerate(step.bot or []):
                checker.response(name, spath + ("bot", k))
            for key, known, kind in (("slots", domain.slots, "slot"), ("entities", domain.slots, "slot"),
                                     ("variables", domain.memory.variables, "user variable"),
                                     ("rows", domain.memory.tables, "table")):
                for name in getattr(step, key) or {}:
                    checker.known(kind, name, known, spath + (key, name))
            if step.intent is not None:
                checker.known("intent", step.intent, {*checker.intents, NLU_FALLBACK}, spath + ("intent",))
            for name in ([step.task] if step.task else []) + (step.stack or []):
                checker.known("task", name, domain.tasks, spath)
            if step.state is not None:
                checker.known("state", step.state, states, spath + ("state",))
    return checker.problems


def _category_keys(spec: CategorySlot) -> set[str]:
    return {match_key(word) for canonical, synonyms in spec.values.items() for word in (canonical, *synonyms)} \
        | {match_key(word) for word in spec.ambiguous}


def _word(word: str, canonical: str) -> str:
    return f"value '{word}'" if word == canonical else f"synonym '{word}' of '{canonical}'"


def _reachable(task: FsmTask) -> set[str]:
    seen, queue = {task.initial}, deque([task.initial])
    while queue:
        state = task.states[queue.popleft()]
        targets = [t.to for t in state.transitions]
        targets += [a.goto for a in _nested_actions(state.on_enter) if isinstance(a, Goto)]
        for target in targets:
            if target in task.states and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _nested_actions(actions: list[Any]) -> Iterable[Any]:
    for action in actions:
        yield action
        yield from _nested_actions(action.nested())


def all_actions(domain: Domain) -> Iterable[Any]:
    """Every action in the domain, wherever it is declared."""
    for actions in [domain.on_start, *(g.actions for g in domain.guards), *domain.ivr.no_input, *domain.ivr.no_match]:
        yield from _nested_actions(actions)
    for task in domain.tasks.values():
        yield from task_actions(task)


def task_actions(task: FrameTask | FsmTask) -> Iterable[Any]:
    """Every action a task declares."""
    lists: list[list[Any]] = [task.on_complete, task.on_cancel or []]
    if isinstance(task, FrameTask):
        lists.append(task.on_exhausted or [])
        lists += _frame_action_lists(task.slots)
    else:
        for state in task.states.values():
            lists += [state.on_enter, *(t.actions for t in state.transitions),
                      *(state.no_input or []), *(state.no_match or [])]
    for actions in lists:
        yield from _nested_actions(actions)


def next_tasks(offer: OfferSpec) -> set[str]:
    """The tasks taking one of an offer's rows starts or proposes (its `on_select`)."""
    return {step.propose_task.task if isinstance(step, ProposeTask) else step.start_task
            for step in offer.on_select if isinstance(step, ProposeTask | StartTask)}


def offer_specs(domain: Domain) -> dict[str, OfferSpec]:
    """The domain's `offer:` actions, by the result they offer."""
    return {action.offer.result: action.offer for action in all_actions(domain) if isinstance(action, Offer)}


def offers_lead_to(domain: Domain) -> dict[str, set[str]]:
    """The tasks each task's offers lead to: what its search is for."""
    specs = offer_specs(domain)
    return {name: {led for action in task_actions(task) if isinstance(action, Offer)
                   for led in next_tasks(specs[action.offer.result])}
            for name, task in domain.tasks.items()}


def _frame_action_lists(entries: list[Any]) -> list[list[Any]]:
    lists: list[list[Any]] = []
    for entry in entries:
        if isinstance(entry, SubFrame):
            lists.append(entry.on_complete)
            lists += _frame_action_lists(entry.slots)
        else:
            lists += [entry.on_exhausted or [], entry.check, entry.on_refused]
    return lists


def example_problems(domain: Domain, example: str) -> list[tuple[str, str]]:
    """What is wrong with an intent's example in the domain, as (message, hint) pairs: its markup, and each value
    marked for a slot the domain lacks or that the slot cannot take as written."""
    try:
        parsed = parse_example(example)
    except AnnotationError as err:
        return [(str(err), "")]
    problems = []
    for span in parsed.spans:
        spec = domain.slots.get(span.slot)
        if spec is None:
            problems.append((f"unknown slot '{span.slot}'", did_you_mean(span.slot, list(domain.slots))))
        elif not isinstance(spec, CategorySlot):
            if span.value is not None:
                problems.append((f"'{span.slot}' is not a category slot, so '[{span.text}]({span.slot}:{span.value})' "
                                 "cannot name a canonical value", "drop the ':value' part"))
        elif span.value is not None and span.value not in spec.values:
            problems.append((f"'{span.value}' is not a value of category '{span.slot}'",
                             did_you_mean(span.value, spec.values)))
        elif match_key(span.text) not in _category_keys(spec):
            problems.append((f"'{span.text}' is neither a value nor a synonym of category '{span.slot}'",
                             f"add it as a synonym, or write [{span.text}]({span.slot}:<value>)"))
    return problems
