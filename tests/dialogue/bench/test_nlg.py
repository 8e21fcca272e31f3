"""`dialogue bench nlg`'s bookkeeping, with a scripted LLM and NLU (the real run is in BENCHMARKS.md)."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from dialogue.bench.nlg import free_text_conversations
from dialogue.cli import app
from dialogue.domains import load_domain
from dialogue.domains.interpretation import Expectation, Interpretation
from tests.nlg.scripted import ScriptedBackend


class BookingNlu:
    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        return Interpretation(intent="book_table", text=text, confidence=0.9, source="nlu")


def test_bench_nlg_reports_every_run_on_the_same_turns(monkeypatch) -> None:
    backend = ScriptedBackend(lambda request: "Sure! " + request.messages[-1]["content"])
    monkeypatch.setattr("dialogue.nlg.llm.local.LocalBackend", lambda *args, **kwargs: backend)
    monkeypatch.setattr("dialogue.cli.common.understander", lambda domain, models: BookingNlu())
    result = CliRunner().invoke(app, ["bench", "nlg", "restaurant", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    runs = report["runs"]
    turns = sum(len(test.steps) for test in free_text_conversations(load_domain("restaurant")))
    assert report["turns"] == turns and all(run["turns"] == turns for run in runs.values())
    assert runs["template"]["llm_share"] == 0 and runs["rephrase_cold"]["cached_share"] == 0
    assert runs["rephrase_cold"]["llm_share"] > 0.5
    assert runs["rephrase_cached"]["cached_share"] == runs["rephrase_cached"]["llm_share"] > 0.5
    assert runs["llm_only"]["valid_nlu_json_share"] == 0  # the script never answers JSON
    understanding = [r for r in backend.requests if r.messages[0]["content"].startswith("Read the user's message")]
    assert len(understanding) == turns  # one NLU prompt per LLM-only turn (and one reply prompt)
    assert report["ratios"]["llm_only_to_template_p50"] == round(runs["llm_only"]["p50_ms"]
                                                                 / runs["template"]["p50_ms"], 1)


def test_bench_nlg_needs_trained_models(monkeypatch) -> None:
    monkeypatch.setattr("dialogue.cli.common.understander", lambda domain, models: None)
    result = CliRunner().invoke(app, ["bench", "nlg", "restaurant"])
    assert result.exit_code == 1 and "dialogue train restaurant" in result.output
