"""Reading real conversations: Schema-Guided Dialogue through a mapping, JSON lines as they are, bad files named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dialogue.corpus.formats import CorpusError, read_conversations
from dialogue.corpus.mapping import CorpusMapping, MappingError
from dialogue.domains import load_domain

SCHEMA = {"service_name": "Hotels_2", "slots": [], "intents": [
    {"name": "SearchHouse", "required_slots": ["where_to"]},
    {"name": "BookHouse", "required_slots": ["where_to", "number_of_adults"]}]}


def act(act: str, slot: str = "", *values: str, said: str | None = None) -> dict:
    """A dialogue act; `said`: the form the user said, when it is not the canonical value."""
    return {"act": act, "slot": slot, "values": [said] if said else list(values), "canonical_values": list(values)}


def user(text: str, actions: list[dict], intent: str, state: dict) -> dict:
    return {"speaker": "USER", "utterance": text, "frames": [{"actions": actions, "slots": [], "state": {
        "active_intent": intent, "requested_slots": [], "slot_values": {k: [v] for k, v in state.items()}}}]}


def system(text: str, method: str | None = None, results: list[dict] | None = None) -> dict:
    frame: dict = {"actions": [], "slots": []}
    if method:
        frame.update(service_call={"method": method, "parameters": {}}, service_results=results or [])
    return {"speaker": "SYSTEM", "utterance": text, "frames": [frame]}


DIALOGUE = {"dialogue_id": "1_00001", "services": ["Hotels_2"], "turns": [
    user("Find me a house in NYC",
         [act("INFORM_INTENT", "intent", "SearchHouse"), act("INFORM", "where_to", "New York", said="NYC")],
         "SearchHouse", {"where_to": "NYC"}),
    system("There is one at 1 Main St", "SearchHouse", [{"where_to": "New York", "address": "1 Main St"},
                                                        {"where_to": "New York", "address": "1 Main St"}]),
    user("Sounds good, book it for two", [act("SELECT"), act("INFORM", "number_of_adults", "2"),
                                          act("INFORM_INTENT", "intent", "BookHouse")],
         "BookHouse", {"where_to": "NYC", "number_of_adults": "2"}),
    system("Shall I book it?"),
    user("Yes please", [act("AFFIRM")], "BookHouse", {"where_to": "NYC", "number_of_adults": "2"}),
    user("New York is perfect", [act("SELECT", "where_to", "New York")], "BookHouse",
         {"where_to": "NYC", "number_of_adults": "2"}),
    user("No thanks, that's all", [act("NEGATE"), act("THANK_YOU")], "BookHouse",
         {"where_to": "NYC", "number_of_adults": "2"}),
    user("Any budget is fine", [act("INFORM", "where_to", "dontcare"), act("HELLO")], "BookHouse",
         {"where_to": "NYC", "number_of_adults": "2"}),
]}
MAPPING = {"now": "2019-03-01T12:00:00", "intents": {"SearchHouse": "search_house", "BookHouse": "book_house"},
           "acts": {"NEGATE+THANK_YOU": "goodbye", "SELECT": "affirm", "AFFIRM": "affirm", "NEGATE": "deny"},
           "slots": {"where_to": "city", "number_of_adults": "guests"}, "tasks": {"BookHouse": "book_house"},
           "results": {"SearchHouse": "houses"}}


@pytest.fixture
def sgd(tmp_path) -> Path:
    (tmp_path / "schema.json").write_text(json.dumps(SCHEMA))
    (tmp_path / "test.json").write_text(json.dumps([DIALOGUE]))
    return tmp_path


def test_sgd_turns_read_through_the_mapping(sgd) -> None:
    [conversation] = read_conversations(sgd, CorpusMapping.model_validate(MAPPING))
    assert conversation.id == "1_00001" and str(conversation.now) == "2019-03-01 12:00:00"
    assert [(t.text, t.intent, t.slots) for t in conversation.turns] == [
        ("Find me a house in NYC", "search_house", {"city": "New York"}),  # the intent it informs wins
        ("Sounds good, book it for two", "book_house", {"guests": "2"}),
        ("Yes please", "affirm", {}),
        ("New York is perfect", "affirm", {"city": "New York"}),  # a value picked is a value given
        ("No thanks, that's all", "goodbye", {}),  # a combination comes first in the mapping
        ("Any budget is fine", None, {}),  # no act mapped: not scored; dontcare is no value
    ]
    assert conversation.turns[0].said == {"city": "NYC"}  # as the user said it, for the value reading
    # the other intents a turn's acts mean: right too by the any-act figure
    assert [t.also for t in conversation.turns] == [frozenset(), {"affirm"}, frozenset(), frozenset(), {"deny"},
                                                    frozenset()]
    assert conversation.task == "book_house" and conversation.complete
    assert conversation.final == {"city": "New York", "guests": "2"}  # canonical, though the state says "NYC"
    assert conversation.rows == {"houses": [{"city": "New York", "address": "1 Main St"}]}  # once, slots renamed


def test_a_task_without_every_value_it_needs_does_not_count(sgd) -> None:
    mapping = CorpusMapping.model_validate({**MAPPING, "tasks": {"SearchHouse": "search_house"}})
    search = {**DIALOGUE, "turns": DIALOGUE["turns"][:1]}
    (sgd / "test.json").write_text(json.dumps([search]))
    [conversation] = read_conversations(sgd, mapping)
    assert conversation.task == "search_house" and conversation.complete
    short = {**SCHEMA, "intents": [{"name": "SearchHouse", "required_slots": ["where_to", "check_in_date"]}]}
    (sgd / "schema.json").write_text(json.dumps(short))
    [conversation] = read_conversations(sgd, mapping)
    assert not conversation.complete


def test_jsonl_conversations_are_in_the_domains_terms(tmp_path) -> None:
    path = tmp_path / "logs.jsonl"
    path.write_text(json.dumps({"id": "c1", "now": "2026-03-01T09:00:00", "task": "book_table",
                                "final": {"party_size": 4},
                                "turns": [{"text": "a table for 4", "intent": "book_table", "slots": {"party_size": 4},
                                           "also": ["inform"]},
                                          {"text": "hmm"}]}) + "\n\n")
    [conversation] = read_conversations(path, None)
    assert conversation.task == "book_table" and conversation.complete and conversation.final == {"party_size": 4}
    assert [(t.text, t.intent, t.slots) for t in conversation.turns] == [
        ("a table for 4", "book_table", {"party_size": 4}), ("hmm", None, {})]
    assert [t.also for t in conversation.turns] == [{"inform"}, frozenset()]


@pytest.mark.parametrize(("content", "message"), [
    ('{"turns": [{"text": "hi"}]}\n', "logs.jsonl:1: no `now`"),
    ('{"now": "2026-03-01"}\nnot json\n', "logs.jsonl:1: not a conversation (KeyError"),
    ('{"now": "2026-03-01", "turns": [{"text": "hi"}]}\nnot json\n', "logs.jsonl:2: not a conversation"),
])
def test_a_bad_jsonl_line_is_named(tmp_path, content, message) -> None:
    path = tmp_path / "logs.jsonl"
    path.write_text(content)
    with pytest.raises(CorpusError, match=message.replace("(", r"\(")):
        read_conversations(path, None)


def test_bad_sgd_files_are_named(sgd) -> None:
    mapping = CorpusMapping.model_validate(MAPPING)
    with pytest.raises(CorpusError, match="need a mapping"):
        read_conversations(sgd, None)
    with pytest.raises(CorpusError, match=r"dev.json: cannot be read"):
        read_conversations(sgd, mapping, split="dev")
    (sgd / "test.json").write_text("[{")
    with pytest.raises(CorpusError, match=r"test\.json: not JSON"):
        read_conversations(sgd, mapping)
    (sgd / "test.json").write_text('{"dialogues": []}')
    with pytest.raises(CorpusError, match="not Schema-Guided Dialogue dialogues"):
        read_conversations(sgd, mapping)
    (sgd / "schema.json").write_text('{"intents": [{"name": "BookHouse"}]}')
    with pytest.raises(CorpusError, match=r"schema\.json: not a Schema-Guided Dialogue schema"):
        read_conversations(sgd, mapping)
    (sgd / "schema.json").write_text(json.dumps(SCHEMA))
    (sgd / "test.json").write_text(json.dumps([{"dialogue_id": "9_1", "turns": [{"speaker": "USER"}]}]))
    with pytest.raises(CorpusError, match="dialogue 9_1: not in the Schema-Guided Dialogue format"):
        read_conversations(sgd, mapping)


def test_a_mapping_names_what_is_wrong(tmp_path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text("now: 2019-03-01T12:00:00\nintents: {SearchHouse: find_restaurant}\nslots: {where_to: town}\n")
    restaurant = load_domain("restaurant")
    with pytest.raises(MappingError, match="slots: domain 'restaurant' has no slot 'town'; it has area, booking_ref"):
        CorpusMapping.read(path).check(restaurant, path)
    path.write_text("intents: [a, b]\n")
    with pytest.raises(MappingError, match=r"mapping\.yaml: now: Field required"):
        CorpusMapping.read(path)
    path.write_text("now: [\n")
    with pytest.raises(MappingError, match=r"mapping\.yaml: not YAML"):
        CorpusMapping.read(path)


def test_the_sgd_example_domains_and_their_mappings_agree() -> None:
    """Each domain authored from an SGD set loads, and its mapping names only what it has."""
    folders = sorted(Path(__file__, "../../../../examples/sgd").resolve().iterdir())
    assert folders
    for folder in folders:
        [domain_file] = [path for path in folder.glob("*.yaml") if path.name != "sgd-mapping.yaml"]
        mapping = folder / "sgd-mapping.yaml"
        CorpusMapping.read(mapping).check(load_domain(domain_file), mapping)
