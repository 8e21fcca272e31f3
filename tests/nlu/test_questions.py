"""A yes/no feature inside a question is asked about, not given."""

from __future__ import annotations

import pytest

from dialogue.nlu.questions import asked_about, asks


def _asked(text: str, feature: str, language: str = "en") -> bool:
    start = text.index(feature)
    return asked_about(text, start, start + len(feature), language)


@pytest.mark.parametrize(("text", "feature"), [
    ("Is there parking?", "parking"),
    ("is there parking", "parking"),
    ("Great. Does the flat come furnished?", "furnished"),
    ("ok and do they take dogs", "take dogs"),
    ("Could you check whether breakfast is included", "breakfast is included"),
    ("tell me the address and if the salon is unisex", "unisex"),
    ("Wifi in the rooms?", "Wifi"),
    ("That one sounds good. Are children welcome there?", "children welcome"),
])
def test_a_feature_in_a_question_is_asked_about(text: str, feature: str) -> None:
    assert _asked(text, feature)


@pytest.mark.parametrize(("text", "feature"), [
    ("with parking please", "parking"),
    ("I need somewhere that takes dogs", "takes dogs"),
    ("Can you find me a furnished flat?", "furnished"),
    ("could you look for one with wifi", "wifi"),
    ("A unisex salon. Is it open on Sunday?", "unisex"),
    ("no parking needed", "parking"),
])
def test_a_feature_given_or_asked_for_is_not_asked_about(text: str, feature: str) -> None:
    assert not _asked(text, feature)


def test_other_languages_read_every_feature_as_given() -> None:
    assert not _asked("¿Hay parking?", "parking", language="es")


@pytest.mark.parametrize(("text", "asking"), [
    ("Is it furnished?", True), ("So are there pets allowed?", True), ("What is their number?", True),
    ("Is it furnished", False),  # no question mark: "is it furnished" may be how an answer starts
    ("Yes, is it furnished?", False), ("Okay, is it free then?", False),  # a yes first: it answers too
    ("Can you book it for me?", False), ("Could you do so please?", False),  # requests to the assistant
    ("How about the second one?", False), ("Why not?", False),  # a pick, a yes
])
def test_a_question_asks_and_a_request_or_a_pick_does_not(text: str, asking: bool) -> None:
    assert asks(text) is asking
    assert not asks(text, "de")

