"""PII redaction: personal data out of every LLM prompt, and back into the answer.

Phone numbers, e-mail addresses, card numbers (only digit runs that pass the Luhn check)
and the values of slots marked `pii: true` become placeholders such as `[EMAIL_1]`; the
same value always gets the same placeholder within one redaction, and `restore` puts the
values back into the model's answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
PHONE = re.compile(r"(?<![\w+(])\+?\(?\d[\d ()./-]{6,}\d(?!\d)")
DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _is_phone(text: str) -> bool:
    return 7 <= sum(c.isdigit() for c in text) <= 15 and not DATE.fullmatch(text)


class Redaction:
    """One prompt's placeholders: value -> placeholder, and back."""

    def __init__(self, pii_values: Iterable[Any] = ()):
        self.values: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.known = sorted({str(v) for v in pii_values if v not in (None, "") and len(str(v)) >= 2},
                            key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with every piece of personal data replaced by its placeholder."""
        for value in self.known:
            if value in text:
                text = text.replace(value, self._placeholder("PII", value))
        text = EMAIL.sub(lambda m: self._placeholder("EMAIL", m.group()), text)
        text = CARD.sub(lambda m: self._placeholder("CARD", m.group()) if luhn_valid(m.group()) else m.group(), text)
        return PHONE.sub(lambda m: self._placeholder("PHONE", m.group()) if _is_phone(m.group()) else m.group(), text)

    def restore(self, text: str) -> str:
        """The model's answer with the placeholders it kept replaced by the values."""
        for value, placeholder in self.values.items():
            text = text.replace(placeholder, value)
        return text

    def _placeholder(self, kind: str, value: str) -> str:
        if value not in self.values:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.values[value] = f"[{kind}_{self.counts[kind]}]"
        return self.values[value]


def mask(value: Any, pii: Iterable[Any]) -> Any:
    """A JSON-like value with every occurrence of the `pii` values (as text) replaced by `[redacted]`,
    for the event log and logs. Non-text values equal to one of them become `[redacted]` too."""
    secrets = sorted({str(v) for v in pii if v not in (None, "") and len(str(v)) >= 2}, key=len, reverse=True)
    return _masked(value, secrets) if secrets else value


def _masked(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, dict):
        return {key: _masked(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "[redacted]")
        return value
    if value is not None and not isinstance(value, bool) and str(value) in secrets:
        return "[redacted]"
    return value
