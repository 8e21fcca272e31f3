"""`dialogue nlu review` on a real SQLite store: proposals listed, reviewed at the terminal, written to the domain."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.engine import Engine
from tests.nlu.test_review import PIZZA, Scripted

runner = CliRunner()
READINGS = {"gimme a pie": ("nlu_fallback", 0.3, {}), "I'd like to order a pizza": ("order_pizza", 0.95, {}),
            "large with ham and olives": ("order_pizza", 0.6, {"size": "large", "topping": "olives"}),
            "pizza status": ("nlu_fallback", 0.2, {})}


def deployed(tmp_path: Path) -> tuple[Path, str]:
    """A domain file and a database holding two conversations the scripted NLU read."""
    path = tmp_path / "pizza.yaml"
    path.write_text("# the pizza shop\n" + PIZZA, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = Engine(load_domain(path), nlu=Scripted(READINGS), store=SqlStore(url))
    for session, texts in {"a": ["gimme a pie", "I'd like to order a pizza", "large with ham and olives"],
                           "b": ["pizza status"]}.items():
        for text in texts:
            engine.handle(session, text)
    return path, url


def test_json_lists_the_proposals_and_writes_nothing(tmp_path: Path) -> None:
    path, url = deployed(tmp_path)
    before = path.read_text(encoding="utf-8")
    result = runner.invoke(app, ["nlu", "review", str(path), "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [(p["reason"], p["text"], p["intent"]) for p in listed["proposals"]] == [
        ("fallback", "gimme a pie", "order_pizza"), ("doubtful", "large with ham and olives", "order_pizza"),
        ("fallback", "pizza status", None)]
    assert listed["proposals"][1]["example"] == "[large](size) with ham and [olives](topping)"
    assert listed["reasons"] == {"fallback": 2, "doubtful": 1}
    assert path.read_text(encoding="utf-8") == before


def test_accepted_and_fixed_examples_are_written_into_the_domain_file(tmp_path: Path) -> None:
    path, url = deployed(tmp_path)
    answers = ["a",  # gimme a pie: order_pizza, as proposed
               "f", "order_pizza", "[large](size) with [ham](topping) and [olives](topping:olives)",  # not a category
               "[large](size) with [ham](topping) and [olives](topping)",
               "f", "track_it", "check_order",  # no such intent, then one
               "[pizza](dish) status", "[pizza](size) status", "pizza status"]  # no such slot, not a size, then right
    result = runner.invoke(app, ["nlu", "review", str(path), "--db", url], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "no intent 'track_it'" in said and "unknown slot 'dish'" in said
    assert "'pizza' is neither a value nor a synonym of category 'size'" in said
    assert "1 accept, 2 fix; 3 example(s) written" in said
    domain = load_domain(path)
    assert domain.intents["order_pizza"].examples[-2:] == [
        "gimme a pie", "[large](size) with [ham](topping) and [olives](topping)"]
    assert domain.intents["check_order"].examples[-1] == "pizza status"
    assert path.read_text(encoding="utf-8").startswith("# the pizza shop\n")


def test_quitting_keeps_what_was_decided_and_rejecting_writes_nothing(tmp_path: Path) -> None:
    path, url = deployed(tmp_path)
    result = runner.invoke(app, ["nlu", "review", str(path), "--db", url], input="r\na\nq\n")
    assert result.exit_code == 0, result.output
    assert load_domain(path).intents["order_pizza"].examples[-1] == "[large](size) with ham and [olives](topping)"
    assert "1 accept, 1 reject; 1 example(s) written" in " ".join(result.output.split())


def test_a_database_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    path, _ = deployed(tmp_path)
    result = runner.invoke(app, ["nlu", "review", str(path), "--db", f"sqlite:///{tmp_path / 'nope.db'}"])
    assert result.exit_code != 0 and "nope.db" in result.output and "Traceback" not in result.output


def test_turns_the_trained_model_read_are_proposed_with_its_spans(bundled_models: Path, tmp_path: Path) -> None:
    from dialogue.nlu.understander import Understander

    domain = load_domain("restaurant")
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = Engine(domain, nlu=Understander.for_domain(domain, bundled_models), store=SqlStore(url))
    said = ["I'd like to book a table for 4 people", "qwx zzplorp vrr"]
    for text in said:
        engine.handle("s", text)
    result = runner.invoke(app, ["nlu", "review", "restaurant", "--db", url, "--json", "--below", "1"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["proposals"]
    assert [proposal["text"] for proposal in found] == said  # below 1, every turn the model read is proposed
    assert (found[0]["intent"], found[0]["example"]) == ("book_table", "I'd like to book a table for [4](party_size) "
                                                                        "people")
    assert found[1]["reason"] == "fallback" or found[1]["note"].startswith("confidence ")
