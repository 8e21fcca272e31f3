"""How often the simulated user does each thing: the rates of the agenda user's behaviours."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Behaviour:
    """Rates in [0, 1]. Per conversation: interrupt, cancel, change_mind, deny. Per answer: volunteer,
    correct, invalid (per slot with a range or a validation). Per turn: help, out_of_scope, no_input and
    dtmf (voice only)."""

    volunteer: float = 0.3
    correct: float = 0.05
    change_mind: float = 0.05
    interrupt: float = 0.1
    cancel: float = 0.05
    deny: float = 0.05
    help: float = 0.03
    out_of_scope: float = 0.03
    invalid: float = 0.1
    no_input: float = 0.03
    dtmf: float = 0.3
    goodbye: float = 0.3

    @classmethod
    def parse(cls, text: str | None) -> Behaviour:
        """`name=rate,...` over the defaults, e.g. `interrupt=0.3,cancel=0`; ValueError says what is wrong."""
        if not text:
            return cls()
        names = {f.name for f in fields(cls)}
        changes: dict[str, float] = {}
        for part in text.split(","):
            name, sep, rate = part.partition("=")
            name = name.strip()
            if not sep or name not in names:
                raise ValueError(f"'{part.strip()}' is not name=rate; names: {', '.join(sorted(names))}")
            try:
                value = float(rate)
            except ValueError:
                raise ValueError(f"rate of '{name}' is not a number: {rate.strip()!r}") from None
            if not 0 <= value <= 1:
                raise ValueError(f"rate of '{name}' must be between 0 and 1, not {value}")
            changes[name] = value
        return replace(cls(), **changes)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)
