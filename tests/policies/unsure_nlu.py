"""A stand-in NLU torn between readings, as a trained model is on words its examples did not cover (the real model
is tested in tests/nlu)."""

from __future__ import annotations

import datetime as dt

from dialogue.domains.interpretation import Expectation, IntentScore, Interpretation


class UnsureNlu:
    """Each text it knows read with the ranking given, `nlu_fallback` when the first is below the threshold (0.5, the
    default `nlu.threshold`) or the text is `novel` (turned away as unlike every example, `nlu.novelty`); any other
    text is left to `otherwise`."""

    def __init__(self, rankings: dict[str, dict[str, float]], otherwise=None, novel: frozenset[str] = frozenset()):
        self.rankings, self.otherwise, self.novel = rankings, otherwise, novel

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        if text not in self.rankings:
            return self.otherwise.parse(text, now=now, expecting=expecting)
        ranking = [IntentScore(name=name, confidence=score) for name, score in self.rankings[text].items()]
        best = ranking[0]
        placed = best.confidence >= 0.5 and text not in self.novel
        return Interpretation(intent=best.name if placed else "nlu_fallback",
                              confidence=best.confidence, ranking=ranking, text=text, source="nlu")
