"""A process serving turns of the `counter` domain on a database, for the crash and concurrency tests.

Run as `python -m tests.dialogue.turn_server DB_URL DOMAIN_FILE`: it reads one JSON request a
line ({"session", "user", "turn_id", "n"}) and writes one JSON answer a line, flushed, only
after the turn has committed.
"""

from __future__ import annotations

import json
import sys

COUNTER = """\
version: 1
name: counter
slots:
  n: {type: integer}
  total: {type: integer, default: 0}
  note: {type: text, max_length: 100000}
intents:
  add: ["add [3](n)"]
memory:
  variables:
    adds: {type: integer, default: 0}
    last_note: {type: text, max_length: 100000}
  tables:
    entries:
      columns: {session: text, n: integer, note: text}
tasks:
  add:
    description: add a number
    triggers: [add]
    policy: frame
    slots: [{slot: n}]
    on_complete:
      - set_slot: {total: "{{ slots.total + slots.n }}", note: "{{ entities.note }}"}
      - insert: {table: entries, values: {session: "{{ session.id }}", n: "{{ slots.n }}", note: "{{ slots.note }}"}}
      - set_variable: {adds: "{{ user.adds + 1 }}", last_note: "{{ slots.note }}"}
      - respond: added
responses:
  ask_n: How much?
  added: "Total {{ slots.total }}."
"""
"""Each `add` turn adds n to the total, logs a row in `entries` and counts the user's adds."""


def add(n: int, turn_id: str | None = None, note: str | None = None):
    """The input of one `add` turn."""
    from dialogue.turns import UserInput

    entities = {"n": n} if note is None else {"n": n, "note": note}
    return UserInput(intent="add", entities=entities, turn_id=turn_id)


def serve(url: str, domain_file: str) -> None:
    from dialogue.dm.sql import SqlStore
    from dialogue.domains import load_domain
    from dialogue.engine import Engine

    engine = Engine(load_domain(domain_file), store=SqlStore(url))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        result = engine.handle(request["session"], add(request["n"], request["turn_id"]), user_id=request["user"])
        print(json.dumps({"turn_id": request["turn_id"], "session": request["session"], "turn": result.turn,
                          "total": result.state.slots.get("total"), "replayed": result.replayed,
                          "attempts": result.attempts}), flush=True)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
