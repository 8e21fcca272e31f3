"""Goals and the words for them, drawn from the domain alone; clear errors for what cannot be simulated."""

from __future__ import annotations

import random

import pytest

from dialogue.domains import load_domain
from dialogue.domains.expressions import compile_condition, evaluation_context
from dialogue.domains.schema import frame_slots
from dialogue.nlu.entities import EntityNormaliser
from dialogue.simulation.behaviour import Behaviour
from dialogue.simulation.goals import GoalError, GoalSampler, user_columns
from dialogue.simulation.noise import Noise
from dialogue.simulation.utterances import Realiser, Utterance
from tests.conftest import NOW


@pytest.mark.parametrize("name", ["restaurant", "banking", "telco_ivr"])
def test_goals_meet_the_tasks_validation_and_repeat_with_the_seed(name: str) -> None:
    domain = load_domain(name)
    goals = GoalSampler(domain, Behaviour(invalid=0.5), NOW)
    goals.check()
    drawn = [goals.sample(random.Random(i), f"sim-{i}", "text", 0.0) for i in range(60)]
    assert drawn == [goals.sample(random.Random(i), f"sim-{i}", "text", 0.0) for i in range(60)]
    assert len({s.goal.describe() for s in drawn}) >= 3
    for scenario in drawn:
        goal = scenario.goal
        if goal.kind != "frame":
            continue
        entries = {entry.slot: entry for entry in frame_slots(domain.tasks[goal.task].slots)}
        for slot, value in goal.values.items():
            context = evaluation_context(value=value, today=NOW.date().isoformat(), slots=goal.values, user={})
            assert entries[slot].validate_ is None or compile_condition(entries[slot].validate_)(context), (slot, value)
        for slot, wrong in goal.invalid.items():
            context = evaluation_context(value=wrong, today=NOW.date().isoformat(), slots=goal.values, user={})
            spec = domain.slots[slot]
            out_of_range = getattr(spec, "max", None) is not None and wrong > spec.max
            assert out_of_range or not compile_condition(entries[slot].validate_)(context), (slot, wrong)


def test_lookups_get_a_row_to_find() -> None:
    """Changing a booking needs one: a row is made for the conversation; a lost card is a seeded card."""
    restaurant = GoalSampler(load_domain("restaurant"), Behaviour(), NOW)
    changes = [s for i in range(40) if (s := restaurant.sample(random.Random(i), "sim-1", "text", 0.0))
               .goal.task == "change_booking"]
    assert changes
    for scenario in changes:
        table, row = scenario.fixtures[0]
        assert table == "bookings" and row["reference"] == scenario.goal.values["booking_ref"].upper()
        assert row["user_id"] == scenario.user_id and row["status"] == "confirmed"
    banking = GoalSampler(load_domain("banking"), Behaviour(), NOW)
    lost = [s for i in range(40) if (s := banking.sample(random.Random(i), "sim-1", "text", 0.0))
            .goal.task == "report_lost_card"]
    seeded = {(r["user_id"], r["card"]) for r in load_domain("banking").memory.tables["cards"].seed
              if r["status"] == "active"}
    assert lost and all((s.user_id, s.goal.values["card"]) in seeded for s in lost)


def test_with_rows_of_their_own_goals_get_a_new_user_and_copies_of_the_seeded_users_rows() -> None:
    """Against a server, every conversation of a run shares its database: a goal bound to a seeded user gets a user
    of its own, whose rows are copies of that user's seeded rows, so nothing an earlier conversation did to them
    (a card blocked) changes what this one finds."""
    banking = load_domain("banking")
    assert user_columns(banking) == {"cards": {"user_id"}, "transfers": {"user_id"}}
    shared, own = GoalSampler(banking, Behaviour(), NOW), GoalSampler(banking, Behaviour(), NOW, own_rows=True)
    seeds = banking.memory.tables
    bound = 0
    for i in range(40):
        before, after = (sampler.sample(random.Random(i), f"sim-{i}", "text", 0.0) for sampler in (shared, own))
        assert after.goal == before.goal and after.interrupt == before.interrupt
        if before.user_id == f"sim-{i}":  # a goal that looks nothing up (reporting fraud): nothing to copy
            assert after.user_id == f"sim-{i}" and after.fixtures == before.fixtures == []
            continue
        bound += 1
        assert before.fixtures == [] and after.user_id == f"sim-{i}"
        expected = [(table, {**row, "user_id": f"sim-{i}"}) for table in ("cards",)
                    for row in seeds[table].seed if row["user_id"] == before.user_id]
        assert after.fixtures == expected
    assert bound >= 5


def test_a_search_goal_goes_on_to_the_task_its_offer_leads_to() -> None:
    """Finding a restaurant offers the results and proposes a booking there: the goal books, with the cuisine of
    the row the user will take (so not drawn now)."""
    goals = GoalSampler(load_domain("restaurant"), Behaviour(), NOW)
    searches = [s.goal for i in range(60) if (s := goals.sample(random.Random(i), "sim-1", "text", 0.0))
                .goal.task == "find_restaurant"]
    assert searches and all(goal.then is not None and goal.then.task == "book_table" for goal in searches)
    assert all("cuisine" not in goal.then.values and {"party_size", "date", "time"} <= set(goal.then.values)
               for goal in searches)


def test_fsm_goals_are_states_reached_by_a_path() -> None:
    goals = GoalSampler(load_domain("telco_ivr"), Behaviour(), NOW)
    fsm = goals.fsm["main_menu"]
    assert fsm.start() == "main"
    assert {"resolved", "balance", "transfer"} <= set(fsm.targets())
    assert "priority_transfer" not in fsm.targets()  # only for business customers, not the default caller
    assert fsm.next_intent("main", "resolved") == "internet_problem"
    assert fsm.next_intent("router_check", "resolved") == "affirm"


def test_surface_forms_mean_the_value() -> None:
    """Dates, times and numbers are said in words the entity normaliser reads back as the same value."""
    domain = load_domain("restaurant")
    goals = GoalSampler(domain, Behaviour(), NOW)
    normaliser = EntityNormaliser(domain)
    rng = random.Random(3)
    for _ in range(150):
        for slot in ("date", "time", "party_size", "cuisine"):
            value = goals.valid_value(slot, None, {}, rng)
            said = goals.sampler.surface(slot, value, rng, NOW.date())
            assert normaliser.normalise(slot, said, NOW) == (value, True), (slot, value, said)


def test_utterances_carry_the_values_in_the_annotated_spans() -> None:
    domain = load_domain("restaurant")
    goals = GoalSampler(domain, Behaviour(), NOW)
    realiser = Realiser(domain, goals.sampler, NOW.date())
    rng = random.Random(1)
    said = realiser.say("inform", {"party_size": 6, "time": "20:00", "date": "2026-11-28"}, rng)
    assert said.intent == "inform" and len(said.spans) == 3
    _, tags = said.tagged()
    assert tags.count("B-party_size") == tags.count("B-time") == tags.count("B-date") == 1
    bare = realiser.bare({"phone": "07700900123"}, rng)
    assert bare.tagged()[1][0] == "B-phone"


def test_noise_keeps_the_labels_on_the_words_they_cover() -> None:
    said = Utterance("Book a table for 4 people at 7pm, please.", "book_table", {"party_size": 4, "time": "19:00"},
                     [(17, 18, "party_size"), (29, 32, "time")])
    assert Noise(0.0).apply(said, random.Random(1)) is said
    changed = [Noise(0.5).apply(said, random.Random(seed)) for seed in range(30)]
    assert any(u.text != said.text for u in changed)
    assert Noise(0.5).apply(said, random.Random(7)) == Noise(0.5).apply(said, random.Random(7))
    for noisy in changed:
        for start, end, slot in noisy.spans:
            assert noisy.text[start:end] in ("4", "7pm", "four", "for", "7ppm", "77pm", "7mp", "pm", "7p") or slot
        words, tags = noisy.tagged()
        assert len(words) == len(tags)
        assert set(noisy.values) == {slot for _, _, slot in noisy.spans}  # a value whose words were lost is not said


def test_a_domain_with_no_tasks_is_a_clear_error(domain_from) -> None:
    domain = domain_from("""
        version: 1
        name: empty
        intents: {ask: [what is this, tell me more, explain please]}
    """)
    with pytest.raises(GoalError, match="no tasks"):
        GoalSampler(domain, Behaviour(), NOW).check()


def test_a_free_text_slot_without_examples_names_the_slot(domain_from) -> None:
    domain = domain_from("""
        version: 1
        name: notes
        slots: {note: {type: text}}
        intents: {leave_note: [leave a note, I want to leave a message, take a note please]}
        tasks:
          leave_note:
            triggers: [leave_note]
            policy: frame
            slots: [{slot: note}]
            on_complete: [respond: done]
        responses: {ask_note: [What should the note say?], done: [Noted.]}
    """)
    with pytest.raises(GoalError, match=r"'note'.*no annotated examples"):
        GoalSampler(domain, Behaviour(), NOW).check()


def test_behaviour_rates_parse_with_clear_errors() -> None:
    assert Behaviour.parse("interrupt=0.5, cancel=0").interrupt == 0.5
    with pytest.raises(ValueError, match="names: "):
        Behaviour.parse("shout=1")
    with pytest.raises(ValueError, match="between 0 and 1"):
        Behaviour.parse("help=2")
