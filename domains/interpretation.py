"""What one user turn means in a domain's terms: an intent and slot values."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class IntentScore(BaseModel):
    name: str
    confidence: float


class EntitySpan(BaseModel):
    """Where a slot value was found in the text, and how."""

    slot: str
    text: str
    value: Any
    start: int
    end: int
    normalised: bool = Field(description="False when the text could not be read as the slot's type.")
    source: Literal["model", "gazetteer"]


class Found(BaseModel):
    """What a search of the domain's knowledge found for the message: an FAQ entry or a document's passage."""

    kind: Literal["faq", "passage"]
    id: str
    score: float = Field(description="How similar it is to the message (a search: cosine of sentence embeddings, "
                                     "-1 to 1; the NLU: the probability its answer head gives the entry).")
    by: Literal["search", "nlu"] = Field("search", description=(
        "Who found it: the search of the knowledge index, or the NLU model's answer head, sure of an FAQ entry in "
        "the same pass that read the intent (then there is no search)."))
    source: str = Field("", description="Where a passage is: `file:line` relative to the domain's file.")


class Interpretation(BaseModel):
    """The understood turn, whether it came from the NLU, a button, DTMF or a test."""

    intent: str
    confidence: float = 1.0
    entities: dict[str, Any] = Field(default_factory=dict, description="Slot -> canonical value.")
    ranking: list[IntentScore] = Field(default_factory=list)
    ambiguous: bool = Field(False, description="The top two intents are closer than the domain's margin.")
    text: str | None = None
    source: Literal["structured", "nlu", "dtmf", "llm"] = Field(
        "structured", description="llm: the NLU was unsure and the LLM picked the intent.")
    warnings: list[str] = Field(default_factory=list)
    spans: list[EntitySpan] = Field(default_factory=list)
    knowledge: list[Found] = Field(default_factory=list, description=(
        "For a question (`ask`, or input no intent took), what the domain's knowledge holds for it, best first."))
    also: list[Interpretation] = Field(default_factory=list, description=(
        "What else the same message asked for, in the order said (\"yes please, and what time do you open?\"): "
        "each is taken in turn after this one. Each one's text is then the clauses that say it."))

    @property
    def values(self) -> dict[str, Any]:
        """The slot values of the whole message: this thing's and those of the things in `also`."""
        found = dict(self.entities)
        for thing in self.also:
            found.update(thing.values)
        return found


class Expectation(BaseModel):
    """What the assistant's last turn asked of the user, which the next message answers: a slot's value, a yes or a
    no (a confirmation, an offered value, a proposed task), or a choice among offered rows. The NLU reads the
    message with it (the same "8" is a time after "What time?" and a head count after "How many people?")."""

    kind: Literal["slot", "yes_no", "choice"]
    slot: str | None = Field(None, description="The slot asked for (kind `slot`).")

    def words(self) -> tuple[str, ...]:
        """The expectation as the words the model reads after the message."""
        if self.kind == "slot":
            return ("asked", *(self.slot or "").replace("_", " ").split())
        return {"yes_no": ("yes", "or", "no", "question"), "choice": ("choose", "an", "offer")}[self.kind]
