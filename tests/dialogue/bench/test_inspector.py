"""`dialogue bench inspector` end to end, small: the real page in headless Chromium, the restaurant's trained NLU."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from dialogue.cli import app


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                    reason="Debian's chromium and chromium-driver are missing (.ci/run installs them)")
def test_bench_inspector_json(bundled_models) -> None:
    result = CliRunner().invoke(app, ["bench", "inspector", "--rounds", "1", "--models", str(bundled_models),
                                      "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["turns"] == 6  # the words of "free text, a whole booking", typed once
    assert 0 < report["engine_p50_ms"] < report["page_p50_ms"]
    assert 0 < report["page_overhead_p50_ms"] <= report["page_overhead_p99_ms"]
    assert report["met"] == (report["page_overhead_p50_ms"] <= report["target_page_overhead_p50_ms"] == 50.0)
