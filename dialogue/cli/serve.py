"""`dialogue serve`: the gRPC server hosting domains (docs/grpc.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from dialogue.cli import llm as llm_options
from dialogue.cli.common import (
    DbOption,
    ModelsOption,
    WithExamplesOption,
    db_url,
    examples_running,
    fail,
    load,
    models_root,
    usage_error,
)

if TYPE_CHECKING:
    from dialogue.domains import Domain
    from dialogue.server.host import Host


def serve(domains: list[str] = typer.Argument(..., help="Domains to host: files or bundled names (restaurant, "
                                                        "banking, telco_ivr)."),
          host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 or [::] for other machines; "
                                                     "then use --token and TLS)."),
          port: int = typer.Option(50051, min=0, max=65535, help="gRPC port (0 picks a free one; the 'serving' "
                                                                 "log line says which)."),
          db: str | None = DbOption,
          processes: int = typer.Option(1, min=1, max=256, help="Server processes sharing the port, one per core "
                                                                "(the kernel spreads connections; see docs/grpc.md)."),
          workers: int = typer.Option(4, min=1, max=256, help="Threads running the turns that may wait (LLM, "
                                                              "PostgreSQL), off the event loop."),
          nlu_threads: int = typer.Option(1, min=1, max=64, help="Threads of one NLU model call (a domain's model "
                                                                 "runs one call at a time, on the texts of all the "
                                                                 "turns waiting for it; see docs/grpc.md)."),
          nlu_batch: int = typer.Option(8, min=1, max=256, help="Texts in one NLU model call at most."),
          models: Path | None = ModelsOption,
          token: str | None = typer.Option(None, envvar="DIALOGUE_TOKEN", show_envvar=True,
                                           help="Require `authorization: Bearer <token>` on every call "
                                                "(health checks excepted)."),
          tls_cert: Path | None = typer.Option(None, exists=True, dir_okay=False, help="PEM certificate chain: "
                                                                                     "serve over TLS."),
          tls_key: Path | None = typer.Option(None, exists=True, dir_okay=False, help="PEM private key of "
                                                                                    "--tls-cert."),
          max_message_bytes: int = typer.Option(64 * 1024, min=1024, help="Larger requests get RESOURCE_EXHAUSTED."),
          max_calls: int = typer.Option(512, min=1, help="Calls (and open streams) served at once, health checks "
                                                         "apart; more get RESOURCE_EXHAUSTED."),
          max_client_calls: int = typer.Option(256, min=1, help="Calls one client address may have in flight; "
                                                                "more of its calls get RESOURCE_EXHAUSTED."),
          max_health_calls: int = typer.Option(64, min=1, help="Health checks and watches (no token needed) in "
                                                               "flight; apart from --max-calls."),
          grace: float = typer.Option(30.0, min=0, help="Seconds the calls in flight get to finish on SIGTERM."),
          drain_delay: float = typer.Option(0.0, min=0, max=300, help="Seconds to go on serving after SIGTERM, "
                                                                        "health NOT_SERVING, so that a load "
                                                                        "balancer's checks take the server out "
                                                                        "before it refuses calls."),
          keepalive: float = typer.Option(30.0, min=0, help="Ping a connection quiet for this many seconds and "
                                                              "close it if the client does not answer within "
                                                              "--keepalive-timeout (0: never)."),
          keepalive_timeout: float = typer.Option(10.0, min=0.001, help="Seconds a client has to answer a ping."),
          client_ping: float = typer.Option(10.0, min=0.001, help="Clients may send keepalive pings this often "
                                                                  "(seconds); more often closes their connection."),
          metrics_port: int | None = typer.Option(None, min=0, max=65535, help="Serve Prometheus metrics on this "
                                                                               "HTTP port (/metrics)."),
          debug: bool = typer.Option(False, "--debug", help="Log what users say and the bot's replies."),
          with_examples: bool = WithExamplesOption,
          llm: str | None = llm_options.BackendOption, llm_model: str | None = llm_options.ModelOption,
          llm_url: str | None = llm_options.UrlOption, llm_timeout_ms: int | None = llm_options.TimeoutOption) -> None:
    """Serve domains over gRPC until SIGTERM or Ctrl-C: turns, streams, NLU, sessions; health and reflection."""
    import asyncio

    from dialogue.dm.sql import in_memory
    from dialogue.server import app
    from dialogue.server.logs import setup
    from dialogue.server.processes import ProcessesFailed, serve_processes

    if (tls_cert is None) != (tls_key is None):
        usage_error("TLS needs both --tls-cert and --tls-key")
    if tls_cert is not None and tls_key is not None:
        from dialogue.server.auth import tls_problem

        problem = tls_problem(tls_cert, tls_key)
        if problem:
            usage_error(problem)
    loaded = [llm_options.with_llm(load(domain), llm, llm_model, llm_url, llm_timeout_ms) for domain in domains]
    names = [domain.name for domain in loaded]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        usage_error(f"domain {', '.join(twice)} is given more than once (domains are told apart by name)")
    url = db_url(db)
    if processes > 1 and in_memory(url):
        usage_error("--processes needs a database they can share: a database in memory is one process's alone")
    hosting = Hosting(tuple(loaded), llm, url, models_root(models, must_exist=True), workers, nlu_threads, nlu_batch)
    setup()
    options = app.Options(host=host, port=port, token=token or None, tls_cert=tls_cert, tls_key=tls_key,
                          max_message_bytes=max_message_bytes, max_calls=max_calls, grace_s=grace,
                          drain_delay_s=drain_delay, max_client_calls=max_client_calls,
                          max_health_calls=max_health_calls,
                          keepalive_s=keepalive or None, keepalive_timeout_s=keepalive_timeout,
                          client_ping_s=client_ping,
                          metrics_port=metrics_port, debug=debug)
    try:
        with examples_running(with_examples):
            if processes == 1:
                asyncio.run(app.serve(hosting.open(), options))
            else:
                serve_processes(hosting.open, options, processes)
    except ProcessesFailed as err:
        fail(str(err))
    except RuntimeError as err:  # gRPC's port
        if "bind" not in str(err).lower():
            raise
        fail(f"cannot listen on {host}:{port} (is another server using the port?)")
    except OSError as err:  # the metrics port
        fail(f"cannot serve metrics on {host}:{metrics_port}: {err.strerror}")


@dataclass(frozen=True)
class Hosting:
    """What a server process opens: the domains with their LLMs, on the store, with their models. It pickles, so
    that each of `--processes` opens its own."""

    domains: tuple[Domain, ...]
    llm: str | None
    """--llm (`off`: no LLM)."""
    db: str
    models: Path
    workers: int
    nlu_threads: int
    nlu_batch: int

    def open(self) -> Host:
        from dialogue.dm.sql import SqlStore
        from dialogue.server.host import Host

        llms = {domain.name: llm_options.open_llm(domain, self.llm) for domain in self.domains}
        return Host.open(list(self.domains), SqlStore(self.db), self.models, workers=self.workers,
                         nlu_threads=self.nlu_threads, batch=self.nlu_batch, llms=llms)
