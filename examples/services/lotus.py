"""An example reservation service for the bundled `restaurant` domain: the Lotus Group's restaurants, their
free tables, and bookings, kept in memory.

Run it with `uvicorn --app-dir examples/services lotus:app --port 8181` (or let `dialogue serve restaurant
--with-examples` start it). Each restaurant seats 20 people at a time of day, from 12:00 to 22:00, Tuesday to
Sunday; Saturdays at 20:00 are always full, and the times offered instead are the nearest free half hours.
Bookings honour the `Idempotency-Key` header: the same key gets the first answer again and books nothing
twice. `GET /stats` counts what it received and lists the bookings.
"""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from dialogue.example_services import counting, reference

app = FastAPI(title="Lotus Group reservations", version="1")
SEATS = 20
OPEN, LAST = dt.time(12), dt.time(22)
Cuisine = str


class Restaurant(BaseModel):
    id: str
    name: str
    cuisine: str
    area: str
    phone: str


RESTAURANTS = [
    Restaurant(id="golden-dragon", name="Golden Dragon", cuisine="sichuan", area="centre", phone="020 7946 0101"),
    Restaurant(id="jade-garden", name="Jade Garden", cuisine="cantonese", area="riverside", phone="020 7946 0102"),
    Restaurant(id="trattoria-lotus", name="Trattoria Lotus", cuisine="italian", area="centre",
               phone="020 7946 0103"),
    Restaurant(id="spice-route", name="Spice Route", cuisine="indian", area="north", phone="020 7946 0104"),
    Restaurant(id="sakura", name="Sakura", cuisine="japanese", area="riverside", phone="020 7946 0105"),
    Restaurant(id="casa-lotus", name="Casa Lotus", cuisine="mexican", area="north", phone="020 7946 0106"),
]


class Restaurants(BaseModel):
    items: list[Restaurant]


class OtherTime(BaseModel):
    time: str


class Availability(BaseModel):
    free: bool
    reason: str | None
    """Why not, when it is not free."""
    alternatives: list[OtherTime]


class BookingIn(BaseModel):
    cuisine: str
    party_size: int = Field(ge=1, le=20)
    date: dt.date
    time: dt.time
    name: str = Field(min_length=1, max_length=80)
    phone: str = Field(min_length=7, max_length=16)
    user: str = Field(min_length=1, max_length=200)


class Booking(BookingIn):
    reference: str
    restaurant: str


class Stats(BaseModel):
    requests: dict[str, int]
    bookings: list[Booking]


bookings: list[Booking] = []
by_key: dict[str, Booking] = {}
received = counting(app)


def reset() -> None:
    """No bookings (for tests)."""
    bookings.clear()
    by_key.clear()


@app.get("/restaurants")
def restaurants(cuisine: str | None = None, area: str | None = None, name: str | None = None) -> Restaurants:
    """The group's restaurants, by name; only those of a cuisine or an area, or the one of a name (in any case),
    when asked."""
    found = [r for r in RESTAURANTS if cuisine in (None, r.cuisine) and area in (None, r.area)
             and (name is None or r.name.casefold() == name.strip().casefold())]
    return Restaurants(items=sorted(found, key=lambda r: r.name))


@app.get("/availability")
def availability(cuisine: str | None = None, date: dt.date | None = None, time: dt.time | None = None,
                 party: int | None = None) -> Availability:
    """Whether a table for `party` is free then; when it is not, why, and up to two free times near it. What is
    not known yet (no restaurant, date, time or party) is not checked: the booking itself is."""
    if cuisine is None or date is None or time is None or party is None:
        return Availability(free=True, reason=None, alternatives=[])
    restaurant = _restaurant(cuisine)
    reason = _refusal(restaurant, date, time, party)
    if not reason:
        return Availability(free=True, reason=None, alternatives=[])
    return Availability(free=False, reason=reason, alternatives=_near(restaurant, date, time, party))


@app.post("/bookings", status_code=201)
def book(order: BookingIn, idempotency_key: str | None = Header(None)) -> Booking:
    if idempotency_key is not None and idempotency_key in by_key:
        return by_key[idempotency_key]
    restaurant = _restaurant(order.cuisine)
    reason = _refusal(restaurant, order.date, order.time, order.party_size)
    if reason:
        raise HTTPException(409, reason)
    booking = Booking(**order.model_dump(), reference=reference("L", idempotency_key, len(bookings) + 1),
                      restaurant=restaurant.name)
    bookings.append(booking)
    if idempotency_key is not None:
        by_key[idempotency_key] = booking
    return booking


@app.get("/stats")
def stats() -> Stats:
    return Stats(requests=dict(received), bookings=bookings)


def _restaurant(cuisine: str) -> Restaurant:
    for restaurant in RESTAURANTS:
        if restaurant.cuisine == cuisine:
            return restaurant
    raise HTTPException(404, f"no restaurant serves {cuisine}")


def _refusal(restaurant: Restaurant, date: dt.date, time: dt.time, party: int) -> str:
    """Why a table for `party` cannot be had then, or empty."""
    if date.weekday() == 0 or not OPEN <= time <= LAST:
        return f"{restaurant.name} takes bookings from 12:00 to 22:00, Tuesday to Sunday"
    if date.weekday() == 5 and time == dt.time(20):
        return f"{restaurant.name} is fully booked at 20:00 on Saturdays"
    taken = sum(b.party_size for b in bookings if (b.restaurant, b.date, b.time) == (restaurant.name, date, time))
    if taken + party > SEATS:
        return f"{restaurant.name} has no table for {party} left at {time:%H:%M}"
    return ""


def _near(restaurant: Restaurant, date: dt.date, time: dt.time, party: int) -> list[OtherTime]:
    """Up to two free half hours nearest to `time` on that day."""
    start = dt.datetime.combine(date, time.replace(minute=0 if time.minute < 30 else 30))
    steps = sorted(range(-20, 21), key=lambda step: (abs(step), step))
    times = [(start + dt.timedelta(minutes=30 * step)).time() for step in steps if step]
    free = [t for t in times if not _refusal(restaurant, date, t, party)]
    return [OtherTime(time=f"{t:%H:%M}") for t in sorted(free[:2])]
