"""`dialogue bench knowledge` end to end, small: a real index built and searched, real turns on SQLite."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dialogue.cli import app


def test_bench_knowledge_json(bundled_models, monkeypatch) -> None:
    monkeypatch.delenv("DIALOGUE_BENCH_POSTGRES_URL", raising=False)
    result = CliRunner().invoke(app, ["bench", "knowledge", "--passages", "60", "--queries", "5", "--turns", "3",
                                      "--models", str(bundled_models), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    index = report["index"]
    assert index["passages"] == 60 and index["queries"] == 5 and index["build_s"] > 0
    assert 0 < index["embedding_alone"]["p50_ms"] <= index["search"]["p99_ms"]
    sqlite = report["turns"]["sqlite"]
    assert sqlite["turns"] == 3 and sqlite["faq_answer"]["p50_ms"] > 0 and sqlite["template_answer"]["p50_ms"] > 0
    assert sqlite["faq_to_template_p50"] == round(sqlite["faq_answer"]["p50_ms"] / sqlite["template_answer"]["p50_ms"],
                                                  2)
    assert set(report["turns"]) == {"sqlite"} and report["postgresql"].startswith("skipped")
    assert report["targets"]["search_p50_ms"] == 5.0
