"""Callers that give no user id share nothing the domain remembers of its users: over real gRPC."""

from __future__ import annotations

import datetime as dt

from dialogue.client import Client
from dialogue.dm.sql import MemoryStore
from dialogue.engine import Engine
from dialogue.turns import anonymous_user
from tests.dialogue.inspector.booking import BOOKING


def test_callers_without_a_user_id_share_no_memory(serve, restaurant) -> None:
    """A name remembered from one caller's booking is kept for that session; the next caller without a user id
    (over gRPC, as a phone platform that knows no caller sends) is not offered it. The same user is."""
    day = dt.date.today() + dt.timedelta(days=3)  # the server's clock is the real one: a day to come, not a Monday
    day += dt.timedelta(days=day.weekday() == 0)
    booking = [text.replace("2026-11-27", day.isoformat()) for text in BOOKING]
    store = MemoryStore()
    running = serve([Engine(restaurant, store=store)])
    with Client(running.target) as client:
        for session, user in (("caller-1", None), ("ana-1", "ana")):
            for text in booking:
                client.turn("restaurant", session, text, user_id=user)
        assert store.variables("restaurant", anonymous_user("caller-1"))["customer_name"] == "Ana Lopez"
        offered = {}
        for session, user in (("caller-2", None), ("ana-2", "ana")):
            for text in booking[:6]:
                offered[session] = "Ana Lopez" in client.turn("restaurant", session, text, user_id=user).text
    assert offered == {"caller-2": False, "ana-2": True}
