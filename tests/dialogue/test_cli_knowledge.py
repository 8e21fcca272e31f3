"""`dialogue ask` and `dialogue knowledge-eval` on the bundled restaurant's real index, and on a small dataset."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dialogue.cli import app

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_ask_shows_what_was_found_and_the_answer(bundled_models) -> None:
    shown = json.loads(invoke("ask", "restaurant", "where can I leave my car", "--models", str(bundled_models),
                              "--json"))
    assert shown["response"] == ["faq.parking"]
    assert shown["found"][0]["id"] == "parking" and shown["found"][0]["text"] == "is there parking at the restaurant"
    assert [s["id"] for s in shown["sources"]] == ["parking"]
    kinds = {hit["kind"] for hit in shown["found"]}
    assert kinds <= {"faq", "passage"}
    table = invoke("ask", "restaurant", "who won the world cup", "--models", str(bundled_models))
    assert "no_answer (template): Sorry, I don't have an answer to that." in table


def test_ask_shows_the_answer_heads_entry_beside_the_search(bundled_models) -> None:
    shown = json.loads(invoke("ask", "restaurant", "is there parking", "--models", str(bundled_models), "--json"))
    assert shown["nlu"]["id"] == "parking" and shown["nlu"]["by"] == "nlu" and shown["nlu"]["score"] >= 0.8
    assert shown["response"] == ["faq.parking"] and [s["by"] for s in shown["sources"]] == ["nlu"]
    assert shown["found"][0]["id"] == "parking" and shown["found"][0]["by"] == "search"
    assert "the NLU's answer head: parking" in invoke("ask", "restaurant", "is there parking", "--models",
                                                      str(bundled_models))


def test_ask_on_the_voice_channel_shows_the_ssml(bundled_models) -> None:
    shown = json.loads(invoke("ask", "telco_ivr", "when are your shops open", "--voice", "--llm", "off",
                              "--models", str(bundled_models), "--json"))
    assert shown["response"] == ["faq.opening_hours", "main_menu"]  # the menu asks again
    assert shown["messages"][0]["ssml"].startswith("<speak>Our shops are open from 9 a.m.")


def test_knowledge_eval_measures_the_held_out_questions(bundled_models) -> None:
    figures = json.loads(invoke("knowledge-eval", "restaurant", "--models", str(bundled_models), "--json"))
    assert figures["questions"] == 17 and figures["answerable"] == 13
    assert figures["recall_at_1"] >= 75 and figures["recall_at_5"] >= 90 and 0 < figures["mrr"] <= 1
    unanswerable = [o for o in figures["outcomes"] if o["expect"] is None]
    assert len(unanswerable) == 4 and all(o["answer"] is None for o in unanswerable)
    by_nlu = [o for o in figures["outcomes"] if o["by"] == "nlu"]  # the trained model's answer head was sure
    assert by_nlu and figures["answered_by_nlu"] == round(100 * len(by_nlu) / 17, 2)
    assert all(o["answer"] == o["expect"] for o in by_nlu) and figures["wrong_answer_rate"] == 0
    assert "recall_at_1" in invoke("knowledge-eval", "restaurant", "--models", str(bundled_models))


def test_knowledge_eval_makes_a_dataset_an_faq(bundled_models, tmp_path: Path) -> None:
    rows = {"train": [("how do i reset my router", "reset"), ("my router needs a restart", "reset"),
                      ("why is my bill so high", "bill"), ("i was charged too much", "bill"),
                      ("tell me a joke", "oos")],
            "dev": [("restart the router please", "reset"), ("what is my bill", "bill"), ("sing a song", "oos")],
            "test": [("how to reboot the router", "reset"), ("the bill is too high", "bill"),
                     ("who is the president", "oos")]}
    for split, lines in rows.items():
        (tmp_path / "data" / split).mkdir(parents=True)
        for name, column in (("seq.in", 0), ("label", 1)):
            (tmp_path / "data" / split / name).write_text("".join(row[column] + "\n" for row in lines))
        (tmp_path / "data" / split / "seq.out").write_text("".join(" ".join("O" for _ in row[0].split()) + "\n"
                                                                   for row in lines))
    models = tmp_path / "models"
    models.mkdir()
    (models / "sentence-encoder").symlink_to(bundled_models / "sentence-encoder")
    figures = json.loads(invoke("knowledge-eval", "--dataset", str(tmp_path / "data"), "--per-intent", "2",
                                "--models", str(models), "--json"))
    assert figures["faq_entries"] == 2 and 0.2 <= figures["threshold_from_dev"] < 0.8
    assert figures["test"]["in_scope"] == 2 and figures["test"]["out_of_scope"] == 1
    assert figures["test"]["top1_accuracy"] == 100.0


PLAIN = """\
    version: 1
    name: plain
    intents:
      order: [order a pizza]
    tasks:
      order: {policy: frame, triggers: [order], on_complete: [respond: done]}
    responses:
      done: Done.
    """
"""A domain with no `knowledge:` section."""


def test_wrong_uses_say_what_is_wrong(bundled_models, tmp_path: Path, write_domain) -> None:
    both = runner.invoke(app, ["knowledge-eval"])
    assert both.exit_code == 2 and "give a domain, or --dataset" in both.output
    plain = write_domain(PLAIN)
    none = runner.invoke(app, ["ask", str(plain), "what is a PIN", "--models", str(bundled_models)])
    assert none.exit_code == 1 and "domain 'plain' has no knowledge" in none.output
    (tmp_path / "empty").mkdir()
    unbuilt = runner.invoke(app, ["ask", "restaurant", "parking?", "--models", str(tmp_path / "empty")])
    assert unbuilt.exit_code == 1 and "dialogue train restaurant" in unbuilt.output
    blank = runner.invoke(app, ["ask", "restaurant", "  ", "--models", str(bundled_models)])
    assert blank.exit_code == 2 and "give a question" in blank.output
