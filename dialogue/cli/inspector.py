"""`dialogue inspect`: the inspector's web page on a domain, in this process or against a server
(docs/inspector.md)."""

from __future__ import annotations

import datetime as dt
import threading
import webbrowser
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import typer

from dialogue.cli import llm as llm_options
from dialogue.cli.common import (
    ModelsOption,
    WithExamplesOption,
    console,
    errors,
    examples_running,
    fail,
    knowledge_index,
    load,
    understander,
)
from dialogue.domains import resolve_domain_path


def inspect(domain: str = typer.Argument(..., help="A domain file, or the name of a bundled domain (restaurant, "
                                                    "banking, telco_ivr); with --server, the domain the server hosts "
                                                    "under that name."),
            server: str | None = typer.Option(None, "--server", help="HOST:PORT of a dialogue server: run the turns "
                                                                     "there over gRPC instead of in this process."),
            db: str | None = typer.Option(None, "--db", help="The database of sessions (sqlite:///file.db or "
                                                             "postgresql+psycopg://...): in this process, keep the "
                                                             "page's sessions there; either way, list and replay "
                                                             "the sessions stored there."),
            host: str = typer.Option("127.0.0.1", help="Address the page listens on (keep it local: the page runs "
                                                       "turns and writes tests files)."),
            port: int = typer.Option(8765, min=0, max=65535, help="The page's port (0 picks a free one)."),
            now: dt.datetime | None = typer.Option(None, "--now", formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"],
                                                   help="Pin every conversation's clock here (in the domain's time "
                                                        "zone), as a test's `now:` does; in this process only."),
            browser: bool = typer.Option(True, "--browser/--no-browser", help="Open the page in a browser, if "
                                                                             "there is one."),
            models: Path | None = ModelsOption, with_examples: bool = WithExamplesOption,
            token: str | None = typer.Option(None, envvar="DIALOGUE_TOKEN", show_envvar=True,
                                             help="The server's token (with --server)."),
            wait: float = typer.Option(10.0, min=0, help="Seconds to wait for the server to come up (with "
                                                         "--server)."),
            llm: str | None = llm_options.BackendOption, llm_model: str | None = llm_options.ModelOption,
            llm_url: str | None = llm_options.UrlOption,
            llm_timeout_ms: int | None = llm_options.TimeoutOption) -> None:
    """A web page to chat with a domain and see each turn: the intents ranked, the entities, guards, actions,
    messages and their sources, latency; the goal stack and slots; stored sessions; the domain as a picture. It
    saves a conversation as a test."""
    from dialogue.inspector.app import inspector_app
    from dialogue.inspector.conversations import Inspector
    from dialogue.inspector.picture import domain_svg
    from dialogue.inspector.serving import listen, serve, url_of

    loaded = llm_options.with_llm(load(domain), llm, llm_model, llm_url, llm_timeout_ms)
    path = resolve_domain_path(domain)
    try:
        listening = listen(host, port)
    except OSError as err:
        fail(f"cannot listen on {host}:{port}: {err.strerror or err}")
    with ExitStack() as stack:
        store = _store(db) if db else None
        if store is not None:
            stack.callback(store.close)
        if server is None:
            stack.enter_context(examples_running(with_examples))
            backend, where = _local(loaded, store, models, llm), "in this process"
        else:
            backend, where = _remote(stack, server, loaded.name, token, wait), f"on the server at {server}"
        inspector = Inspector(loaded, backend, domain_path=path, store=store, now=now)
        app = inspector_app(inspector, graph=lambda: domain_svg(loaded), about={"where": where})
        url = url_of(listening)
        console.print(f"inspecting '{loaded.name}' {where} at {url} (Ctrl+C stops)", highlight=False)
        console.file.flush()  # the address, at once, also to a pipe
        if browser:
            threading.Timer(0.5, webbrowser.open, args=(url,)).start()
        serve(app, listening)


def _store(db: str) -> Any:
    from dialogue.dm.sql import SqlStore

    return SqlStore(db)


def _local(loaded: Any, store: Any, models: Path | None, llm: str | None) -> Any:
    from dialogue.engine import Engine
    from dialogue.inspector.conversations import LocalBackend

    engine = Engine(loaded, nlu=understander(loaded, models), store=store, llm=llm_options.open_llm(loaded, llm),
                    knowledge=knowledge_index(loaded, models))
    if engine.nlu is None:
        errors.print(f"no NLU model trained on '{loaded.name}' as it is now: text is not understood until "
                      f"`dialogue train {loaded.name}`; /intent{{...}} and keys work", style="yellow",
                      highlight=False, markup=False)
    return LocalBackend(engine)


def _remote(stack: ExitStack, server: str, name: str, token: str | None, wait: float) -> Any:
    from dialogue.client import Client, ServerError
    from dialogue.inspector.conversations import RemoteBackend

    client = stack.enter_context(Client(server, token=token))
    try:
        client.wait_ready(wait)
        hosted = [info.name for info in client.domains()]
    except ServerError as err:
        fail(str(err))
    if name not in hosted:
        fail(f"the server at {server} does not host '{name}'; it hosts {', '.join(hosted)}")
    return RemoteBackend(client, name)
