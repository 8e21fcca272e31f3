"""`dialogue eval-conversations` end to end: a trained model, a JSON-lines log, figures and a report; bad input
named in a line."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from dialogue.cli import app
from tests.conftest import NOW

runner = CliRunner()


def test_figures_and_report_of_a_log(bundled_models, tmp_path) -> None:
    log = tmp_path / "logs.jsonl"
    turns = [{"text": "can I reserve a table for 4 people", "intent": "book_table", "slots": {"party_size": 4}},
             {"text": "italian sounds good", "intent": "inform", "slots": {"cuisine": "italian"}},
             {"text": "goodbye", "intent": "goodbye"}]
    log.write_text(json.dumps({"id": "c1", "now": NOW.isoformat(), "turns": turns}) + "\n")
    result = runner.invoke(app, ["eval-conversations", "restaurant", str(log), "--models", str(bundled_models),
                                 "--json", "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert (figures["conversations"], figures["user_turns"], figures["intent_accuracy"]) == (1, 3, 1.0)
    assert (figures["slot_f1"], figures["task_conversations"]) == (1.0, 0)
    page = (tmp_path / "report" / "index.html").read_text()
    assert "restaurant on 1 real conversations" in page and "Turns misread (0)" in page
    assert json.loads((tmp_path / "report" / "turns.jsonl").read_text())["turns"][0]["intent"] == "book_table"
    table = runner.invoke(app, ["eval-conversations", "restaurant", str(log), "--models", str(bundled_models)])
    assert "intent accuracy" in table.output and "100.0%" in table.output


def test_bad_input_is_named_without_a_traceback(tmp_path) -> None:
    missing = runner.invoke(app, ["eval-conversations", "restaurant", str(tmp_path / "nowhere.jsonl")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    log = tmp_path / "logs.jsonl"
    log.write_text("{not json\n")
    broken = runner.invoke(app, ["eval-conversations", "restaurant", str(log)])
    assert broken.exit_code == 1 and "logs.jsonl:1: not a conversation" in broken.output
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("now: 2019-03-01T00:00:00\nacts: {AFFIRM: yes_please}\n")
    wrong = runner.invoke(app, ["eval-conversations", "restaurant", str(log), "--mapping", str(mapping)])
    assert wrong.exit_code == 1 and "acts: domain 'restaurant' has no intent 'yes_please'" in wrong.output
    assert "Traceback" not in broken.output + wrong.output + missing.output


def test_a_review_round_trains_the_reviewed_copy_and_measures_both_models(bundled_models, tmp_path, monkeypatch,
                                                                          tiny_config) -> None:
    monkeypatch.setattr("dialogue.nlu.train_config.TrainConfig", lambda: tiny_config)  # a quick training, a real one
    log = tmp_path / "logs.jsonl"
    conversations = [[{"text": "could you get me a table for 4 tonight?", "intent": "book_table",
                       "slots": {"party_size": 4}}],
                     [{"text": "a table for 2 please", "intent": "book_table", "slots": {"party_size": 2}}]]
    log.write_text("".join(json.dumps({"id": f"c{n}", "now": NOW.isoformat(), "turns": turns}) + "\n"
                           for n, turns in enumerate(conversations)))
    models = tmp_path / "models"
    shutil.copytree(bundled_models, models)
    trained = len(list((models / "restaurant").iterdir()))
    result = runner.invoke(app, ["eval-conversations", "restaurant", str(log), "--models", str(models),
                                 "--review-round", "5", "--below", "1", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert (figures["deployment_conversations"], figures["unseen_conversations"], figures["reviewed"]) == (1, 1, 1)
    assert figures["decisions"] == {"accept": 1} and figures["examples_added"] == 1
    assert figures["before"]["user_turns"] == figures["after"]["user_turns"] == 1
    assert len(list((models / "restaurant").iterdir())) == trained + 1  # the reviewed copy's, beside the domain's
