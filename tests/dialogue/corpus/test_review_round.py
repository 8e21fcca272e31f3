"""A simulated round of `dialogue nlu review`: the author's decisions from the dataset's labels, and the round
end to end (deployment, proposals, the examples in a copy of the domain, a real training, both models measured)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.corpus.formats import RealConversation, UserTurn
from dialogue.corpus.review_round import author, review_round
from dialogue.domains import Domain, load_domain
from dialogue.nlu.review import Proposal
from dialogue.nlu.training import train_domain
from dialogue.nlu.understander import Understander
from tests.conftest import NOW
from tests.nlu.test_review import PIZZA, Scripted


def pizza(tmp_path: Path) -> tuple[Domain, Path]:
    folder = tmp_path / "pizza"
    folder.mkdir()
    path = folder / "pizza.yaml"
    path.write_text(PIZZA, encoding="utf-8")
    return load_domain(path), path


def proposal(text: str, intent: str | None, spans: list | None = None) -> Proposal:
    return Proposal("c1", 1, text, "fallback", intent, spans or [], "nlu_fallback")


def test_the_author_accepts_what_the_labels_say_fixes_the_rest_and_rejects_what_they_do_not_name(
        tmp_path: Path) -> None:
    domain, _ = pizza(tmp_path)
    said = [UserTurn("large with ham", "order_pizza", {"size": "large", "topping": "ham"}, {"topping": "ham"}),
            UserTurn("hm", None), UserTurn("a big one", "order_pizza", {"size": "large"}, {"size": "big"})]
    right = proposal("large with ham", "order_pizza", [(0, 5, "size"), (11, 14, "topping")])
    assert author(domain, right, said) == ("accept", "order_pizza", "[large](size) with [ham](topping)")
    assert author(domain, proposal("large with ham", "check_order"), said) == \
        ("fix", "order_pizza", "[large](size) with [ham](topping)")
    assert author(domain, proposal("hm", "order_pizza"), said) == ("reject", None, None)
    # a span of the model no label contradicts is kept; one the labels put elsewhere is moved
    assert author(domain, proposal("large with ham", "order_pizza", [(11, 14, "topping")]),
                  [UserTurn("large with ham", "order_pizza", {"size": "large"})]) == \
        ("fix", "order_pizza", "[large](size) with [ham](topping)")
    assert author(domain, proposal("large with ham", "order_pizza", [(0, 10, "topping")]), said) == \
        ("fix", "order_pizza", "[large](size) with [ham](topping)")
    # "big" is no word of the category `size`: the author leaves it unmarked rather than write what cannot train
    assert author(domain, proposal("a big one", None), said) == ("fix", "order_pizza", "a big one")


def test_a_round_adds_the_reviewed_examples_to_a_copy_and_measures_both_models_on_the_unseen_half(
        tmp_path: Path, tiny_config) -> None:
    domain, path = pizza(tmp_path)
    readings = {"gimme a pie": ("nlu_fallback", 0.3, {}), "one pizza please": ("order_pizza", 0.9, {}),
                "large": ("order_pizza", 0.9, {"size": "large"}), "ham": ("order_pizza", 0.9, {"topping": "ham"}),
                "is it coming": ("order_pizza", 0.4, {})}
    deployed = [RealConversation("c1", [UserTurn("gimme a pie", "order_pizza"),
                                        UserTurn("one pizza please", "order_pizza")], NOW),
                RealConversation("c2", [UserTurn("is it coming", "check_order")], NOW)]
    unseen = [RealConversation("c3", [UserTurn("gimme a pie", "order_pizza"), UserTurn("large", "order_pizza",
                                                                                       {"size": "large"})], NOW),
              RealConversation("c4", [UserTurn("is it coming", "check_order")], NOW)]
    trained: list[Domain] = []

    def train(changed: Domain) -> Understander:
        trained.append(changed)
        report = train_domain(changed, tmp_path / "models", tiny_config)
        return Understander.for_domain(changed, tmp_path / "models") or pytest.fail(str(report.folder))

    stages = set()
    figures = review_round(domain, path, deployed + unseen, Scripted(readings), 10, train,
                           lambda stage, done, total: stages.add(stage))
    assert (figures["deployment_conversations"], figures["unseen_conversations"]) == (2, 2)
    assert figures["reasons"] == {"fallback": 1, "doubtful": 1}
    assert figures["decisions"] == {"accept": 1, "fix": 1} and figures["examples_added"] == 2
    assert trained[0].intents["order_pizza"].examples[-1] == "gimme a pie"
    assert trained[0].intents["check_order"].examples[-1] == "is it coming"
    assert path.read_text(encoding="utf-8") == PIZZA  # the domain itself is not changed
    before = figures["before"]
    assert (before["user_turns"], before["intent_accuracy"], before["fallback_rate"]) == (3, 0.3333, 0.3333)
    assert figures["after"]["user_turns"] == 3
    assert figures["intent_accuracy_gain"] == round(figures["after"]["intent_accuracy"] - 0.3333, 4)
    assert stages == {"deployment", "unseen, before", "unseen, after"}
