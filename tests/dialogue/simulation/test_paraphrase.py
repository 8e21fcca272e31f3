"""LLM paraphrases of user turns: values kept word for word (labels follow), the cache, the fallbacks;
and once with the real SmolLM2."""

from __future__ import annotations

import random

import pytest

from dialogue.dm.sql import LlmCache
from dialogue.nlg.llm import Budgeted
from dialogue.simulation.paraphrase import Paraphraser, relabel
from dialogue.simulation.utterances import Utterance
from tests.nlg.llm.conftest import smollm2  # noqa: F401 - the real model's fixture
from tests.nlg.scripted import ScriptedBackend

SAID = Utterance("book a table for 4 people tomorrow", "book_table", {"party_size": 4, "date": "2026-11-26"},
                 [(17, 18, "party_size"), (26, 34, "date")])


def test_a_paraphrase_keeps_the_values_and_the_labels_follow_them() -> None:
    backend = ScriptedBackend('"Could I get a table tomorrow for 4 of us?"')
    cache = LlmCache.in_memory()
    paraphraser = Paraphraser(Budgeted(backend), cache, rate=1.0)
    out = paraphraser.apply(SAID, random.Random(1))
    assert out.text == "Could I get a table tomorrow for 4 of us?"
    assert out.intent == "book_table" and out.values == SAID.values
    assert [(out.text[s:e], slot) for s, e, slot in out.spans] == [("tomorrow", "date"), ("4", "party_size")]
    assert out.tagged()[1].count("B-date") == 1
    assert "Keep these phrases exactly" in backend.requests[0].messages[1]["content"]
    again = paraphraser.apply(SAID, random.Random(1))
    assert again == out and len(backend.requests) == 1 and paraphraser.calls == 1  # from the cache


def test_a_paraphrase_that_loses_a_value_or_rambles_keeps_the_turn() -> None:
    assert relabel(SAID, "Could I get a table tomorrow?") is None
    assert relabel(SAID, "4 tomorrow " + "blah " * 60) is None
    failing = Paraphraser(Budgeted(ScriptedBackend("a table please")), LlmCache.in_memory(), rate=1.0)
    assert failing.apply(SAID, random.Random(1)) is SAID
    slow = Paraphraser(Budgeted(ScriptedBackend("x", delay=0.5)), LlmCache.in_memory(), rate=1.0, budget_s=0.05)
    assert slow.apply(SAID, random.Random(1)) is SAID
    never = Paraphraser(Budgeted(ScriptedBackend("unused")), LlmCache.in_memory(), rate=0.0)
    assert never.apply(SAID, random.Random(1)) is SAID


@pytest.mark.slow
def test_the_real_local_model_paraphrases_or_the_turn_stays(smollm2) -> None:  # noqa: F811
    from dialogue.nlg.llm.local import LocalBackend

    paraphraser = Paraphraser(Budgeted(LocalBackend()), LlmCache.in_memory(), rate=1.0, budget_s=60)
    out = paraphraser.apply(SAID, random.Random(1))
    assert paraphraser.calls == 1
    assert out is SAID or ("4" in out.text and "tomorrow" in out.text.lower() and out.text != SAID.text)
