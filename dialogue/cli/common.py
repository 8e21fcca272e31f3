"""What the commands share: consoles, options, loading a domain and its NLU."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from dialogue.domains import Domain, DomainError, bundled_domains, load_domain, resolve_domain_path
from dialogue.paths import default_database, models_folder

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

DomainArg = typer.Argument(..., help="A domain file, or the name of a bundled domain (restaurant, banking, telco_ivr).")
JsonOption = typer.Option(False, "--json", help="Print the figures as JSON.")
ModelsOption = typer.Option(None, "--models", help="Folder of trained models (default: models/ in the data "
                                                     "folder, which DIALOGUE_HOME can set).")
WithExamplesOption = typer.Option(False, "--with-examples", help="Start the example services the bundled domains "
                                  "call (the restaurant's reservations) on loopback ports while the command runs.")
DbOption = typer.Option(None, "--db", envvar="DIALOGUE_DB", help="Database URL: sqlite:///path/to/file.db or "
                                                                  "postgresql+psycopg://user@host/db (default: "
                                                                  "dialogue.db in the data folder).")


def db_url(db: str | None) -> str:
    """The database URL given, else the SQLite file in the data folder (created if missing)."""
    return db or default_database()


def usage_error(message: str) -> NoReturn:
    """Say in one line what is wrong with the command line, and exit with status 2."""
    errors.print(f"error: {message}", style="red", highlight=False, markup=False)
    raise typer.Exit(2)


def fail(message: str) -> NoReturn:
    """Say in one line why the command could not do its work, and exit with status 1."""
    errors.print(f"error: {message}", style="red", highlight=False, markup=False)
    raise typer.Exit(1)


def existing_folder(path: Path, option: str) -> Path:
    """The folder given with `option`; one that does not exist, or is a file, is refused."""
    if not path.is_dir():
        usage_error(f"{option}: {path} is not a folder" if path.exists() else f"{option}: folder {path} does not exist")
    return path


def writable(path: Path | None, option: str, *, folder: bool = False) -> None:
    """Refuse, before any work, an output file (or folder, created if missing) that cannot be written."""
    if path is None:
        return
    target = path.absolute()
    if folder and target.exists() and not target.is_dir():
        usage_error(f"{option}: {path} is a file; give a folder (it is created if missing)")
    if not folder and target.is_dir():
        usage_error(f"{option}: {path} is a folder; give a file")
    base = next(p for p in (target, *target.parents) if p.exists()) if folder else target.parent
    existing_folder(base, option)
    try:
        tempfile.TemporaryFile(dir=base).close()
    except OSError as err:
        usage_error(f"{option}: cannot write in {base} ({err.strerror or err})")


def iso_time(text: str, option: str = "--now") -> dt.datetime:
    """A date-time given on the command line in ISO format."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        usage_error(f"{option}: '{text}' is not an ISO date-time like 2026-11-25T10:00")


def models_root(models: Path | None, *, must_exist: bool = False) -> Path:
    """--models, else models/ in the data folder; a --models folder to read from must exist."""
    if models is not None and must_exist:
        existing_folder(models, "--models")
    return models if models is not None else models_folder()


def load(source: str) -> Domain:
    """The domain, or its problems printed and exit status 1 (an unknown name lists the bundled ones)."""
    if not resolve_domain_path(source).exists():
        bundled = ", ".join(path.stem for path in bundled_domains())
        usage_error(f"no bundled domain or file named '{source}'; bundled: {bundled}")
    try:
        return load_domain(source)
    except DomainError as err:
        for problem in err.problems:
            errors.print(str(problem), highlight=False, markup=False)
        raise typer.Exit(1) from None


def understander(domain: Domain, models: Path | None) -> Any:
    """The domain's trained NLU, or None when no model matches its current data."""
    from dialogue.nlu.understander import Understander

    return Understander.for_domain(domain, models_root(models, must_exist=True))


def knowledge_index(domain: Domain, models: Path | None) -> Any:
    """The index of the domain's current knowledge, or None when it has none or none was built."""
    from dialogue.nlu.knowledge.index import domain_index

    return domain_index(domain, models_root(models, must_exist=True))


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def examples_running(wanted: bool) -> Iterator[None]:
    """With `--with-examples`: the example services run (dialogue.example_services) until the context ends."""
    with ExitStack() as stack:
        if wanted:
            from dialogue.example_services import ExamplesMissing, running

            try:
                urls = stack.enter_context(running())
            except ExamplesMissing as err:
                fail(str(err))
            errors.print("example services: " + ", ".join(f"{name}={url}" for name, url in urls.items()),
                         highlight=False)
        yield
