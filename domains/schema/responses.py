"""Responses: what the assistant says, with variations and channel variants."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from dialogue.domains.schema.base import Condition, Shorthand, one_or_many


class Suggestion(Shorthand):
    """A quick reply: the title is shown, the payload is sent back (text or `/intent{...}`)."""

    shorthand: ClassVar[dict[str, Any]] = {"type": "string", "description": "the title, sent back as text"}
    title: str
    payload: str | None = None

    @classmethod
    def expand(cls, value: Any) -> Any:
        return {"title": value} if isinstance(value, str) else value


class Variation(Shorthand):
    """One way of saying a response. Templates use Jinja2: `{{ slots.party_size }}`."""

    shorthand: ClassVar[dict[str, Any]] = {"type": "string", "description": "the text"}

    text: str = Field(max_length=10_000)
    voice: str | None = Field(None, max_length=10_000,
                              description="What to say on the voice channel; SSML allowed. Default: the text.")
    suggestions: list[Suggestion] = []
    when: Condition | None = Field(None, description="Use this variation only when the condition holds.")

    @classmethod
    def expand(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


Response = Annotated[
    one_or_many(Variation),  # type: ignore[valid-type]
    Field(description="A text, one variation, or a list of variations (one is chosen by a seeded rule)."),
]
