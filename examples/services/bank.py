"""An example core-banking service for the engine's `call:` actions: accounts, balances and transfers, kept in
memory. The bundled `banking` domain calls it.

Run it with `uvicorn --app-dir examples/services bank:app --port 8081` (or let `--with-examples` start it),
then point a domain at it (they read `BANK_URL`). Users `tester` and `alice` have the accounts the banking
domain's tests know; anyone else has a current account with £5,000, savings with £20,000 and a credit card
with nothing owed. Transfers honour the `Idempotency-Key` header: the same key gets the first answer again and
moves no money twice. `GET /stats` counts what it received.
"""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from dialogue.example_services import counting, reference

app = FastAPI(title="Example core banking", version="2")
AccountKind = Literal["current", "savings", "credit_card"]


class Account(BaseModel):
    account: AccountKind
    name: str
    balance: float
    """What is in it; for a credit card, what is owed."""
    currency: str = "GBP"
    credit_limit: float | None = None


class TransferIn(BaseModel):
    user: str = Field(min_length=1, max_length=200)
    amount: float = Field(gt=0, le=1_000_000)
    to: str = Field(min_length=1, max_length=100)
    from_account: Literal["current", "savings"] = "current"


class Transfer(BaseModel):
    id: str
    amount: float
    to: str
    from_account: str
    balance: float
    """What is left in the account it was paid from."""


class Stats(BaseModel):
    requests: dict[str, int]
    transfers: int


def _opening(user: str) -> dict[str, Account]:
    """The accounts a user starts with."""
    if user == "tester":
        return {"current": Account(account="current", name="Everyday Current Account", balance=2450.75),
                "savings": Account(account="savings", name="Easy Saver", balance=12000.00),
                "credit_card": Account(account="credit_card", name="Platinum Visa", balance=612.40,
                                       credit_limit=5000)}
    if user == "alice":
        return {"current": Account(account="current", name="Everyday Current Account", balance=310.20),
                "credit_card": Account(account="credit_card", name="Classic Visa", balance=0, credit_limit=1500)}
    return {"current": Account(account="current", name="Everyday Current Account", balance=5000.00),
            "savings": Account(account="savings", name="Easy Saver", balance=20000.00),
            "credit_card": Account(account="credit_card", name="Classic Visa", balance=0, credit_limit=1500)}


accounts: dict[str, dict[str, Account]] = {}
by_key: dict[str, Transfer] = {}
made: list[Transfer] = []
received = counting(app)


def reset() -> None:
    """Every user back to their opening accounts, no transfers (for tests)."""
    accounts.clear()
    by_key.clear()
    made.clear()


@app.get("/accounts/{user}/balance")
def balance(user: str, account: AccountKind = "current") -> Account:
    found = _accounts(user).get(account)
    if found is None:
        raise HTTPException(404, f"{user} has no {account} account")
    return found


@app.post("/transfers", status_code=201)
def transfer(order: TransferIn, idempotency_key: str | None = Header(None)) -> Transfer:
    if idempotency_key is not None and idempotency_key in by_key:
        return by_key[idempotency_key]
    source = _accounts(order.user).get(order.from_account)
    if source is None:
        raise HTTPException(404, f"{order.user} has no {order.from_account} account")
    left = round(source.balance - order.amount, 2)
    if left < 0:
        raise HTTPException(409, "not enough money on the account")
    source.balance = left
    done = Transfer(id=reference("T", idempotency_key, len(made) + 1), amount=order.amount, to=order.to,
                    from_account=order.from_account, balance=left)
    made.append(done)
    if idempotency_key is not None:
        by_key[idempotency_key] = done
    return done


@app.get("/stats")
def stats() -> Stats:
    return Stats(requests=dict(received), transfers=len(made))


def _accounts(user: str) -> dict[str, Account]:
    if user not in accounts:
        accounts[user] = _opening(user)
    return accounts[user]
