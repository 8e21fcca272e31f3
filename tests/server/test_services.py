"""Turns that call a service, over real gRPC against a real service on loopback: the same turn sent twice calls
once (at once, and after a restart), and a slow service holds up no other session."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from dialogue.client import AsyncClient, Client
from dialogue.dm.sql import SqlStore
from dialogue.engine import Engine
from dialogue.turns import UserInput
from tests.dm.services.bank import BANK, REFUSING, bank
from tests.dm.services.loopback import Behaviour, misbehaving


@pytest.fixture
def service(monkeypatch):
    with misbehaving() as (url, behaviour):
        monkeypatch.setenv("TEST_CORE_URL", url)
        monkeypatch.setenv("TEST_CORE_TOKEN", "t0ps3cret")
        yield behaviour


def transfer(turn_id: str | None = None) -> UserInput:
    return UserInput(intent="transfer", entities={"amount": 20, "payee": "ana"}, turn_id=turn_id)


def test_the_same_turn_sent_twice_at_once_and_after_a_restart_calls_once(serve, service: Behaviour,
                                                                         tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    service.delay_s = 0.2
    service.answer = {"id": "T-1"}
    running = serve([Engine(bank(tmp_path), store=SqlStore(url))])

    async def twice():
        async with AsyncClient(running.target) as client:
            return await asyncio.gather(*(client.turn("bank", "s", transfer("t-1")) for _ in range(2)))

    results = asyncio.run(twice())
    assert sorted(result.replayed for result in results) == [False, True]
    running.stop()
    restarted = serve([Engine(bank(tmp_path), store=SqlStore(url))])
    with Client(restarted.target) as client:
        again = client.turn("bank", "s", transfer("t-1"))
    assert again.replayed and again.messages[0].text == "Sent 20 to ana (reference T-1)."
    assert len(service.requests) == 1


def test_turns_waiting_on_a_slow_service_hold_up_no_other_session(serve, service: Behaviour,
                                                                  tmp_path: Path) -> None:
    """Sixteen turns wait 0.5 s each on the service at once (more than the server's 4 worker threads); a turn of
    another session that calls nothing is answered meanwhile, at once. (The circuit breaker is kept shut: on a
    loaded machine the first timeouts may come before the last calls go, and an open circuit is another path.)"""
    service.delay_s = 0.5
    domain = bank(tmp_path, BANK.replace("failures: 3", "failures: 100"))
    running = serve([Engine(domain, store=SqlStore(f"sqlite:///{tmp_path / 'bank.db'}"))], workers=4)

    async def meanwhile():
        async with AsyncClient(running.target) as client:
            await client.wait_ready(5)
            slow = [asyncio.create_task(client.turn("bank", f"slow{n}", "/check_balance")) for n in range(16)]
            await asyncio.sleep(0.1)
            started = time.monotonic()
            other = await client.turn("bank", "other", UserInput(intent="transfer", entities={"amount": 5}))
            took = time.monotonic() - started
            return await asyncio.gather(*slow), other, took

    slow, other, took = asyncio.run(meanwhile())
    assert other.messages[0].response == "ask_payee" and took < 0.2
    assert [result.messages[0].response for result in slow] == ["core_slow"] * 16  # 0.4 s budget, 0.5 s service


def test_calls_are_a_histogram_per_service_and_status_and_a_step_of_the_turn(serve, service: Behaviour,
                                                                           tmp_path: Path) -> None:
    from tests.server.test_operations import metric_samples

    running = serve([Engine(bank(tmp_path))], metrics_port=0)
    with Client(running.target) as client:
        client.turn("bank", "s1", "/check_balance")
        service.status = 503
        client.turn("bank", "s2", "/check_balance")
    samples = metric_samples(running.server.metrics_port)
    for status in ("200", "503"):
        assert samples[("dialogue_service_call_seconds_count",
                        (("domain", "bank"), ("service", "core"), ("status", status)))] == 1
    assert samples[("dialogue_turn_step_seconds_count", (("domain", "bank"), ("step", "services")))] == 2


def test_a_check_that_cannot_run_over_grpc_keeps_the_rest_of_the_message(serve, monkeypatch) -> None:
    from dialogue.domains import load_domain
    from tests.dm.services.loopback import closed_port

    monkeypatch.setenv("LOTUS_URL", closed_port())
    running = serve([Engine(load_domain("restaurant"))])
    with Client(running.target) as client:
        result = client.turn("restaurant", "s", UserInput(intent="book_table", entities={
            "cuisine": "sichuan", "party_size": 4, "date": "2099-12-11", "time": "19:00"}))
    assert [message.response for message in result.messages] == ["action_failed", "ask_time"]
    assert result.state.slots == {"cuisine": "sichuan", "party_size": 4, "date": "2099-12-11"}


def test_a_refusal_over_grpc_takes_on_refused(serve, service: Behaviour, tmp_path: Path) -> None:
    service.status = 409
    running = serve([Engine(bank(tmp_path, REFUSING))])
    with Client(running.target) as client:
        assert [message.response for message in client.turn("bank", "s", transfer()).messages] == \
            ["transfer_refused"]
