"""Search, offer, select: rows offered a few at a time; the user takes one by yes, by its place or by naming it
(names the NLU never learnt), asks for others, or goes on to something else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dialogue.domains import load_domain
from dialogue.domains.errors import DomainError
from dialogue.domains.interpretation import Expectation, Interpretation
from dialogue.engine import Engine
from dialogue.policies.offers import named_row, read_reply
from dialogue.turns import UserInput
from tests.policies.unsure_nlu import UnsureNlu

DOMAIN = """\
version: 1
name: dining
slots:
  cuisine: {type: text}
  restaurant: {type: text}
  area: {type: text}
  party: {type: integer}
intents:
  find: ["find me a [chinese](cuisine) place"]
  book: ["book [Roma](restaurant)"]
  weather: [what's the weather]
  hours: [when do you open]
memory:
  tables:
    places:
      columns: {name: text, cuisine: text, area: text}
      seed:
        - {name: Golden Dragon, cuisine: chinese, area: centre}
        - {name: Trattoria Roma, cuisine: italian, area: harbour}
        - {name: Jade Garden, cuisine: chinese, area: north}
tasks:
  find:
    policy: frame
    triggers: [find]
    slots: [{slot: cuisine, optional: true}]
    persisted_slots: [cuisine]
    on_complete:
      - select: {table: places, result: places, order_by: name, filter: {cuisine: "{{ slots.cuisine }}"}}
      - offer:
          result: places
          size: SIZE
          ask: offer_places
          fill: {restaurant: name, area: area}
          match: [name, cuisine]
          on_select: [{propose_task: {task: book, ask: shall_i_book}}]
  book:
    policy: frame
    triggers: [book]
    slots: [{slot: restaurant}, {slot: party}]
    on_complete: [respond: booked]
  weather:
    policy: frame
    triggers: [weather]
    on_complete: [respond: sunny]
  hours:
    policy: frame
    triggers: [hours]
    digression: true
    on_complete: [respond: opening_hours]
responses:
  offer_places: "{% for row in offered.rows %}{{ offered.number + loop.index0 }}. {{ row.name }} ({{ row.cuisine }}) \
{% endfor %}{% if offered.more %}(more){% endif %}"
  shall_i_book: Shall I book {{ slots.restaurant }}?
  ask_restaurant: Which restaurant?
  ask_party: For how many?
  booked: Booked {{ slots.restaurant }} in the {{ slots.area }} for {{ slots.party }}.
  sunny: Sunny.
  opening_hours: From noon.
"""

INTENTS = {"find": "find", "yes": "affirm", "no": "deny", "weather": "weather", "book": "book", "four": "inform",
           "open": "hours"}

ENTITIES = {"four": ("party", 4), "italian": ("cuisine", "italian"), "oriental": ("cuisine", "chinese")}


class KeywordNlu:
    """Reads the intent from a keyword (isolating the offer from a trained model); other text is not understood."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        intent = next((name for word, name in INTENTS.items() if word in text.lower()), "nlu_fallback")
        entities = next(({slot: value} for word, (slot, value) in ENTITIES.items() if word in text.lower()), {})
        return Interpretation(intent=intent, confidence=0.9 if intent != "nlu_fallback" else 0.2, text=text,
                              entities=entities)


def dining(tmp_path: Path, size: int = 1, text: str = DOMAIN) -> Engine:
    path = tmp_path / "dining.yaml"
    path.write_text(text.replace("SIZE", str(size)), encoding="utf-8")
    return Engine(load_domain(path), nlu=KeywordNlu())


def state(engine: Engine):
    return engine.store.load("dining", "s")


def say(engine: Engine, text: str) -> str:
    return engine.handle("s", UserInput(text=text)).text


def test_yes_takes_the_offered_row_and_its_values_carry_into_the_next_task(tmp_path: Path) -> None:
    engine = dining(tmp_path)
    assert say(engine, "find a place") == "1. Golden Dragon (chinese) (more)"
    assert say(engine, "yes, suits me") == "Shall I book Golden Dragon?"
    state = engine.handle("s", UserInput(text="yes")).state
    assert state.active_task == "book" and state.slots["restaurant"] == "Golden Dragon"
    assert say(engine, "four of us") == "Booked Golden Dragon in the centre for 4."


def test_no_and_anything_else_offer_the_next_rows_until_none_are_left_and_those_stay_on_offer(tmp_path: Path) -> None:
    engine = dining(tmp_path)
    say(engine, "find a place")
    assert say(engine, "anything else?") == "2. Jade Garden (chinese) (more)"
    assert say(engine, "no") == "3. Trattoria Roma (italian)"
    assert say(engine, "no") == "Sorry, that's all I have."
    assert state(engine).offering is not None  # what was offered may still be taken
    assert say(engine, "no") == "Sorry, that's all I have."
    assert say(engine, "the first one then") == "Shall I book Golden Dragon?"


def test_asking_for_others_while_the_task_a_search_leads_to_goes_runs_that_search_with_its_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A booking asked for outright, its cuisine given, then "any other options?" (an intent that starts nothing):
    the search runs on the booking with the booking's cuisine, and the row taken goes into the booking, which
    resumes. Without a task going, the same words start nothing."""
    text = DOMAIN.replace("  hours: [when do you open]", "  hours: [when do you open]\n  others: [any other options]")
    text = text.replace("slots: [{slot: restaurant}, {slot: party}]",
                        "slots: [{slot: cuisine, optional: true}, {slot: restaurant}, {slot: party}]")
    monkeypatch.setitem(INTENTS, "options", "others")
    engine = dining(tmp_path, text=text)
    assert say(engine, "any other options?") == "Sorry, I didn't understand that."
    assert say(engine, "book") == "Which restaurant?"
    say(engine, "italian, please")
    assert say(engine, "any other options?") == "1. Trattoria Roma (italian)"
    assert [frame.task for frame in state(engine).stack] == ["book"] and state(engine).offering is not None
    assert say(engine, "yes") == "Let's get back to where we were.\nFor how many?"
    assert say(engine, "four") == "Booked Trattoria Roma in the harbour for 4."


def test_asking_for_others_just_after_taking_a_row_offers_the_next(tmp_path: Path) -> None:
    """"Shall I book Golden Dragon?" - "that won't work, I'd like another place": the proposal is declined and
    the offer goes on where it was; asking for others once the proposal is answered does not."""
    engine = dining(tmp_path)
    say(engine, "find a place")
    assert say(engine, "yes, suits me") == "Shall I book Golden Dragon?"
    assert say(engine, "that won't work, I'd like another place") == "2. Jade Garden (chinese) (more)"
    assert state(engine).proposed is None and state(engine).offering is not None
    assert say(engine, "yes") == "Shall I book Jade Garden?"
    assert say(engine, "no") == "Okay. Is there anything else I can help with?"
    assert say(engine, "another one?") != "3. Trattoria Roma (italian)"


def test_a_row_is_taken_by_the_value_the_turn_gives_for_its_slot(tmp_path: Path) -> None:
    """The NLU (or the domain's `lookup`) gives the name where the words are not close to it ("IT two" for "IT
    Chapter Two"); a row of the result not offered yet is taken too."""
    class Names(KeywordNlu):
        def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
            read = super().parse(text, now=now, expecting=expecting)
            if "pasta place" in text:
                return read.model_copy(update={"intent": "affirm", "entities": {"restaurant": "trattoria roma"}})
            return read

    engine = dining(tmp_path)
    engine.nlu = Names()
    assert say(engine, "find a place") == "1. Golden Dragon (chinese) (more)"
    taken = engine.handle("s", UserInput(text="that pasta place sounds perfect"))
    assert taken.text == "Shall I book Trattoria Roma?"  # the row's name names the row: no request to book yet
    assert taken.state.slots["restaurant"] == "Trattoria Roma" and taken.state.slots["area"] == "harbour"


@pytest.mark.parametrize("reply, taken", [
    ("the second one", "Jade Garden"),
    ("number 3 please", "Trattoria Roma"),
    ("the last", "Trattoria Roma"),
    ("golden dragn", "Golden Dragon"),  # a typo of a name no example ever had
    ("the italian one", "Trattoria Roma"),
])
def test_a_row_is_taken_by_its_place_or_by_naming_it(tmp_path: Path, reply: str, taken: str) -> None:
    engine = dining(tmp_path, size=3)
    assert say(engine, "find a place").startswith("1. Golden Dragon (chinese) 2. Jade Garden")
    assert say(engine, reply) == f"Shall I book {taken}?"


def test_a_yes_to_several_rows_asks_which_and_a_name_shared_by_two_takes_neither(tmp_path: Path) -> None:
    engine = dining(tmp_path, size=3)
    say(engine, "find a place")
    assert say(engine, "yes") == "Which one would you like: Golden Dragon, Jade Garden or Trattoria Roma?"
    assert say(engine, "a chinese one") == "Sorry, I didn't understand that."  # two chinese rows: no pick
    assert state(engine).offering is not None  # still open
    assert say(engine, "number two") == "Shall I book Jade Garden?"


def test_a_name_shared_by_rows_that_fill_the_same_values_takes_the_first(tmp_path: Path) -> None:
    """The same film at two cinemas, when the offer fills only the film: naming it is no ambiguity; when the rows
    fill different values (here the area too), it is."""
    twice = DOMAIN.replace("        - {name: Jade Garden, cuisine: chinese, area: north}\n",
                           "        - {name: Jade Garden, cuisine: chinese, area: north}\n"
                           "        - {name: Golden Dragon, cuisine: chinese, area: harbour}\n")
    engine = dining(tmp_path, size=3, text=twice.replace("fill: {restaurant: name, area: area}",
                                                         "fill: {restaurant: name}"))
    say(engine, "find a place")
    assert say(engine, "golden dragon sounds good") == "Shall I book Golden Dragon?"
    assert state(engine).slots["restaurant"] == "Golden Dragon"

    engine = dining(tmp_path, size=3, text=twice)
    say(engine, "find a place")
    assert say(engine, "golden dragon sounds good") == "Sorry, I didn't understand that."
    assert state(engine).offering is not None


@pytest.mark.parametrize("reply", ["another one, italian please", "something italian"])  # a no; not understood
def test_a_new_value_of_what_was_searched_for_searches_again_and_the_same_value_asks_for_others(
        tmp_path: Path, reply: str) -> None:
    engine = dining(tmp_path)
    assert say(engine, "find a place") == "1. Golden Dragon (chinese) (more)"
    searched = engine.handle("s", UserInput(text=reply))
    assert searched.text == "1. Trattoria Roma (italian)"
    assert searched.understood.intent == ("deny" if "another" in reply else "inform")  # not understood: its values
    assert state(engine).slots["cuisine"] == "italian"
    # the value searched for again: a no asks for the next rows
    assert engine.handle("s", UserInput(intent="deny", entities={"cuisine": "italian"})).text == \
        "Sorry, that's all I have."


def test_a_yes_to_several_rows_with_a_new_value_of_what_was_searched_for_searches_again(tmp_path: Path) -> None:
    """"Yes, italian please" to the two chinese places: no "which one?", the search runs again with the value."""
    engine = dining(tmp_path, size=3)
    assert say(engine, "find an oriental place") == "1. Golden Dragon (chinese) 2. Jade Garden (chinese)"
    assert say(engine, "yes, italian please") == "Got it, I've updated that.\n1. Trattoria Roma (italian)"
    assert state(engine).slots["cuisine"] == "italian"


def test_rows_turned_down_for_a_new_search_come_last_in_it_until_one_is_taken(tmp_path: Path) -> None:
    engine = dining(tmp_path)
    assert say(engine, "find a place") == "1. Golden Dragon (chinese) (more)"
    assert say(engine, "another one, something oriental") == "1. Jade Garden (chinese) (more)"  # others than it
    assert say(engine, "no") == "2. Golden Dragon (chinese)"
    assert say(engine, "yes") == "Shall I book Golden Dragon?"
    assert state(engine).turned_down == {}
    engine = dining(tmp_path)
    say(engine, "find a place")
    assert say(engine, "oriental food please") == "1. Golden Dragon (chinese) (more)"  # no request for others


def test_another_request_passes_the_offer_over(tmp_path: Path) -> None:
    engine = dining(tmp_path)
    say(engine, "find a place")
    assert say(engine, "what's the weather") == "Sunny."
    assert state(engine).offering is None and state(engine).slots["restaurant"] is None


def test_a_question_a_digression_answers_leaves_the_offer_open(tmp_path: Path) -> None:
    engine = dining(tmp_path, size=3)
    say(engine, "find a place")
    assert say(engine, "when do you open?") == "From noon."
    assert state(engine).offering is not None
    assert say(engine, "the second one") == "Shall I book Jade Garden?"


def test_a_question_about_a_row_leaves_the_offer_open_and_a_yes_then_takes_that_row(tmp_path: Path) -> None:
    """"When does Jade Garden open?" asks about the row, it does not take it: the row's values are known to the
    answer, the offer stays open, and a yes to the several rows offered then takes the one asked about."""
    engine = dining(tmp_path, size=3)
    say(engine, "find a place")
    assert say(engine, "when does jade garden open?") == "From noon."
    assert state(engine).offering is not None and state(engine).slots["restaurant"] == "Jade Garden"
    assert say(engine, "yes") == "Shall I book Jade Garden?"
    engine = dining(tmp_path)
    say(engine, "find a place")
    assert say(engine, "when does golden dragon open?") == "From noon."
    assert say(engine, "anything else?") == "2. Jade Garden (chinese) (more)"


def test_a_question_about_a_row_by_its_place_leaves_the_offer_open_and_a_yes_then_takes_that_row(
        tmp_path: Path) -> None:
    """"When does the second one open?": the place names the row asked about, as its name would."""
    engine = dining(tmp_path, size=3)
    say(engine, "find a place")
    assert say(engine, "when does the second one open?") == "From noon."
    assert state(engine).offering is not None and state(engine).slots["restaurant"] == "Jade Garden"
    assert say(engine, "yes") == "Shall I book Jade Garden?"


ALTERNATIVES = """\
version: 1
name: tables
slots:
  time: {type: time}
intents:
  book: [book]
  weather: [is it sunny]
memory:
  tables:
    free_times:
      columns: {time: text}
      seed: [{time: "19:00"}, {time: "20:15"}]
tasks:
  book:
    policy: frame
    triggers: [book]
    slots:
      - slot: time
        check: [select: {table: free_times, result: other_times, order_by: time}]
        accept: slots.time != '19:30'
        on_refused: [offer: {result: other_times, ask: offer_times, size: 2, fill: {time: time}}]
    on_complete: [respond: booked]
  weather:
    policy: frame
    triggers: [weather]
    digression: true
    on_complete: [respond: sunny]
responses:
  ask_time: When?
  offer_times: "{{ offered.rows | map(attribute='time') | join(' or ') }}?"
  booked: Booked at {{ slots.time }}.
  sunny: Sunny.
"""


def test_a_question_naming_an_alternative_for_the_value_asked_takes_it(tmp_path: Path) -> None:
    """Rows offered instead of a value refused (other times): a question the model reads as a digression that names
    one of them by its place gives the value asked, so the row is taken; the turn is not left saying nothing."""
    path = tmp_path / "tables.yaml"
    path.write_text(ALTERNATIVES, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=KeywordNlu())
    assert engine.handle("s", UserInput.parse('/book{"time": "19:30"}')).text == "19:00 or 20:15?"
    assert say(engine, "the second one, is the weather sunny then?") == "Booked at 20:15."


def test_a_value_asked_that_the_model_could_not_place_passes_the_alternatives_over(tmp_path: Path) -> None:
    """"neither, what about 9pm?", which the model could not place, answers the time: the rows on offer are passed
    over, so the turn goes on to the booking; input not understood at all leaves them open."""
    path = tmp_path / "tables.yaml"
    path.write_text(ALTERNATIVES, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=KeywordNlu())
    engine.handle("s", UserInput.parse('/book{"time": "19:30"}'))
    assert say(engine, "hmm") == "Sorry, I didn't understand that."
    assert engine.store.load("tables", "s").offering is not None
    assert say(engine, "neither, what about 9pm?") == "Booked at 21:00."


def test_a_no_that_gives_the_value_asked_passes_the_alternatives_over(tmp_path: Path) -> None:
    """"no, what about 9pm?" read as a no, the time not found: the value asked that its words give passes the rows
    on offer over, so the booking goes on with it; a no alone asks for other rows (here, none are left)."""
    path = tmp_path / "tables.yaml"
    path.write_text(ALTERNATIVES, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=KeywordNlu())
    engine.handle("s", UserInput.parse('/book{"time": "19:30"}'))
    assert say(engine, "no, what about 9pm?") == "Booked at 21:00."
    engine.handle("t", UserInput.parse('/book{"time": "19:30"}'))
    assert engine.handle("t", "no").responses == ["no_more_options"]


def test_an_alternative_is_taken_by_its_time(tmp_path: Path) -> None:
    """"the later one" of other times offered takes the later of them, wherever it stands in the offer."""
    path = tmp_path / "tables.yaml"
    path.write_text(ALTERNATIVES.replace("order_by: time", "order_by: time, descending: true"), encoding="utf-8")
    engine = Engine(load_domain(path), nlu=KeywordNlu())
    assert engine.handle("s", UserInput.parse('/book{"time": "19:30"}')).text == "20:15 or 19:00?"
    assert say(engine, "the earlier one please") == "Booked at 19:00."
    engine.handle("t", UserInput.parse('/book{"time": "19:30"}'))
    assert engine.handle("t", "the later one").text == "Booked at 20:15."


def test_any_response_reads_the_rows_offered_now_as_offered(tmp_path: Path) -> None:
    """A question about the row on offer ("when do they open?") is answered about that row, not the first found."""
    engine = dining(tmp_path, text=DOMAIN.replace(
        "opening_hours: From noon.",
        "opening_hours: \"{% if offered %}{{ offered.rows[0].name }} ({{ offered.number }} of {{ offered.count }}) "
        "opens at noon.{% else %}From noon.{% endif %}\""))
    say(engine, "find a place")
    say(engine, "anything else?")
    assert say(engine, "when do you open?") == "Jade Garden (2 of 3) opens at noon."
    assert say(engine, "yes") == "Shall I book Jade Garden?"
    # taken: nothing is on offer, and the booking it leads to is proposed again after the answer
    assert say(engine, "when do you open?") == "From noon.\nShall I book Jade Garden?"


def test_naming_a_row_with_a_task_trigger_takes_it_and_starts_the_task(tmp_path: Path) -> None:
    engine = dining(tmp_path, size=3)
    say(engine, "find a place")
    result = engine.handle("s", UserInput(text="book jade garden"))
    assert result.understood.entities["restaurant"] == "Jade Garden"  # the offered rows as a gazetteer
    assert result.state.active_task == "book" and result.text == "For how many?"


def test_asking_for_the_next_task_takes_the_one_row_offered(tmp_path: Path) -> None:
    """"Sounds good, book it" after one row was offered takes that row into the task its on_select proposes; with
    several rows offered, or asking for another, no row is taken."""
    engine = dining(tmp_path)
    say(engine, "find a place")
    assert say(engine, "when do you open?") == "From noon."  # a question in between leaves the offer open
    result = engine.handle("s", UserInput(text="sounds good, book it"))
    assert result.state.active_task == "book" and result.state.slots["restaurant"] == "Golden Dragon"
    assert result.text == "For how many?"
    assert say(engine, "four") == "Booked Golden Dragon in the centre for 4."
    engine = dining(tmp_path)
    say(engine, "find a place")
    assert say(engine, "book a different one") == "Which restaurant?"
    engine = dining(tmp_path, size=3)
    say(engine, "find a place")
    assert say(engine, "book it") == "Which restaurant?"


@pytest.mark.parametrize(("ranking", "novel", "takes"), [
    ({"book": 0.38, "affirm": 0.33, "weather": 0.1}, False, True),   # a yes or the booking: the row either way
    ({"affirm": 0.3, "book": 0.25, "hours": 0.2}, False, True),
    ({"affirm": 0.3, "weather": 0.25, "book": 0.15}, False, False),  # 0.45 together: below the threshold
    ({"weather": 0.4, "affirm": 0.3, "book": 0.2}, False, False),    # likeliest is something else
    ({"affirm": 0.9, "book": 0.05}, True, False),                    # sure, but unlike every example (`nlu.novelty`)
])
def test_a_turn_unsure_between_a_yes_and_the_task_the_offer_leads_to_takes_the_row(
        tmp_path: Path, ranking: dict[str, float], novel: bool, takes: bool) -> None:
    """"This house works for me", which the model cannot place between `affirm` and asking for the booking: both
    take the one row offered, so together they are a yes when they pass the NLU's threshold."""
    engine = dining(tmp_path)
    engine.nlu = UnsureNlu({"works for me": ranking}, otherwise=KeywordNlu(),
                           novel=frozenset({"works for me"} if novel else ()))
    say(engine, "find a place")
    result = engine.handle("s", UserInput(text="works for me"))
    if takes:
        assert result.text == "Shall I book Golden Dragon?" and result.understood.intent == "affirm"
        assert result.state.slots["restaurant"] == "Golden Dragon"
    else:
        assert result.understood.intent == "nlu_fallback" and "restaurant" not in result.state.slots
        assert say(engine, "yes") == "Shall I book Golden Dragon?"  # the offer is still open


def test_values_only_the_next_task_takes_take_the_one_row_offered_into_it(tmp_path: Path) -> None:
    """"For four of us" after one row was offered: the row and the party go to the booking at once; with a no,
    the next row is offered."""
    engine = dining(tmp_path)
    say(engine, "find a place")
    result = engine.handle("s", UserInput(text="for four of us"))
    assert result.text == "Booked Golden Dragon in the centre for 4."
    engine = dining(tmp_path)
    say(engine, "find a place")
    assert say(engine, "no, four of us") == "2. Jade Garden (chinese) (more)"


def test_asking_for_what_the_search_going_is_for_gives_the_search_its_values(tmp_path: Path) -> None:
    """"Find me a house ... I need it for one person", the second clause read as booking: the booking does not
    start over the search for the house it books (which then never offered one); its values go to the search, which
    offers, and the booking then has them."""
    searching_first = DOMAIN.replace("    slots: [{slot: cuisine, optional: true}]\n    persisted_slots: [cuisine]",
                                     "    slots: [{slot: cuisine}, {slot: party, optional: true}]\n"
                                     "    persisted_slots: [cuisine, party]")
    searching_first = searching_first.replace("  ask_party: For how many?", "  ask_party: For how many?\n"
                                              "  ask_cuisine: What food?")
    engine = dining(tmp_path, text=searching_first)
    assert say(engine, "find a place") == "What food?"
    result = engine.handle("s", UserInput(text="book it for four"))
    assert result.state.stack == ["find"] and result.state.slots == {"party": 4} and result.text == "What food?"
    assert say(engine, "italian") == "1. Trattoria Roma (italian)"
    assert say(engine, "yes") == "Shall I book Trattoria Roma?"
    assert say(engine, "yes") == "Booked Trattoria Roma in the harbour for 4."


def test_a_filter_narrows_the_search_only_when_its_slot_is_given(tmp_path: Path) -> None:
    engine = dining(tmp_path, size=3)
    assert engine.handle("a", UserInput(intent="find", entities={"cuisine": "italian"})).text == \
        "1. Trattoria Roma (italian)"
    assert engine.handle("b", UserInput(intent="find")).text.startswith("1. Golden Dragon (chinese) 2. Jade Garden")


def test_no_rows_say_no_options(tmp_path: Path) -> None:
    engine = dining(tmp_path, text=DOMAIN.replace("result: places, order_by", "where: {cuisine: thai}, result: "
                                                                              "places, order_by"))
    assert say(engine, "find a place") == "Sorry, I found nothing that fits."


def test_validate_checks_offers(tmp_path: Path) -> None:
    with pytest.raises(DomainError, match="no action keeps a result named 'place'"):
        dining(tmp_path, text=DOMAIN.replace("result: places\n", "result: place\n"))
    twice = DOMAIN.replace("  book:\n    policy: frame\n    triggers: [book]\n",
                           "  book:\n    policy: frame\n    triggers: [book]\n"
                           "    on_cancel: [{offer: {result: places, ask: sunny, fill: {restaurant: name}}}]\n")
    with pytest.raises(DomainError, match="2 offers of result 'places'"):
        dining(tmp_path, text=twice)


ROWS = [{"name": "Golden Dragon", "cuisine": "chinese"}, {"name": "Bar Roma", "cuisine": "italian"},
        {"name": "Barbecue Joe", "cuisine": "american"}]


def test_names_are_matched_on_whole_words() -> None:
    assert named_row("I'll go for bar roma", ROWS, ["name"]) == 1
    assert named_row("barbecue please", ROWS, ["name"]) is None  # one word of two is no name
    assert named_row("barbecue joe", ROWS, ["name"]) == 2
    assert named_row("something golden", ROWS, ["name"]) is None


def test_places_count_within_the_rows_offered_now_when_several_are() -> None:
    from dialogue.domains.schema.actions import OfferSpec

    spec = OfferSpec(result="r", ask="a", size=2, fill={"x": "name"})
    rows = ROWS + [{"name": "Four"}, {"name": "Five"}]
    assert read_reply("the first one", None, rows, 2, spec).row == 2
    assert read_reply("the last", None, rows, 2, spec).row == 3
    assert read_reply("the third one", None, rows, 2, spec) is None  # not offered
    single = spec.model_copy(update={"size": 1})
    assert read_reply("the first one", None, rows, 2, single).row == 0  # one at a time: all offered so far


def test_a_row_is_taken_by_its_time_among_those_offered() -> None:
    from dialogue.domains.schema.actions import OfferSpec

    spec = OfferSpec(result="r", ask="a", size=2, fill={"time": "time"})
    rows = [{"time": "21:00"}, {"time": "19:30"}, {"time": "18:00"}, {"time": "22:00"}]
    times = [row["time"] for row in rows]
    assert read_reply("the later one please", None, rows, 0, spec, times=times).row == 0
    assert read_reply("I'll take the earlier time", None, rows, 0, spec, times=times).row == 1
    assert read_reply("the earliest", None, rows, 2, spec, times=times).row == 2  # of those offered now
    assert read_reply("the latest one", None, rows, 2, spec, times=times).row == 3
    assert read_reply("the later one", None, rows, 0, spec) is None  # the rows fill no time
    assert read_reply("I'll call back later", None, rows, 0, spec, times=times) is None
    assert read_reply("anything later?", None, rows, 0, spec, times=times) is None
    assert read_reply("the later one", None, rows, 0, spec, times=[None, None, None, None]) is None
    single = spec.model_copy(update={"size": 1})
    assert read_reply("the earlier one", None, rows, 1, single, times=times).row == 1  # of all offered so far


def test_a_date_or_a_new_request_is_no_place_in_the_offer() -> None:
    from dialogue.domains.schema.actions import OfferSpec

    spec = OfferSpec(result="r", ask="a", size=3, fill={"x": "name"})
    assert read_reply("the first of december please", None, ROWS, 0, spec) is None
    assert read_reply("I'd like to visit next Tuesday", None, ROWS, 0, spec) is None  # a date, not the next rows
    assert read_reply("on Monday next week", None, ROWS, 0, spec) is None
    assert read_reply("the next ones", None, ROWS, 0, spec).kind == "others"
    assert read_reply("a table for two more", None, ROWS, 0, spec, named_only=True) is None
    assert read_reply("book bar roma for the first", None, ROWS, 0, spec, named_only=True).row == 1
