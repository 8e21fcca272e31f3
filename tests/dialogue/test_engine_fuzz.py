"""Fuzzing the engine: any sequence of turns gets a reply or a clear InputError, never anything else."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.turns import InputError, UserInput

DOMAINS = {name: load_domain(name) for name in ("restaurant", "banking", "telco_ivr")}
values = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                   st.text(max_size=40), st.lists(st.integers(), max_size=3),
                   st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
                   st.sampled_from(["2026-11-27", "19:30", "+44 20 7946 0000", "a@b.co", "K7Q2XF", "szechuan",
                                    "savings", "mum", "200", "-5", "1e400"]))


@st.composite
def turns(draw: Any, name: str) -> list[UserInput]:
    domain = DOMAINS[name]
    intents = sorted(domain.intents) + ["nlu_fallback"]
    slots = sorted(domain.slots)
    kinds = st.sampled_from(["intent", "intent", "intent", "dtmf", "no_input", "start", "end", "empty"])
    result = []
    for kind in draw(st.lists(kinds, min_size=1, max_size=12)):
        if kind == "intent":
            entities = draw(st.dictionaries(st.sampled_from(slots), values, max_size=3)) if slots else {}
            result.append(UserInput(intent=draw(st.sampled_from(intents)), entities=entities))
        elif kind == "dtmf":
            result.append(UserInput(event="dtmf", digits=draw(st.from_regex(r"[0-9*#]{1,6}", fullmatch=True))))
        elif kind == "empty":
            result.append(UserInput(text=draw(st.sampled_from(["", "   "]))))
        else:
            result.append(UserInput(event=kind))
    return result


def run(name: str, script: list[UserInput], channel: str) -> None:
    engine = Engine(DOMAINS[name])
    for user_input in script:
        try:
            result = engine.handle("fuzz", user_input, user_id="tester", channel=channel)
        except InputError as err:
            assert err.field and str(err)
            continue
        assert result.turn >= 1
        assert all(isinstance(message.text, str) for message in result.messages)
        assert not [w for w in result.warnings if "stopped after" in w], result.warnings


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(turns("restaurant"), st.sampled_from(["text", "voice"]))
def test_restaurant(script: list[UserInput], channel: str) -> None:
    run("restaurant", script, channel)


@FUZZ
@given(turns("banking"), st.sampled_from(["text", "voice"]))
def test_banking(script: list[UserInput], channel: str) -> None:
    run("banking", script, channel)


@FUZZ
@given(turns("telco_ivr"), st.sampled_from(["text", "voice"]))
def test_telco_ivr(script: list[UserInput], channel: str) -> None:
    run("telco_ivr", script, channel)
