"""What the commands share: consoles, options, loading a domain and its NLU."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from domains import Domain, DomainError, load_domain

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

DomainArg = typer.Argument(..., help="A domain file, or the name of a bundled domain (restaurant, banking, telco_ivr).")
JsonOption = typer.Option(False, "--json", help="Print the figures as JSON.")
ModelsOption = typer.Option(None, "--models", help="Folder of trained models (default: models/ in the data "
                                                     "folder, which DIALOGUE_HOME can set).")
DbOption = typer.Option(None, "--db", envvar="DIALOGUE_DB", help="Database URL: sqlite:///path/to/file.db or "
                                                                  "postgresql+psycopg://user@host/db (default: "
                                                                  "dialogue.db in the data folder).")


def data_home() -> Path:
    """Where the engine keeps its files: $DIALOGUE_HOME, else the user's data folder."""
    import platformdirs

    return Path(os.environ.get("DIALOGUE_HOME") or platformdirs.user_data_dir("dialogue"))


def db_url(db: str | None) -> str:
    """The database URL given, else the SQLite file in the data folder (created if missing)."""
    if db:
        return db
    home = data_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'dialogue.db'}"


def models_root(models: Path | None) -> Path:
    return models if models is not None else data_home() / "models"


def load(source: str) -> Domain:
    """The domain, or its problems printed and exit status 1."""
    try:
        return load_domain(source)
    except DomainError as err:
        for problem in err.problems:
            errors.print(str(problem), highlight=False, markup=False)
        raise typer.Exit(1) from None


def understander(domain: Domain, models: Path | None) -> Any:
    """The domain's trained NLU, or None when no model matches its current data."""
    from nlu.understander import Understander

    return Understander.for_domain(domain, models_root(models))


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
