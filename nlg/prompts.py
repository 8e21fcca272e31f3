"""The prompts of the LLM uses: rephrase a template answer, answer what the domain does not cover,
pick an intent for text the NLU was unsure of."""

from __future__ import annotations

from typing import Any

from dialogue.domains.schema import Domain

Messages = list[dict[str, str]]


def rephrase(persona: str, text: str) -> Messages:
    return [
        {"role": "system", "content": f"You are {persona}. Rewrite the assistant message the user gives you in "
                                      "your own words, in the same language and about as long. Keep every name, "
                                      "number, date, time, code and [PLACEHOLDER] exactly as written. Reply with "
                                      "the rewritten message only."},
        {"role": "user", "content": text},
    ]


def fallback(persona: str, domain: Domain, capabilities: list[str], text: str) -> Messages:
    about = f" {domain.description.strip()}" if domain.description.strip() else ""
    can = f" You can help with: {', '.join(capabilities)}." if capabilities else ""
    return [
        {"role": "system", "content": f"You are {persona}.{about}{can} The user's message is outside what you can "
                                      "do. Reply kindly in one or two short sentences, invent no facts, make no "
                                      "promises, and say what you can help with."},
        {"role": "user", "content": text},
    ]


NO_ANSWER = "NO_ANSWER"
"""What the LLM says when the passages do not answer the question."""


def knowledge(persona: str, passages: list[str], question: str) -> Messages:
    """Answer from the numbered passages only, citing them."""
    numbered = "\n".join(f"[{number}] {text}" for number, text in enumerate(passages, start=1))
    return [
        {"role": "system", "content": f"You are {persona}. Answer the user's question in one or two short sentences "
                                      "using only these passages, and cite the passage you used like [1]. Copy "
                                      "names and numbers exactly. If the passages do not answer the question, reply "
                                      f"{NO_ANSWER} and nothing else.\n\n{numbered}"},
        {"role": "user", "content": question},
    ]


NO_INTENT = "none"


def intent_schema(labels: list[str]) -> dict[str, Any]:
    """The JSON Schema of a rescue answer: one of the labels, or none."""
    return {"type": "object", "properties": {"intent": {"type": "string", "enum": [*labels, NO_INTENT]}},
            "required": ["intent"], "additionalProperties": False}


def rescue(domain: Domain, labels: list[str], text: str) -> Messages:
    lines = []
    for label in labels:
        intent = domain.intents[label]
        hint = intent.description or "; ".join(intent.examples[:2])
        lines.append(f"- {label}: {hint}" if hint else f"- {label}")
    return [
        {"role": "system", "content": "Classify the user's message as one of these intents:\n" + "\n".join(lines)
                                      + f'\nAnswer with JSON only, like {{"intent": "{labels[0]}"}}; use '
                                        f'"{NO_INTENT}" when none fits.'},
        {"role": "user", "content": text},
    ]
