"""The example reservation service the bundled restaurant domain calls (examples/services/lotus.py): its committed
OpenAPI document is the app's, and the domain books through it once per turn, with the times it refuses taken
back and its alternatives offered."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.example_services import lotus
from dialogue.turns import UserInput
from tests.dm.services.loopback import closed_port

ROOT = Path(__file__).parents[2]
NOW = dt.datetime(2026, 11, 25, 10, 0)


def test_the_committed_openapi_document_is_the_apps() -> None:
    committed = json.loads((ROOT / "domains" / "lotus.openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(lotus.app.openapi())), \
        "regenerate domains/lotus.openapi.json from dialogue.example_services.lotus.app.openapi()"


def booking(engine: Engine, session: str, time: str, turn_id: str | None = None):
    entities = {"cuisine": "sichuan", "party_size": 12, "date": "2026-11-27", "time": time, "name": "Ana",
                "phone": "07700900123"}
    engine.handle(session, UserInput(intent="book_table", entities=entities), now=NOW)
    return engine.handle(session, UserInput(intent="affirm", turn_id=turn_id), now=NOW)


def test_a_booking_is_made_once_per_turn_and_a_full_time_is_refused_with_alternatives() -> None:
    engine = Engine(load_domain("restaurant"))
    first = booking(engine, "s1", "19:00", turn_id="t-1")
    again = engine.handle("s1", UserInput(intent="affirm", turn_id="t-1"), now=NOW)
    [made] = lotus.bookings
    assert re.fullmatch(r"L[A-Z2-9]{5}", made.reference)  # from the turn's idempotency key
    assert first.text.startswith(f"Your table is booked. Your reference is {made.reference}.") and again.replayed
    refused = engine.handle("s3", UserInput(intent="book_table", entities={
        "cuisine": "sichuan", "party_size": 12, "date": "2026-11-27", "time": "19:00"}), now=NOW)
    assert refused.text == ("Sorry, Golden Dragon has no table for 12 left at 19:00.\n"
                            "I can do 18:30 or 19:30. Would one of those suit you?")
    assert refused.state.offered.rows == [{"time": "18:30"}, {"time": "19:30"}]


def test_a_restaurant_named_in_the_request_is_looked_up_for_its_cuisine() -> None:
    """"a table at jade garden": the service finds the restaurant by its name in any case, and its cuisine is the
    booking's, not asked; a name the group has none of is said so, and the cuisine asked."""
    engine = Engine(load_domain("restaurant"))
    named = engine.handle("s1", UserInput(intent="book_table", entities={
        "restaurant_name": "jade garden", "party_size": 2, "date": "2026-11-27", "time": "19:00"}), now=NOW)
    assert named.responses == ["ask_name"] and named.state.slots["cuisine"] == "cantonese"
    unknown = engine.handle("s2", UserInput(intent="book_table", entities={
        "restaurant_name": "The Golden Spoon", "party_size": 2}), now=NOW)
    assert unknown.responses == ["no_such_restaurant", "ask_cuisine"]
    assert unknown.text.startswith("Sorry, we have no restaurant called The Golden Spoon.")
    assert unknown.state.slots.get("cuisine") is None and unknown.state.slots["party_size"] == 2


def test_a_time_the_service_cannot_check_is_asked_again_with_the_rest_of_the_message_kept(monkeypatch, tmp_path) \
        -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    running = os.environ["LOTUS_URL"]
    monkeypatch.setenv("LOTUS_URL", closed_port())
    down = Engine(load_domain("restaurant"), store=SqlStore(store)).handle("s", UserInput(
        intent="book_table", entities={"cuisine": "sichuan", "party_size": 4, "date": "2026-11-27", "time": "19:00"}),
        now=NOW)
    assert down.text == ("Sorry, something went wrong on my side and I couldn't finish that. Please try again.\n"
                         "What time would you like the table?")
    assert down.state.slots == {"cuisine": "sichuan", "party_size": 4, "date": "2026-11-27"}
    assert (down.state.active_task, down.state.requested_slot) == ("book_table", "time")
    assert "call to lotus GET /availability failed" in " ".join(down.warnings)
    monkeypatch.setenv("LOTUS_URL", running)
    up = Engine(load_domain("restaurant"), store=SqlStore(store))
    assert up.handle("s", UserInput(intent="inform", entities={"time": "18:00"}), now=NOW).state.slots["time"] \
        == "18:00"


def test_the_cli_starts_the_example_services(monkeypatch, bundled_models) -> None:
    monkeypatch.delenv("LOTUS_URL")
    result = CliRunner().invoke(app, ["test", "restaurant", "--name", "one of its alternatives", "--with-examples",
                                      "--models", str(bundled_models)])
    assert result.exit_code == 0, result.output
    assert "example services: LOTUS_URL=http://127.0.0.1:" in result.output
