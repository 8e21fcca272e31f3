"""The example core-banking service the bundled banking domain calls (examples/services/bank.py): its committed
OpenAPI document is the app's, and the domain reads balances and moves money through it, once per turn and
idempotency key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.example_services import bank
from dialogue.turns import UserInput

ROOT = Path(__file__).parents[2]
NOW = dt.datetime(2026, 11, 25, 10, 0)


def test_the_committed_openapi_document_is_the_apps() -> None:
    committed = json.loads((ROOT / "domains" / "bank.openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(bank.app.openapi())), \
        "regenerate domains/bank.openapi.json from dialogue.example_services.bank.app.openapi()"


def test_balances_and_transfers_go_through_the_service_once_per_turn() -> None:
    engine = Engine(load_domain("banking"))

    def turn(session: str, user_input: UserInput):
        return engine.handle(session, user_input, user_id="ana", now=NOW)

    before = bank.received["POST /transfers"]
    balance = turn("s1", UserInput(intent="check_balance", entities={"account": "current"}))
    assert balance.text == "Your Everyday Current Account has a balance of £5,000.00."
    turn("s2", UserInput(intent="transfer_money", entities={"amount": 20, "payee": "mum", "from_account": "current"}))
    done = turn("s2", UserInput(intent="affirm", turn_id="t-9"))
    again = turn("s2", UserInput(intent="affirm", turn_id="t-9"))
    [made] = bank.made
    assert f"£20.00 is on its way to Mum. Your reference is {made.id}." in done.text and again.replayed
    assert made.balance == 4980.0 and made.id.startswith("T")
    turn("s3", UserInput(intent="transfer_money", entities={"amount": 1900, "payee": "mum", "from_account": "savings"}))
    turn("s3", UserInput(intent="affirm"))
    assert bank.accounts["ana"]["savings"].balance == 18100.0
    assert bank.received["POST /transfers"] - before == 2
    alice = engine.handle("s4", UserInput(intent="check_balance", entities={"account": "savings"}), user_id="alice",
                          now=NOW)
    assert alice.responses == ["no_such_account"] and alice.calls[0].status == "404"
