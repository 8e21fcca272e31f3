"""`dialogue init`: a first domain, ready to validate, train and test (dialogue.starter)."""

from __future__ import annotations

from pathlib import Path

import typer

from dialogue.cli.common import console, fail, usage_error, writable
from dialogue.starter import BLANK, InitError, InTheWay, init_domain, sources


def init(name: str = typer.Argument(..., help="The new domain's name: lower-case letters, digits and underscores, "
                                               "starting with a letter (it names NAME.yaml and NAME.tests.yaml)."),
         source: str = typer.Option(BLANK, "--from", help=f"What to start from: {', '.join(sources())} (blank: a "
                                                          "small coffee-order domain to make your own)."),
         folder: Path = typer.Option(Path("."), "--folder", help="Where to write (created if missing).")) -> None:
    """Write a new domain, its conversation tests and the files it names into a folder, never over a file."""
    writable(folder, "--folder", folder=True)
    try:
        done = init_domain(name, source, folder)
    except InTheWay as err:
        fail(str(err))
    except InitError as err:
        usage_error(str(err))
    for path in done.written:
        console.print(f"wrote {path}", highlight=False, markup=False)
    for path in done.kept:
        console.print(f"kept {path} (the same file was there)", highlight=False, markup=False)
    if done.readme is None:
        console.print(f"{folder / 'README.md'} was there already; what to run next:\n", highlight=False, markup=False)
        console.print(done.note, highlight=False, markup=False)
    else:
        console.print(f"next: dialogue validate {folder / name}.yaml, then train, test and chat "
                      f"(see {done.readme})", highlight=False, markup=False)
