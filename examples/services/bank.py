"""An example core-banking service for the engine's `call:` actions: balances and transfers, kept in memory.

Run it with `uvicorn --app-dir examples/services bank:app --port 8081`, then point a domain at it
(`examples/services/bank.yaml` reads `BANK_URL`). Transfers honour the `Idempotency-Key` header: the same key
gets the first answer again and moves no money twice. `GET /stats` counts what it received.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field

app = FastAPI(title="Example core banking", version="1")
OPENING_BALANCE = 1000.0
balances: dict[str, float] = {}
by_key: dict[str, Transfer] = {}
made: list[Transfer] = []
received: Counter[str] = Counter()


class Balance(BaseModel):
    balance: float
    currency: str


class TransferIn(BaseModel):
    user: str = Field(min_length=1, max_length=64)
    amount: int = Field(gt=0, le=1_000_000)
    to: str = Field(min_length=1, max_length=100)


class Transfer(BaseModel):
    id: str
    amount: int
    to: str
    balance: float


class Stats(BaseModel):
    requests: dict[str, int]
    transfers: int


@app.middleware("http")
async def count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    received[f"{request.method} {request.url.path}"] += 1
    return await call_next(request)


@app.get("/accounts/{user}/balance")
def balance(user: str, currency: str = "EUR") -> Balance:
    if currency != "EUR":
        raise HTTPException(422, "only EUR accounts here")
    return Balance(balance=balances.get(user, OPENING_BALANCE), currency=currency)


@app.post("/transfers", status_code=201)
def transfer(order: TransferIn, idempotency_key: str | None = Header(None)) -> Transfer:
    if idempotency_key is not None and idempotency_key in by_key:
        return by_key[idempotency_key]
    left = balances.get(order.user, OPENING_BALANCE) - order.amount
    if left < 0:
        raise HTTPException(409, "not enough money on the account")
    balances[order.user] = left
    done = Transfer(id=f"T{len(made) + 1:05d}", amount=order.amount, to=order.to, balance=left)
    made.append(done)
    if idempotency_key is not None:
        by_key[idempotency_key] = done
    return done


@app.get("/stats")
def stats() -> Stats:
    return Stats(requests=dict(received), transfers=len(made))
