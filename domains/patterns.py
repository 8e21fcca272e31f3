"""Strings that match a regex slot's pattern: for NLU augmentation and the user simulator."""

from __future__ import annotations

import random
import re
import re._constants as sre_constants  # the standard library's regular expression parser (Python 3.11+)
import re._parser as sre_parse
from typing import Any

REPEAT_LIMIT = 10
"""Most repetitions drawn for an unbounded `+` or `*`."""
_ANY = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class PatternError(ValueError):
    """A pattern this generator cannot draw from (lookarounds, negated classes, backreferences...)."""


def matching_string(pattern: str, rng: random.Random) -> str:
    """A string that matches `pattern` in full. Character classes with both cases give capitals and
    digits (references are read back in capitals)."""
    try:
        text = _generate(sre_parse.parse(pattern), rng)
    except re.error as err:
        raise PatternError(f"the pattern does not compile: {err}") from None
    if not re.fullmatch(pattern, text):
        raise PatternError("use character classes, literals, groups, | and repeats")
    return text


def _generate(items: Any, rng: random.Random) -> str:
    out = []
    for op, arg in items:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.IN:
            out.append(rng.choice(_class_chars(arg)))
        elif op is sre_constants.ANY:
            out.append(rng.choice(_ANY))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, high, sub = arg
            high = max(low, min(high, REPEAT_LIMIT))
            out += [_generate(sub, rng) for _ in range(rng.randint(low, high))]
        elif op is sre_constants.SUBPATTERN:
            out.append(_generate(arg[-1], rng))
        elif op is sre_constants.BRANCH:
            out.append(_generate(rng.choice(arg[1]), rng))
        elif op is not sre_constants.AT:
            raise PatternError(f"{str(op).lower()} is not supported; use character classes, literals, groups, "
                               "| and repeats")
    return "".join(out)


def _class_chars(items: Any) -> str:
    chars: list[str] = []
    for op, arg in items:
        if op is sre_constants.LITERAL:
            chars.append(chr(arg))
        elif op is sre_constants.RANGE:
            chars += [chr(c) for c in range(arg[0], arg[1] + 1)]
        elif op is sre_constants.CATEGORY and arg is sre_constants.CATEGORY_DIGIT:
            chars += list("0123456789")
        elif op is sre_constants.CATEGORY and arg is sre_constants.CATEGORY_WORD:
            chars += list(_ANY)
        else:
            raise PatternError("negated and special character classes are not supported")
    capitals = [c for c in chars if not c.islower()]
    return "".join(capitals if any(c.isalpha() for c in capitals) else chars)
