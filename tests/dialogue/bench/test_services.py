"""`dialogue bench services`, briefly: both parts run against the real service and a real server."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dialogue.cli import app


def test_bench_services_json() -> None:
    result = CliRunner().invoke(app, ["bench", "services", "--turns", "100", "--sessions", "4", "--seconds", "1",
                                      "--rounds", "2", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    quick, slow = payload["in_process"], payload["grpc"]
    for kind in ("with_call", "without_call", "bare_get"):
        assert 0 < quick[kind]["p50_ms"] <= quick[kind]["p99_ms"]
    assert quick["with_call"]["p50_ms"] > quick["without_call"]["p50_ms"]
    for kind in ("with_call", "without_call"):
        assert slow[kind]["turns"] > 0 and slow[kind]["errors"] == 0
    assert slow["with_call"]["p50_ms"] >= 50  # each turn waited for the service's 50 ms
    assert len(slow["round_ratios"]) == 2 and min(slow["round_ratios"]) <= slow["throughput_ratio"] \
        <= max(slow["round_ratios"])
    assert slow["throughput_ratio"] > 0 and payload["targets"]["slow_call_throughput_ratio_at_64"] == 0.7
