"""`dialogue sessions ...`: export the stored conversations, prune the old ones."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from contextlib import nullcontext
from pathlib import Path

import typer

from dialogue.cli.common import DbOption, JsonOption, console, db_url, errors, print_json, writable

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _age(text: str) -> dt.timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text)
    if not match:
        raise typer.BadParameter(f"'{text}' is not an age; write a number and a unit: 90m, 12h, 30d or 8w")
    try:
        age = dt.timedelta(**{_UNITS[match[2]]: int(match[1])})
        dt.datetime.now(dt.UTC) - age
    except (OverflowError, ValueError):  # past datetime's range, or too many digits for an int
        raise typer.BadParameter(f"'{text}' is too long an age: it reaches back before the year 1") from None
    return age


def export(db: str | None = DbOption, domain: str | None = typer.Option(None, help="Only this domain's sessions."),
           output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")) -> None:
    """Write every stored session as one JSON line: its state, events and turns."""
    from dialogue.dm.sql import SqlStore

    writable(output, "--output")
    store = SqlStore(db_url(db), existing=True)
    count = 0
    with output.open("w", encoding="utf-8") if output else nullcontext(sys.stdout) as sink:
        for session in store.export_sessions(domain):
            sink.write(json.dumps(session, ensure_ascii=False) + "\n")
            count += 1
    errors.print(f"exported {count} session(s) from {store.shown}", style="dim", highlight=False)


def prune(older_than: str = typer.Option(..., "--older-than", help="Age of the last turn: 90m, 12h, 30d, 8w."),
          db: str | None = DbOption, domain: str | None = typer.Option(None, help="Only this domain's sessions."),
          as_json: bool = JsonOption) -> None:
    """Delete sessions whose last turn is older than an age, with their events (user variables stay)."""
    from dialogue.dm.sql import SqlStore

    age = _age(older_than)
    store = SqlStore(db_url(db), existing=True)
    counts = store.prune_sessions(dt.datetime.now(dt.UTC) - age, domain)
    if as_json:
        print_json({"older_than": older_than, **counts})
    else:
        console.print(f"deleted {counts['sessions']} session(s), {counts['turns']} turn(s) and {counts['events']} "
                      f"event(s) older than {older_than} from {store.shown}", highlight=False)
