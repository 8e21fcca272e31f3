"""Honest judging: conversations that must fail are marked failed, by what the engine did."""

from __future__ import annotations

from pathlib import Path

from dialogue.dm.services.calls import ServiceAnswer
from dialogue.dm.sql import MemoryStore
from dialogue.domains import Domain, load_domain
from dialogue.domains.loader import BUNDLED
from dialogue.engine import Engine
from dialogue.simulation.goals import Goal, Scenario
from dialogue.simulation.judge import Judge, snapshot
from tests.conftest import NOW, restaurant_files

BOOKING = {"cuisine": "italian", "party_size": 4, "date": "2026-11-27", "time": "19:30", "name": "Ana Lopez",
           "phone": "07700900123"}


def run(domain, turns: list[str], goal: Goal, tamper=None):
    store = MemoryStore()
    engine = Engine(domain, store=store)
    engine.services.exchanges = exchanges = []
    before = snapshot(engine.tables)
    for turn in turns:
        engine.handle("s1", turn, user_id="u1", now=NOW)
    if tamper is not None:
        tamper(engine.tables, exchanges)
    scenario = Scenario(goal=goal, user_id="u1", channel="text", noise=0.0)
    return Judge(domain).judge(scenario, store.events[(domain.name, "s1")], before, snapshot(engine.tables),
                               exchanges)


def booking_turns(values: dict) -> list[str]:
    slots = ", ".join(f'"{k}": {v!r}'.replace("'", '"') for k, v in values.items())
    return ["/book_table{" + slots + "}", "/affirm"]


def test_a_search_is_judged_with_the_booking_the_row_taken_led_to() -> None:
    """A search's goal holds when the user's pick was booked: here the user took Jade Garden (Cantonese)."""
    restaurant = load_domain("restaurant")
    rest = {k: v for k, v in BOOKING.items() if k != "cuisine"}
    turns = ['/find_restaurant{"area": "riverside", "cuisine": "cantonese"}', "/affirm", "/affirm",
             *booking_turns(rest)]
    for cuisine, success in (("cantonese", True), ("italian", False)):
        goal = Goal("find_restaurant", "frame", {"area": "riverside", "cuisine": "cantonese"},
                    then=Goal("book_table", "frame", {**rest, "cuisine": cuisine}))
        verdict = run(restaurant, turns, goal)
        assert verdict.success is success and [v.task for v in verdict.goals] == ["find_restaurant", "book_table"]
    assert verdict.reasons == ["book_table: slot 'cuisine' held 'cantonese', the user wanted 'italian'"]


def test_a_booking_with_the_goals_values_succeeds() -> None:
    verdict = run(load_domain("restaurant"), booking_turns(BOOKING), Goal("book_table", "frame", dict(BOOKING)))
    assert verdict.success, verdict.reasons
    assert verdict.goals[0].stored == BOOKING


def test_a_wrong_value_stored_fails() -> None:
    said = {**BOOKING, "party_size": 5}
    verdict = run(load_domain("restaurant"), booking_turns(said), Goal("book_table", "frame", dict(BOOKING)))
    assert not verdict.success
    assert any("party_size" in reason and "5" in reason for reason in verdict.reasons)


def test_a_task_never_completed_fails() -> None:
    unconfirmed = booking_turns(BOOKING)[:1]
    verdict = run(load_domain("restaurant"), unconfirmed, Goal("book_table", "frame", dict(BOOKING)))
    assert not verdict.success
    assert any("never completed" in reason for reason in verdict.reasons)


def test_a_row_with_other_values_than_the_slots_fails() -> None:
    """The slots were right, but the row in the table is not what the user asked for."""
    def wrong_row(tables, exchanges) -> None:
        assert tables.update("bookings", {"name": "Ana Lopez"}, {"party_size": 5}) == 1

    verdict = run(load_domain("restaurant"), booking_turns(BOOKING), Goal("book_table", "frame", dict(BOOKING)),
                  tamper=wrong_row)
    assert not verdict.success
    assert any("no row inserted in 'bookings'" in reason for reason in verdict.reasons)


def test_a_cancelled_task_that_still_wrote_its_row_fails(tmp_path) -> None:
    domain = _edited_restaurant(
        tmp_path, "on_cancel: [respond: booking_abandoned]",
        "on_cancel: [respond: booking_abandoned, insert: {table: bookings, values: {name: '{{ slots.name }}'}}]")
    goal = Goal("book_table", "frame", dict(BOOKING), cancel=True)
    turns = booking_turns({k: v for k, v in BOOKING.items() if k != "phone"})[:1] + ["/cancel"]
    verdict = run(domain, turns, goal)
    assert not verdict.success
    assert any("cancelled task wrote to the database" in reason for reason in verdict.reasons)
    clean = run(load_domain("restaurant"), turns, goal)  # the bundled domain writes nothing on cancel
    assert clean.success, clean.reasons


def test_a_booking_the_service_did_not_acknowledge_fails() -> None:
    """The engine's log says the task completed and the domain's own row is right, but the judge also reads what
    the service answered: here (as an engine that completed without the booking would leave it) the service's
    answer to the POST was a refusal."""
    def refused(tables, exchanges) -> None:
        at = next(i for i, (request, _) in enumerate(exchanges) if request.method == "POST")
        exchanges[at] = (exchanges[at][0], ServiceAnswer("error", 409, reason="status", error="HTTP 409"))

    verdict = run(load_domain("restaurant"), booking_turns(BOOKING), Goal("book_table", "frame", dict(BOOKING)),
                  tamper=refused)
    assert verdict.reasons == ["book_table: service 'lotus' acknowledged no POST /bookings with "
                               "{'cuisine': 'italian', 'party_size': 4, 'date': '2026-11-27', 'time': '19:30', "
                               "'name': 'Ana Lopez', 'phone': '07700900123', 'user': 'u1'}"]


def test_a_cancelled_task_the_service_still_booked_fails(tmp_path) -> None:
    slots = ("cuisine", "party_size", "date", "time", "name")
    fields = ", ".join([*(f"{slot}: '{{{{ slots.{slot} }}}}'" for slot in slots), "phone: '07700900123', user: u1"])
    booking = f"call: {{service: lotus, method: POST, path: /bookings, body: {{{fields}}}}}"
    domain = _edited_restaurant(tmp_path, "on_cancel: [respond: booking_abandoned]",
                                f"on_cancel: [respond: booking_abandoned, {booking}]")
    turns = booking_turns({k: v for k, v in BOOKING.items() if k != "phone"})[:1] + ["/cancel"]
    verdict = run(domain, turns, Goal("book_table", "frame", dict(BOOKING), cancel=True))
    assert verdict.reasons == ["book_table: service 'lotus' acknowledged POST /bookings although the task was "
                               "cancelled"]


def test_a_value_the_task_must_reject_that_was_taken_fails(tmp_path) -> None:
    domain = _edited_restaurant(tmp_path, "validate: value <= 12\n        invalid: too_many_people\n      - slot: date",
                                "invalid: too_many_people\n      - slot: date")
    goal = Goal("book_table", "frame", dict(BOOKING), invalid={"party_size": 20})
    turns = ['/book_table{"party_size": 20}', *booking_turns(BOOKING)]
    verdict = run(domain, turns, goal)
    assert not verdict.success
    assert any("must reject" in reason for reason in verdict.reasons)
    assert run(load_domain("restaurant"), turns, goal).success


def test_fsm_and_digression_goals(domain_from) -> None:
    telco = load_domain("telco_ivr")
    store = MemoryStore()
    engine = Engine(telco, store=store)
    for turn in ["/tech_support", "/internet_problem", "/affirm"]:
        engine.handle("s1", turn, user_id="tester", channel="voice", now=NOW)
    events = store.events[("telco_ivr", "s1")]
    judge = Judge(telco)
    assert judge.goal(Goal("main_menu", "fsm", target="resolved"), events, {}, {}, "tester").success
    assert not judge.goal(Goal("main_menu", "fsm", target="sales_transfer"), events, {}, {}, "tester").success
    restaurant = load_domain("restaurant")
    asked = run(restaurant, ["/ask_opening_hours"], Goal("opening_hours", "digression"))
    assert asked.success
    assert not run(restaurant, ["/greet"], Goal("opening_hours", "digression")).success


def _edited_restaurant(folder: Path, old: str, new: str) -> Domain:
    """The bundled restaurant domain with one edit, in `folder` beside the OpenAPI document it names."""
    source = (BUNDLED / "restaurant.yaml").read_text(encoding="utf-8")
    assert old in source
    (folder / "restaurant.yaml").write_text(source.replace(old, new, 1), encoding="utf-8")
    restaurant_files(folder)
    return load_domain(folder / "restaurant.yaml")
