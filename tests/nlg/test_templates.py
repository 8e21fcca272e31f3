from __future__ import annotations

from xml.etree import ElementTree

import pytest

from dialogue.dm.tracker import PendingResponse
from dialogue.domains.schema import Domain
from dialogue.nlg.templates import TemplateRenderer


@pytest.fixture
def renderer() -> TemplateRenderer:
    return TemplateRenderer(Domain.model_validate({"version": 1, "name": "n", "responses": {
        "many": ["one", "two", "three", "four"],
        "cond": [{"text": "vip", "when": "user.vip"}, {"text": "plain", "when": "not user.vip"}],
        "voice": [{"text": "Hi {{ name }} & co", "suggestions": ["a", {"title": "B", "payload": "/b"}]}],
        "ssml": [{"text": "Hi", "voice": "Hi <break time='1s'/> there"}],
        "filled": [{"text": "Thanks {{ name }}", "voice": "Thanks <emphasis>{{ name }}</emphasis>."}],
        "spoken": [{"text": "<speak>Thanks {{ name }}.</speak>"}],
        "broken": [{"text": "{{ 1 / 0 }}"}],
        "never": [{"text": "x", "when": "false"}],
    }}))


def render(renderer, name, context=None, channel="text", seed="s:1"):
    warnings: list[str] = []
    message = renderer.render(PendingResponse(name, context or {}), channel=channel, seed=seed, warnings=warnings)
    return message, warnings


def test_variation_choice_is_seeded_and_repeatable(renderer) -> None:
    texts = {render(renderer, "many", seed=f"s:{turn}")[0].text for turn in range(40)}
    assert texts == {"one", "two", "three", "four"}
    assert render(renderer, "many", seed="s:7")[0].text == render(renderer, "many", seed="s:7")[0].text


def test_conditions_pick_variations(renderer) -> None:
    assert render(renderer, "cond", {"user": {"vip": True}})[0].text == "vip"
    assert render(renderer, "cond", {"user": {"vip": False}})[0].text == "plain"


def test_voice_gets_escaped_ssml_and_suggestions_pass_through(renderer) -> None:
    message, _ = render(renderer, "voice", {"name": "Ann"}, channel="voice")
    assert message.text == "Hi Ann & co"
    assert message.ssml == "<speak>Hi Ann &amp; co</speak>"
    assert [(s.title, s.payload) for s in message.suggestions] == [("a", None), ("B", "/b")]
    assert render(renderer, "voice", {"name": "Ann"})[0].ssml is None


def test_voice_variant_is_ssml(renderer) -> None:
    assert render(renderer, "ssml", channel="voice")[0].ssml == "<speak>Hi <break time='1s'/> there</speak>"


@pytest.mark.parametrize("name", ["filled", "spoken"])
def test_values_in_ssml_templates_are_escaped_and_their_markup_kept(renderer, name) -> None:
    """What a caller said cannot break the SSML, nor add markup of its own (an <audio> of its choosing)."""
    said = "AT&T <audio src='http://x'/>"
    message, _ = render(renderer, name, {"name": said}, channel="voice")
    escaped = "AT&amp;T &lt;audio src=&#39;http://x&#39;/&gt;"
    expected = {"filled": f"<speak>Thanks <emphasis>{escaped}</emphasis>.</speak>",
                "spoken": f"<speak>Thanks {escaped}.</speak>"}
    assert message.ssml == expected[name]
    ElementTree.fromstring(message.ssml)  # well-formed XML
    assert said in message.text  # the text channel shows it as said


def test_a_failing_template_is_reported_not_raised(renderer) -> None:
    message, warnings = render(renderer, "broken")
    assert message is None and "ZeroDivisionError" in warnings[0]
    message, warnings = render(renderer, "never")
    assert message is None and "no variation" in warnings[0]


def test_a_name_missing_at_run_time_renders_empty_with_a_warning_naming_the_response() -> None:
    renderer = TemplateRenderer(Domain.model_validate({"version": 1, "name": "n", "responses": {
        "found": "Table at {{ results.found[0].name }} for {{ slots.size }}{% if results.other %}!{% endif %}"}}))
    message, warnings = render(renderer, "found", {"results": {}, "slots": {"size": 3}})
    assert message.text == "Table at  for 3"
    assert warnings == ["response 'found': 'dict object' has no attribute 'found', so it was left out of the text"]
