from __future__ import annotations

from dialogue.domains.schema import Domain
from dialogue.domains.schema.keys import keys_at


def test_keys_follow_fields_items_values_and_tagged_unions() -> None:
    assert keys_at(Domain, ("settings",)) == ["actions", "language", "max_attempts", "max_input_chars", "nlu",
                                              "routing", "timezone"]
    assert keys_at(Domain, ("slots", "city", "integer")) == ["default", "description", "max", "min", "pii", "type"]
    frame = ("tasks", "order", "frame")
    assert "confirm" in keys_at(Domain, frame) and "states" not in keys_at(Domain, frame)
    assert "validate" in keys_at(Domain, (*frame, "slots", 0, "slot"))
    assert keys_at(Domain, (*frame, "slots", 1, "frame")) == ["frame", "on_complete", "slots", "when"]
    assert keys_at(Domain, (*frame, "on_complete", 0, "insert", "insert")) == ["table", "values"]
    transition = ("tasks", "menu", "fsm", "states", "start", "transitions", 0)
    assert keys_at(Domain, transition) == ["actions", "event", "intent", "to", "when"]


def test_a_place_that_is_not_one_mapping_has_no_keys() -> None:
    assert keys_at(Domain, ("slots", "city")) is None  # a slot before its type is known
    assert keys_at(Domain, ("nowhere",)) is None
    assert keys_at(Domain, ("version",)) is None
