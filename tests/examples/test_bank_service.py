"""The example core-banking service (examples/services/bank.py) and its domain: the committed OpenAPI document is
the app's, the domain validates against it, its conversation tests pass on fixtures, and the same assistant
works against the real service on loopback, which moves money once per idempotency key."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from dialogue.domains import check_domain, load_domain
from dialogue.engine import Engine
from dialogue.testing import run_tests
from dialogue.turns import UserInput
from tests.dm.services.loopback import serving

FOLDER = Path(__file__).parents[2] / "examples" / "services"


@pytest.fixture
def bank_app():
    spec = importlib.util.spec_from_file_location("example_bank", FOLDER / "bank.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_openapi_document_is_the_apps(bank_app) -> None:
    committed = json.loads((FOLDER / "bank.openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(bank_app.app.openapi())), \
        "regenerate examples/services/bank.openapi.json from bank.app.openapi()"


def test_the_domain_validates_against_it_and_its_tests_pass_on_fixtures() -> None:
    assert check_domain(FOLDER / "bank.yaml") == []
    assert all(outcome.passed for outcome in run_tests(load_domain(FOLDER / "bank.yaml")))


def test_the_assistant_against_the_real_service(bank_app, monkeypatch) -> None:
    with serving(bank_app.app) as url:
        monkeypatch.setenv("BANK_URL", url)
        engine = Engine(load_domain(FOLDER / "bank.yaml"))
        assert engine.handle("s1", "/check_balance", user_id="ana").text == "Your balance is 1000 euros."
        engine.handle("s1", UserInput(intent="transfer", entities={"amount": 20, "payee": "Bo"}), user_id="ana")
        done = engine.handle("s1", UserInput(intent="affirm", turn_id="t-9"), user_id="ana")
        again = engine.handle("s1", UserInput(intent="affirm", turn_id="t-9"), user_id="ana")
        refused = [engine.handle("s2", UserInput(intent="transfer", entities={"amount": 5000, "payee": "Cy"}),
                                 user_id="ana"), engine.handle("s2", "/affirm", user_id="ana")][-1]
    assert done.text == "Done: 20 euros to Bo, reference T00001. You have 980 euros left."
    assert again.replayed and bank_app.balances == {"ana": 980.0} and len(bank_app.made) == 1
    assert refused.responses == ["transfer_refused"] and refused.calls[0].status == "409"
    assert bank_app.received["POST /transfers"] == 2
