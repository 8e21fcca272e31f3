"""The one expression language of domain files: Jinja2's sandboxed environment.

Conditions are Jinja2 expressions (`slots.party_size > 8 and not user.vip`), responses
are Jinja2 templates, and action values are literals or templates. A value that is
exactly one `{{ expression }}` keeps the expression's type. Everything is compiled once
(the compiled forms are cached by source) and runs in the sandbox: user text is data,
never code. Compiled forms are called with one context dict, shared with Jinja2 rather
than copied, which makes an evaluation about three times cheaper.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, nodes, pass_context
from jinja2.meta import find_undeclared_variables
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment

CONTEXT_NAMES = frozenset({
    "slots", "user", "intent", "entities", "text", "event", "task", "state", "stack", "turn", "channel",
    "now", "today", "results", "session", "value", "offer", "slot", "actions", "capabilities", "options",
    "offered", "choices",
})
"""Names a condition or template may read. Their meaning is in docs/domain-format.md."""


class ExpressionError(ValueError):
    """An expression or template that does not compile; the message says why."""


@pass_context
def _new_reference(context: Any, length: int = 6) -> str:
    """A short booking-style reference, stable for a session and turn."""
    session = context.get("session") or {}
    seed = f"{session.get('id', '')}:{context.get('turn', 0)}".encode()
    digest = hashlib.sha256(seed).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def _date(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(text) if isinstance(text, str) else text


def _time(text: Any) -> dt.time | None:
    return dt.time.fromisoformat(text) if isinstance(text, str) else text


def _finalize(value: Any) -> Any:
    return "" if value is None else value


_MISSING: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("missing", default=None)


class _ReportedUndefined(ChainableUndefined):
    """A missing name renders as empty text, as before, and is reported inside `missing_names()`."""

    __slots__ = ()

    def __str__(self) -> str:
        missing = _MISSING.get()
        if missing is not None:
            missing.append(self._undefined_message)
        return ""


@contextmanager
def missing_names() -> Iterator[list[str]]:
    """Collect what templates rendered in the block found undefined (Jinja2's explanation of each)."""
    token = _MISSING.set([])
    try:
        yield _MISSING.get()  # type: ignore[misc]
    finally:
        _MISSING.reset(token)


ENVIRONMENT = ImmutableSandboxedEnvironment(undefined=_ReportedUndefined, finalize=_finalize, autoescape=False)
ENVIRONMENT.globals.update(new_reference=_new_reference, date=_date, time=_time)
GLOBALS = dict(ENVIRONMENT.globals)
FUNCTIONS = frozenset(GLOBALS)
MARKUP = ENVIRONMENT.overlay(autoescape=True)
"""For SSML: the values a template fills in are escaped (`&`, `<`...), its own markup is kept."""
URL_PATH = ENVIRONMENT.overlay(finalize=lambda value: quote(str(_finalize(value)), safe=""))
"""For a service call's path: each value filled in is one path segment (`/` and `?` in it are escaped)."""


def evaluation_context(**names: Any) -> dict[str, Any]:
    """A context for compiled expressions and templates: the functions plus `names`."""
    return {**GLOBALS, **names}


class Expression:
    """A compiled expression. Call it with a context from `evaluation_context` (or one holding GLOBALS)."""

    __slots__ = ("_template",)

    def __init__(self, template: Any):
        self._template = template

    def __call__(self, context: dict[str, Any]) -> Any:
        run = self._template.new_context(context, shared=True)  # shared: no copy of the context per call
        for _ in self._template.root_render_func(run):
            pass
        result = run.vars["result"]
        return None if isinstance(result, Undefined) else result


class Text:
    """A compiled template. Call it with a context to get the text."""

    __slots__ = ("_template",)

    def __init__(self, template: Any):
        self._template = template

    def __call__(self, context: dict[str, Any]) -> str:
        return ENVIRONMENT.concat(self._template.root_render_func(self._template.new_context(context, shared=True)))

_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.DOTALL)


@dataclass(frozen=True)
class Usage:
    """What a piece of source reads: top-level names and `root.member` pairs."""

    names: frozenset[str] = frozenset()
    members: frozenset[tuple[str, str]] = frozenset()


@cache
def compile_condition(source: str) -> Expression:
    """The compiled expression (a condition, or the value of `{{ expression }}`)."""
    try:
        return Expression(ENVIRONMENT.compile_expression(source)._template)
    except TemplateSyntaxError as err:
        raise ExpressionError(f"expression does not compile: {err.message}") from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExpressionError("expression is too deeply nested or too large to compile") from None


@cache
def compile_template(source: str) -> Text:
    """The compiled template."""
    return _compiled(ENVIRONMENT, source)


@cache
def compile_markup(source: str) -> Text:
    """The compiled template of markup (SSML): the values it fills in are escaped."""
    return _compiled(MARKUP, source)


@cache
def compile_path(source: str) -> Text:
    """The compiled template of a URL path: the values it fills in are percent-encoded."""
    return _compiled(URL_PATH, source)


def _compiled(environment: Any, source: str) -> Text:
    try:
        return Text(environment.from_string(source))
    except TemplateSyntaxError as err:
        raise ExpressionError(f"template does not compile (line {err.lineno}): {err.message}") from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExpressionError("template is too deeply nested or too large to compile") from None


def compile_value(value: Any) -> Callable[[dict], Any]:
    """A value of an action: a literal, a typed `{{ expression }}`, or a text template."""
    return (lambda context: value) if is_literal(value) else _compile_text(value)


def is_literal(value: Any) -> bool:
    """Whether a value of an action is the value itself, not a template."""
    return not isinstance(value, str) or ("{{" not in value and "{%" not in value)


@cache
def _compile_text(value: str) -> Callable[[dict], Any]:
    single = _SINGLE_EXPRESSION.match(value)
    return compile_condition(single["expr"]) if single else compile_template(value)


@cache
def condition_usage(source: str) -> Usage:
    """What a condition reads (kept per source: checking a domain asks it of the same sources again and again)."""
    compile_condition(source)
    return _usage(Parser(ENVIRONMENT, source, state="variable").parse_expression(), None)


@cache
def template_usage(source: str) -> Usage:
    """What a template reads (kept per source, as `condition_usage`: finding its names compiles it once more)."""
    compile_template(source)
    tree = ENVIRONMENT.parse(source)
    return _usage(tree, find_undeclared_variables(tree))


def value_usage(value: Any) -> Usage:
    """What an action value reads (nothing, for a literal)."""
    if is_literal(value):
        return Usage()
    single = _SINGLE_EXPRESSION.match(value)
    return condition_usage(single["expr"]) if single else template_usage(value)


def _usage(tree: nodes.Node, undeclared: set[str] | None) -> Usage:
    if undeclared is None:
        undeclared = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}
    members = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        root = node.node
        if isinstance(root, nodes.Name) and root.name in undeclared:
            member = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
            if isinstance(member, str):
                members.add((root.name, member))
    return Usage(frozenset(undeclared - FUNCTIONS), frozenset(members))
