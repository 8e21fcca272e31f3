"""Render responses from their templates: pick a variation, fill it in, shape it for the channel."""

from __future__ import annotations

import zlib
from typing import Any
from xml.sax.saxutils import escape

from pydantic import BaseModel, Field

from dialogue.dm.tracker import PendingResponse
from dialogue.domains.expressions import compile_condition, compile_markup, compile_template, missing_names
from dialogue.domains.schema import Domain, Suggestion, Variation


class Message(BaseModel):
    """One thing the assistant says."""

    response: str = Field(description="The response it came from.")
    text: str
    ssml: str | None = Field(None, description="What to speak on the voice channel, as SSML.")
    suggestions: list[Suggestion] = Field(default_factory=list)
    source: str = Field("template", description="template, or llm when a model wrote it.")
    note: str | None = Field(None, description="What happened when an LLM was asked to write it (why the "
                                               "template stayed, or that the answer was cached).")


class TemplateRenderer:
    def __init__(self, domain: Domain):
        self.responses = {**domain.responses, **domain.knowledge.responses()}
        for variations in self.responses.values():  # compile once, when the domain loads
            for variation in variations:
                compile_template(variation.text)
                if markup := _markup(variation):
                    compile_markup(markup)
                if variation.when:
                    compile_condition(variation.when)

    def render(self, pending: PendingResponse, *, channel: str, seed: str,
               warnings: list[str]) -> Message | None:
        """The message for a response; None (with a warning) if no variation can be rendered."""
        context = pending.context
        eligible = [v for v in self.responses[pending.name] if _holds(v, context, warnings)]
        if not eligible:
            warnings.append(f"response '{pending.name}' has no variation whose condition holds")
            return None
        start = zlib.crc32(f"{seed}:{pending.name}".encode()) % len(eligible)
        for variation in eligible[start:] + eligible[:start]:
            try:
                with missing_names() as missing:
                    message = self._message(pending.name, variation, context, channel)
            except Exception as err:  # noqa: BLE001 - a template error must not break the turn
                warnings.append(f"response '{pending.name}' failed to render: {type(err).__name__}: {err}")
                continue
            for problem in dict.fromkeys(missing):
                warnings.append(f"response '{pending.name}': {problem}, so it was left out of the text")
            return message
        return None

    @staticmethod
    def _message(name: str, variation: Variation, context: dict[str, Any], channel: str) -> Message:
        text = compile_template(variation.text)(context).strip()
        ssml = None
        if channel == "voice":
            markup = _markup(variation)
            spoken = compile_markup(markup)(context).strip() if markup else escape(text)
            ssml = spoken if spoken.startswith("<speak") else f"<speak>{spoken}</speak>"
        return Message(response=name, text=text, ssml=ssml, suggestions=variation.suggestions)


def _markup(variation: Variation) -> str | None:
    """The variation's SSML template: its `voice`, or its text when that is SSML itself (`<speak>...`)."""
    return variation.voice or (variation.text if variation.text.lstrip().startswith("<speak") else None)


def _holds(variation: Variation, context: dict[str, Any], warnings: list[str]) -> bool:
    if variation.when is None:
        return True
    try:
        return bool(compile_condition(variation.when)(context))
    except Exception as err:  # noqa: BLE001 - a condition error makes the variation ineligible
        warnings.append(f"condition `{variation.when}` failed: {type(err).__name__}: {err}")
        return False
