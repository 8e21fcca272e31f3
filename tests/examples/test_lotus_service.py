"""The example reservation service the bundled restaurant domain calls (examples/services/lotus.py): its committed
OpenAPI document is the app's, and the domain books through it once per turn, with the times it refuses taken
back and its alternatives offered."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.example_services import lotus
from dialogue.turns import UserInput

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


def test_the_cli_starts_the_example_services(monkeypatch, bundled_models) -> None:
    monkeypatch.delenv("LOTUS_URL")
    result = CliRunner().invoke(app, ["test", "restaurant", "--name", "one of its alternatives", "--with-examples",
                                      "--models", str(bundled_models)])
    assert result.exit_code == 0, result.output
    assert "example services: LOTUS_URL=http://127.0.0.1:" in result.output
