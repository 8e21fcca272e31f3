"""`dialogue nlu-eval --report` and `dialogue test --report` end to end: real runs, their pages read back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.domains.loader import BUNDLED
from dialogue.nlu_report import SHOWN
from dialogue.reports import show
from tests.conftest import restaurant_files
from tests.dialogue.html_pages import parse_page, table_rows, text, with_class

runner = CliRunner()
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
TESTS = """\
tests:
  - name: volunteer several slots at once
    now: "2026-11-25T10:00:00"
    steps:
      - user: '/book_table{"party_size": 2, "cuisine": "italian", "date": "2026-11-27", "time": "20:00"}'
        bot: ask_name
        slots: {party_size: 2, cuisine: italian}
  - name: expects what the bot does not do
    now: "2026-11-25T10:00:00"
    steps:
      - user: '/book_table{"party_size": 2, "cuisine": "italian", "date": "2026-11-27", "time": "20:00"}'
        bot: ask_name
      - user: '/inform{"name": "HOSTILE"}'
        bot: booking_done
        slots: {party_size: 3}
""".replace("HOSTILE", HOSTILE)


def test_nlu_eval_report_of_a_bundled_domain(bundled_models, tmp_path) -> None:
    report = tmp_path / "report"
    result = runner.invoke(app, ["nlu-eval", "restaurant", "--models", str(bundled_models), "--report", str(report),
                                 "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert json.loads((report / "metrics.json").read_text()) == metrics
    assert (report / "confusion.png").stat().st_size > 1000
    root = parse_page(report / "index.html")
    assert {row[0] for row in table_rows(root, "per-intent")} == set(metrics["per_intent"])
    assert {row[0] for row in table_rows(root, "per-slot")} == set(metrics["per_slot"])
    counts = metrics["confusion"]["counts"]
    misread = sum(map(sum, counts)) - sum(counts[i][i] for i in range(len(counts)))
    rows = table_rows(root, "misread")
    assert len(rows) == min(misread, SHOWN) and all(expected != predicted for _, expected, predicted, _ in rows)
    confidences = [float(row[3]) for row in rows]
    assert confidences == sorted(confidences, reverse=True), "the most confident mistakes first"
    assert sum(int(row[2]) for row in table_rows(root, "confused")) == misread
    table = runner.invoke(app, ["nlu-eval", "restaurant", "--models", str(bundled_models), "--report", str(report)])
    assert table.exit_code == 0 and f"report: {report / 'index.html'}" in table.output


def test_test_report_shows_the_failing_steps_expected_against_actual(tmp_path) -> None:
    shutil.copy(BUNDLED / "restaurant.yaml", tmp_path)
    restaurant_files(tmp_path)
    (tmp_path / "restaurant.tests.yaml").write_text(TESTS, encoding="utf-8")
    (tmp_path / "models").mkdir()
    report = tmp_path / "report"
    result = runner.invoke(app, ["test", str(tmp_path / "restaurant.yaml"), "--models", str(tmp_path / "models"),
                                 "--report", str(report), "--json"])
    assert result.exit_code == 1
    outcome = json.loads(result.output)
    assert (outcome["passed"], outcome["failed"]) == (1, 1)
    mismatches = [m for step in outcome["tests"][1]["steps"] for m in step["mismatches"]]
    assert {m["check"] for m in mismatches} == {"bot", "slots.party_size"}
    root = parse_page(report / "index.html")
    assert not list(root.iter("script")) and not list(root.iter("img"))
    [failed] = with_class(root, "failed", "section")
    assert text(failed.find("h2")) == "expects what the bot does not do"
    wrong = [[text(cell) for cell in row.iter("td")][-3:] for row in with_class(failed, "wrong", "tr")]
    assert wrong == [[m["check"], show(m["expected"]), show(m["actual"])] for m in mismatches]
    assert HOSTILE in text(failed)
    [ok] = with_class(failed, "dim", "tr")
    assert [text(cell) for cell in ok.iter("td")][3:] == ["ok", "", ""]
    assert [text(d.find("summary")) for d in with_class(root, "passed", "details")] == [
        "volunteer several slots at once (1 step)"]


@pytest.mark.parametrize("command", [["nlu-eval", "restaurant"], ["test", "restaurant"]])
def test_a_report_folder_that_cannot_be_written_is_one_line(command: list[str], tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("keep")
    for folder, message in ((file, f"--report: {file} is a file; give a folder"),
                            (Path("/proc/nope"), "--report: cannot write in /proc")):
        result = runner.invoke(app, [*command, "--report", str(folder), "--models", str(tmp_path)])
        assert result.exit_code == 2 and result.output.startswith(f"error: {message}"), result.output
        assert len(result.output.splitlines()) == 1
    assert file.read_text() == "keep"
