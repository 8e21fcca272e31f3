"""The engine end to end: steps, latency breakdown, and bad input that never becomes a traceback."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.domains.interpretation import EntitySpan, Expectation, Interpretation
from dialogue.engine import Engine
from dialogue.turns import InputError, UserInput
from tests.conftest import restaurant_files

STEPS = {"load", "nlu", "guards", "policy", "nlg", "store", "total"}


class KeywordNlu:
    """A stand-in understander for unit tests of the engine (the real one is the ONNX model)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        self.seen.append(text)
        intent = "book_table" if "book" in text else "out_of_scope"
        return Interpretation(intent=intent, text=text, confidence=0.9, source="nlu")


@pytest.fixture(scope="module")
def domain():
    return load_domain("restaurant")


@pytest.fixture
def engine(domain) -> Engine:
    return Engine(domain)


def test_a_turn_reports_every_step(engine: Engine) -> None:
    result = engine.handle("s", "/book_table")
    assert set(result.latency_ms) == STEPS
    assert all(v >= 0 for v in result.latency_ms.values())
    assert result.latency_ms["total"] >= max(v for k, v in result.latency_ms.items() if k != "total")
    assert result.turn == 1 and result.state.active_task == "book_table"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_silence(engine: Engine, text: str) -> None:
    engine.handle("s", "/book_table")
    assert engine.handle("s", text).responses == ["no_input", "ask_cuisine"]


def test_free_text_without_a_model_says_how_to_train(engine: Engine) -> None:
    with pytest.raises(InputError) as caught:
        engine.handle("s", "x" * 1_000_000)
    assert caught.value.field == "text"
    assert "dialogue train restaurant" in str(caught.value)
    assert engine.store.load("restaurant", "s") is None


def test_a_domain_given_by_path_is_named_by_its_path_in_the_hint(tmp_path) -> None:
    path = tmp_path / "my-restaurant.yaml"
    path.write_text(load_domain("restaurant").model_dump_json(by_alias=True, exclude={"tests"}), encoding="utf-8")
    restaurant_files(tmp_path)
    engine = Engine.from_domain(path, models=tmp_path / "no-models")
    assert engine.nlu is None
    with pytest.raises(InputError, match=f"dialogue train {path}"):
        engine.handle("s", "a table please")


def test_from_domain_takes_the_trained_model_from_the_models_folder_and_a_database(bundled_models, tmp_path,
                                                                                   monkeypatch) -> None:
    monkeypatch.setenv("DIALOGUE_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "models").symlink_to(bundled_models)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    engine = Engine.from_domain("restaurant", db=db)
    assert engine.nlu is not None and engine.store.shown.endswith("store.db")
    result = engine.handle("s", "book a table for 4 people", user_id="ana")
    assert result.understood.source == "nlu" and result.state.slots["party_size"] == 4
    assert Engine.from_domain("restaurant", db=db, models=tmp_path / "empty").nlu is None
    assert Engine.from_domain("restaurant", models=bundled_models).store.load("restaurant", "s") is None


def test_huge_text_is_cut_with_a_warning(domain) -> None:
    nlu = KeywordNlu()
    engine = Engine(domain, nlu=nlu)
    result = engine.handle("s", "book " + "\x00\u202e✓" * 400_000)
    assert len(nlu.seen[0]) == domain.settings.max_input_chars
    assert result.responses == ["ask_cuisine"]
    assert any("was cut to 2,000" in w for w in result.warnings)


@pytest.mark.parametrize(("raw", "field"), [
    ("/no_such_intent", "intent"),
    ('/book_table{"colour": "red"}', "entities"),
    ("/book_table{", "text"),
    ('/book_table{"a": [1, 2}', "text"),
    ("/book_table[1]", "intent"),
    ("/", "text"),
])
def test_malformed_structured_input_is_refused_and_changes_nothing(engine: Engine, raw: str, field: str) -> None:
    engine.handle("s", "/book_table")
    with pytest.raises(InputError) as caught:
        engine.handle("s", raw)
    assert caught.value.field == field
    assert engine.store.load("restaurant", "s").turn == 1


def test_a_huge_slot_value_gets_a_defined_reply(engine: Engine) -> None:
    engine.handle("s", "/book_table")
    result = engine.handle("s", UserInput(intent="inform", entities={"cuisine": "x" * 1_000_000}))
    assert result.responses == ["invalid_value", "ask_cuisine"]


@pytest.mark.parametrize(("user_input", "field"), [
    (UserInput(event="dtmf", digits="12a"), "digits"),
    (UserInput(event="dtmf", digits="1" * 33), "digits"),
])
def test_bad_digits(engine: Engine, user_input: UserInput, field: str) -> None:
    with pytest.raises(InputError) as caught:
        engine.handle("s", user_input)
    assert caught.value.field == field


def test_unknown_events_and_shapes_are_refused_by_the_input_model() -> None:
    with pytest.raises(ValidationError, match="event"):
        UserInput(event="explode")
    with pytest.raises(ValidationError, match="exactly one"):
        UserInput(text="a", intent="b")
    with pytest.raises(ValidationError, match="digits"):
        UserInput(event="dtmf")


@pytest.mark.parametrize(("kwargs", "field"), [({"channel": "fax"}, "channel"), ({"session": ""}, "session_id"),
                                               ({"session": "s" * 201}, "session_id")])
def test_bad_channel_or_session(engine: Engine, kwargs: dict, field: str) -> None:
    session = kwargs.pop("session", "s")
    with pytest.raises(InputError) as caught:
        engine.handle(session, "/greet", **kwargs)
    assert caught.value.field == field


def test_unknown_digits_are_a_no_match(engine: Engine) -> None:
    engine.handle("s", "/book_table")
    assert engine.handle("s", UserInput(event="dtmf", digits="#")).responses == ["fallback", "ask_cuisine"]


def test_sessions_and_users_are_separate(engine: Engine) -> None:
    engine.handle("a", '/book_table{"cuisine": "italian"}', user_id="u1")
    other = engine.handle("b", "/book_table", user_id="u2")
    assert other.state.slots == {}


def test_naive_and_aware_clocks(engine: Engine) -> None:
    engine.handle("s", '/book_table{"cuisine": "italian", "party_size": 2}', now=dt.datetime(2026, 11, 25, 23, 30))
    today = engine.handle("s", '/inform{"date": "2026-11-25"}', now=dt.datetime(2026, 11, 25, 23, 30))
    assert today.responses == ["ask_time"]
    utc_next_day = dt.datetime(2026, 11, 26, 0, 30, tzinfo=dt.UTC)  # 00:30 in London too
    engine.handle("t", '/book_table{"cuisine": "italian", "party_size": 2}', now=utc_next_day)
    assert engine.handle("t", '/inform{"date": "2026-11-25"}', now=utc_next_day).responses[0] == "date_unavailable"


SEVERAL = """\
version: 1
name: several
slots:
  party_size: {type: integer}
  name: {type: text, pii: true}
intents:
  book_table: [book a table]
  ask_hours: [when are you open]
tasks:
  book_table:
    triggers: [book_table]
    policy: frame
    slots: [{slot: party_size}, {slot: name}]
    on_complete: [respond: booked]
  hours:
    triggers: [ask_hours]
    policy: frame
    digression: true
    on_complete: [respond: hours]
guards:
  - name: hours_only_on_the_phone
    stage: input
    when: "intent.name == 'ask_hours' and slots.party_size == 13"
    veto: true
    actions: [respond: call_us]
responses:
  ask_party_size: How many of you?
  ask_name: Your name?
  booked: Booked.
  hours: Noon to eleven.
  call_us: Please call us for that.
"""


class Said:
    """A stand-in understander that reads each text as the interpretation given for it."""

    def __init__(self, readings: dict[str, Interpretation]) -> None:
        self.readings = readings

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        return self.readings[text]


def several_requests(tmp_path, readings: dict[str, Interpretation], **options) -> Engine:
    path = tmp_path / "several.yaml"
    path.write_text(SEVERAL, encoding="utf-8")
    return Engine(load_domain(path), nlu=Said(readings), **options)


def _thing(intent: str, text: str, **entities) -> Interpretation:
    return Interpretation(intent=intent, entities=entities, text=text, source="nlu")


def test_each_thing_a_message_asks_is_taken_in_the_order_said_and_the_question_asked_once(tmp_path) -> None:
    text = "a table for 4, and when are you open?"
    said = _thing("book_table", text, party_size=4).model_copy(
        update={"also": [_thing("ask_hours", "when are you open?")]})
    engine = several_requests(tmp_path, {text: said})
    result = engine.handle("s", text)
    assert result.responses == ["hours", "ask_name"], "ask_name was asked before the hours too"
    assert result.state.active_task == "book_table" and result.state.slots == {"party_size": 4}
    assert result.understood is not None and result.understood.intent == "book_table"
    assert [thing.intent for thing in result.understood.also] == ["ask_hours"]


def test_a_message_that_ends_the_conversation_ends_it_before_its_other_things(tmp_path) -> None:
    text = "bye, and when are you open?"
    said = _thing("goodbye", text).model_copy(update={"also": [_thing("ask_hours", "when are you open?")]})
    result = several_requests(tmp_path, {text: said}).handle("s", text)
    assert result.responses == ["goodbye"] and result.ended


def test_the_input_guards_review_each_thing_of_a_message(tmp_path) -> None:
    text = "13 of us, and when are you open?"
    said = _thing("book_table", text, party_size=13).model_copy(
        update={"also": [_thing("ask_hours", "when are you open?")]})
    result = several_requests(tmp_path, {text: said}).handle("s", text)
    assert "hours" not in result.responses and "call_us" in result.responses
    assert result.state.slots == {"party_size": 13}


def test_values_of_pii_slots_in_any_thing_of_a_message_are_redacted_in_the_log(tmp_path) -> None:
    text = "book a table, and when are you open, I'm Ana Lopez"
    said = _thing("book_table", text).model_copy(
        update={"also": [_thing("ask_hours", "when are you open, I'm Ana Lopez", name="Ana Lopez")]})
    store = SqlStore(f"sqlite:///{tmp_path / 'log.db'}")
    several_requests(tmp_path, {text: said}, store=store).handle("s", text)
    with store.database.transaction(write=False) as connection:
        logged = "".join(row[0] for row in connection.exec_driver_sql("SELECT data FROM dialogue_events"))
    store.close()
    assert "ask_hours" in logged and "Ana Lopez" not in logged


CINEMA = """\
version: 1
name: cinema
slots:
  movie: {type: text, lookup: [films.title]}
  seats: {type: integer}
intents:
  buy: [two for a film]
memory:
  tables:
    films:
      columns: {title: text}
      seed: [{title: Ad Astra}, {title: After The Wedding}]
tasks:
  buy:
    triggers: [buy]
    policy: frame
    slots: [{slot: movie}, {slot: seats}]
    on_complete: [respond: sold]
responses:
  ask_movie: Which film?
  ask_seats: How many seats?
  sold: "{{ slots.seats }} for {{ slots.movie }}."
"""


def test_a_name_in_a_lookup_table_is_the_slots_value_though_the_model_cut_it(tmp_path) -> None:
    text = "two for ad astro please"
    cut = _thing("buy", text, movie="ad").model_copy(update={"spans": [EntitySpan(
        slot="movie", text="ad", value="ad", start=8, end=10, normalised=True, source="model")]})
    path = tmp_path / "cinema.yaml"
    path.write_text(CINEMA, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=Said({text: cut, "shazam please": _thing("inform", "shazam please")}),
                    store=SqlStore(f"sqlite:///{tmp_path / 'cinema.db'}"))
    result = engine.handle("s", text)
    assert result.state.slots == {"movie": "Ad Astra"} and result.responses == ["ask_seats"]
    assert result.understood is not None and result.understood.spans[0].text == "ad astro"
    assert engine.handle("t", "/buy").responses == ["ask_movie"]
    assert engine.handle("t", "shazam please").state.slots == {}
    engine.tables.insert("films", {"title": "Shazam!"})  # the names are the table's as each turn reads it
    assert engine.handle("t", "shazam please").state.slots == {"movie": "Shazam!"}
    engine.store.close()


def test_a_name_in_a_stored_result_is_found_too(tmp_path) -> None:
    domain = CINEMA.replace("lookup: [films.title]", "lookup: [results.showing.title]").replace(
        "  buy: [two for a film]", "  buy: [two for a film]\n  search: [what's on]").replace(
        "tasks:\n", "tasks:\n  search:\n    triggers: [search]\n    policy: frame\n    on_complete:\n"
                    "      - select: {table: films, where: {}, result: showing}\n      - respond: sold\n")
    path = tmp_path / "cinema.yaml"
    path.write_text(domain, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=Said({"ad astro please": _thing("buy", "ad astro please")}))
    assert engine.handle("s", "ad astro please").state.slots == {}  # nothing searched yet: no names
    engine.handle("t", "/search")
    assert engine.handle("t", "ad astro please").state.slots == {"movie": "Ad Astra"}


class Recording(KeywordNlu):
    """KeywordNlu that notes what each text was read as the answer to."""

    def __init__(self) -> None:
        super().__init__()
        self.expected: list[Expectation | None] = []

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        self.expected.append(expecting)
        return super().parse(text, now=now)


def test_each_message_is_read_as_the_answer_to_what_the_last_turn_asked(domain, tmp_path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'sessions.db'}")
    nlu = Recording()
    engine = Engine(domain, nlu=nlu, store=store)
    engine.handle("s", "hello")
    engine.handle("s", "/book_table")
    engine.handle("s", "something odd")
    engine.handle("s", '/inform{"cuisine": "italian"}')
    engine.handle("s", "four of us")
    asked = [Expectation(kind="slot", slot=slot) for slot in ("cuisine", "party_size")]
    assert nlu.expected == [None, *asked]
    elsewhere = Recording()  # another server, which has not seen the session: it reads the store
    Engine(domain, nlu=elsewhere, store=store).handle("s", "four of us")
    assert elsewhere.expected == [asked[1]]
    engine.reset("s")
    engine.handle("s", "hello again")
    assert nlu.expected[-1] is None


def test_a_store_that_cannot_be_read_before_the_turn_leaves_the_message_read_alone(domain) -> None:
    from dialogue.dm.errors import StoreError
    from dialogue.dm.sql import MemoryStore

    class ReadableOnSecondTry(MemoryStore):
        failed = False

        def load(self, domain: str, session_id: str):
            if not self.failed:
                self.failed = True
                raise StoreError("the database is down")
            return super().load(domain, session_id)

    nlu = Recording()
    engine = Engine(domain, nlu=nlu, store=ReadableOnSecondTry())
    assert engine.handle("s", "book a table").state.active_task == "book_table"
    assert nlu.expected == [None] and engine.store.failed
    engine.handle("s", "something odd")
    assert nlu.expected[-1] == Expectation(kind="slot", slot="cuisine"), "the turn's own answer is remembered"


def test_a_domain_can_read_each_message_alone(domain) -> None:
    alone = domain.model_copy(deep=True)
    alone.settings.nlu.in_context = False
    nlu = Recording()
    engine = Engine(alone, nlu=nlu)
    engine.handle("s", "/book_table")
    engine.handle("s", "something odd")
    assert nlu.expected == [None] and engine.expectation_at_hand("s")


def test_a_no_after_the_question_its_own_message_led_to_answers_nothing(tmp_path) -> None:
    """"Book a table. I haven't decided much" (a no the model found in the second clause) does not stop the booking
    the first clause began: the no answers no question asked before it. A no said to the question a turn later
    declines the value alone ("no phone"), and the question is asked again; said with a leave-taking ("No, not now.
    That's all"), it stops the task."""
    text = "book a table. I haven't decided much"
    said = _thing("book_table", text).model_copy(update={"also": [_thing("deny", "I haven't decided much")]})
    leaving = _thing("deny", "no, not now.").model_copy(update={"also": [_thing("goodbye", "That's all")]})
    engine = several_requests(tmp_path, {text: said, "no": _thing("deny", "no"), "no, not now. That's all": leaving})
    kept = engine.handle("s", text)
    assert kept.responses == ["ask_party_size"] and kept.state.active_task == "book_table"
    assert "escalate:no_match" not in kept.actions
    declined = engine.handle("s", "no")
    assert declined.responses == ["ask_party_size"] and declined.state.active_task == "book_table"
    assert "escalate:no_match" not in declined.actions
    stopped = engine.handle("s", "no, not now. That's all")
    assert stopped.responses == ["cancelled", "goodbye"] and stopped.state.active_task is None


def proposing(tmp_path, readings: dict[str, Interpretation]) -> Engine:
    """The `several` domain with a search that proposes the booking ("find me one")."""
    text = SEVERAL.replace("  ask_hours: [when are you open]", "  ask_hours: [when are you open]\n"
                           "  find_table: [find me one]").replace("  hours:\n", (
        "  find_table:\n    triggers: [find_table]\n    policy: frame\n    slots: []\n"
        "    on_complete: [propose_task: {task: book_table, ask: shall_i_book}]\n  hours:\n")).replace(
        "responses:\n", "responses:\n  shall_i_book: Shall I book one?\n")
    (tmp_path / "several.yaml").write_text(text, encoding="utf-8")
    return Engine(load_domain(tmp_path / "several.yaml"), nlu=Said(readings))


def test_a_proposal_is_asked_again_after_a_question_the_same_message_asks(tmp_path) -> None:
    """"Find me one. When are you open?": the search proposes the booking, the question is answered, and the
    proposal is asked last, once: it is what the user has to answer."""
    text = "find me one. When are you open?"
    said = _thing("find_table", "find me one.").model_copy(update={"also": [_thing("ask_hours", "When are you open?")]})
    answered = proposing(tmp_path, {text: said}).handle("s", text)
    assert answered.responses == ["hours", "shall_i_book"] and "propose_task:book_table" in answered.actions


def test_no_more_is_offered_to_a_message_that_takes_its_leave(tmp_path) -> None:
    """"No, that's all" to a proposed task declines it and ends the conversation, without asking "Is there
    anything else I can help with?" first; a no alone asks it. A task the message's own request proposes is not
    asked when the message then takes its leave."""
    leaving = _thing("deny", "No").model_copy(update={"also": [_thing("goodbye", "that's all")]})
    engine = proposing(tmp_path, {"find me one": _thing("find_table", "find me one"), "no": _thing("deny", "no"),
                                  "No, that's all": leaving})
    for session in ("s", "t"):
        assert engine.handle(session, "find me one").responses == ["shall_i_book"]
    assert engine.handle("s", "no").responses == ["proposal_declined"]
    ended = engine.handle("t", "No, that's all")
    assert ended.responses == ["goodbye"] and ended.ended
    text = "find me one. That's all I wanted, thanks"
    found_and_left = _thing("find_table", "find me one.").model_copy(
        update={"also": [_thing("goodbye", "That's all I wanted, thanks")]})
    engine = proposing(tmp_path, {text: found_and_left})
    left = engine.handle("u", text)
    assert left.responses == ["goodbye"] and left.ended and "propose_task:book_table" in left.actions


def test_a_later_request_not_understood_escalates_nothing(tmp_path) -> None:
    """"Book a table. Please help me out there" (the second clause not understood here): the booking is answered, with
    no apology for the rest; the same words alone are not understood."""
    text = "book a table. Please help me out there"
    said = _thing("book_table", text).model_copy(update={"also": [_thing("nlu_fallback", "Please help me out there")]})
    engine = several_requests(tmp_path, {text: said, "hm": _thing("nlu_fallback", "hm")})
    answered = engine.handle("s", text)
    assert answered.responses == ["ask_party_size"] and "escalate:no_match" not in answered.actions
    assert "escalate:no_match" in engine.handle("s", "hm").actions
