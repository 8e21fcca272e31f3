from __future__ import annotations

import pytest

from dialogue.domains.expressions import (
    ExpressionError,
    compile_condition,
    compile_template,
    compile_value,
    condition_usage,
    evaluation_context,
    template_usage,
)


def test_condition() -> None:
    condition = compile_condition("slots.n > 8 and not user.vip")
    assert condition(evaluation_context(slots={"n": 9}, user={"vip": False})) is True
    assert condition(evaluation_context(slots={"n": 2}, user={"vip": False})) is False
    assert compile_condition("date('2026-05-04').weekday()")(evaluation_context()) == 0


def test_typed_value_keeps_its_type() -> None:
    assert compile_value("{{ slots.n + 1 }}")({"slots": {"n": 2}}) == 3
    assert compile_value("{{ slots.n }} people")({"slots": {"n": 2}}) == "2 people"
    assert compile_value(7)({}) == 7
    assert compile_value("plain")({}) == "plain"


def test_text_that_looks_like_a_literal_stays_text() -> None:
    assert compile_value("{{ slots.code }}")({"slots": {"code": "0123"}}) == "0123"


def test_usage() -> None:
    usage = condition_usage("slots.a > 1 and user['b'] and results.c[0].d and foo")
    assert usage.names == {"slots", "user", "results", "foo"}
    assert usage.members == {("slots", "a"), ("user", "b"), ("results", "c")}


def test_template_locals_are_not_undeclared() -> None:
    usage = template_usage("{% for row in results.r %}{{ row.x }}{% endfor %}{% set y = 1 %}{{ y }}")
    assert usage.names == {"results"}


@pytest.mark.parametrize("source", ["slots.a >", "a b", "x | nosuchfilter", "(" * 500 + "1" + ")" * 500])
def test_bad_conditions(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_condition(source)


def test_template_renders_and_leaves_the_context_alone() -> None:
    context = evaluation_context(slots={"n": 2})
    assert compile_template("{% set n = 5 %}{{ n }} and {{ slots.n }}{{ none }}")(context) == "5 and 2"
    assert "n" not in context


def test_bad_template() -> None:
    with pytest.raises(ExpressionError, match="line 1"):
        compile_template("{% if %}")


def test_sandbox_hides_private_attributes() -> None:
    assert compile_condition("slots.__class__.__mro__")({"slots": {"a": 1}}) is None


@pytest.mark.parametrize("attack", ["().__class__.__bases__[0].__subclasses__()", "slots.update({'x': 1})"])
def test_sandbox_refuses_unsafe_calls(attack: str) -> None:
    slots = {"a": 1}
    with pytest.raises(Exception) as caught:
        compile_condition(attack)({"slots": slots})
    assert type(caught.value).__name__ in ("SecurityError", "UndefinedError")
    assert slots == {"a": 1}
