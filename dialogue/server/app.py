"""A dialogue server: the service on grpc.aio with health checking, reflection, auth, TLS and metrics.

Shutting down (SIGTERM, SIGINT or `stop()`): health turns NOT_SERVING; after `drain_delay_s`
(0 by default), during which calls are still served so that a load balancer's health check
takes the server out first, streams take no new turns, new calls are refused (UNAVAILABLE),
the calls in flight get `grace_s` to finish, then the turn threads are waited for, so no turn
is cut off half-way.

Keepalive: the server pings a connection that has been quiet for `keepalive_s` and closes it
if the client does not answer, so the streams of a caller that vanished (a dropped network,
a frozen frontend) end instead of holding their places; and it lets clients ping it every
`client_ping_s`, which keeps an idle stream open through proxies and NATs that drop quiet
connections.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from dialogue import wire
from dialogue.server.auth import BearerToken
from dialogue.server.calls import Calls
from dialogue.server.handlers import SERVICE, register
from dialogue.server.host import Host
from dialogue.server.limits import HEALTH_CALLS, CallLimits
from dialogue.server.metrics import Metrics
from dialogue.server.service import DialogueService

log = logging.getLogger("dialogue.server")


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 50051
    """0 picks a free port (see `Server.port` once started)."""
    token: str | None = None
    """Calls must carry `authorization: Bearer <token>` (health checks excepted)."""
    tls_cert: Path | None = None
    tls_key: Path | None = None
    max_message_bytes: int = 64 * 1024
    """Larger requests are refused with RESOURCE_EXHAUSTED."""
    max_calls: int = 512
    """Calls (streams included) served at once, health checks apart; more are refused with RESOURCE_EXHAUSTED."""
    max_client_calls: int = 256
    """Calls one client (one address) may have in flight; more of its calls are refused with RESOURCE_EXHAUSTED."""
    max_health_calls: int = HEALTH_CALLS
    """Health checks and watches (which need no token) in flight at once; they do not count against
    `max_calls`."""
    grace_s: float = 30.0
    drain_delay_s: float = 0.0
    """Seconds between turning NOT_SERVING and refusing new calls, for load balancers' health checks to notice."""
    keepalive_s: float | None = 30.0
    """Ping a client's connection after this many seconds without a word from it; None: never."""
    keepalive_timeout_s: float = 10.0
    """Close a connection whose client has not answered a ping within this many seconds: its calls and streams
    end and give up their places (`max_calls`)."""
    client_ping_s: float = 10.0
    """Clients may ping this often, with or without calls in flight; a client that pings more often has its
    connection closed (GOAWAY, too_many_pings)."""
    metrics_port: int | None = None
    """Serve Prometheus metrics over HTTP on this port (0 picks one); None: no metrics endpoint."""
    debug: bool = False
    """Log what users said and the bot's replies (never in production)."""
    process: int | None = None
    """This server's number among the processes sharing the port (`--processes`, dialogue.server.processes): it
    listens with SO_REUSEPORT and logs `process_serving`; None: the port is its alone."""


class Server:
    """Built and run inside the event loop (grpc.aio binds to the loop it is created in)."""

    def __init__(self, host: Host, options: Options):
        self.host, self.options = host, options
        self.metrics = Metrics()
        for name, queue in host.queues.items():
            queue.on_call = self.metrics.nlu_batch.labels(name).observe
        self.health = health.aio.HealthServicer()
        limits = CallLimits(max_calls=options.max_calls, per_client=options.max_client_calls,
                            health_calls=options.max_health_calls)
        interceptors = [BearerToken(options.token, self.metrics)] if options.token else []
        self.grpc = grpc.aio.server(interceptors=[*interceptors, limits], options=channel_options(options),
                                    maximum_concurrent_rpcs=options.max_calls + options.max_health_calls)
        register(self.grpc, DialogueService(host, Calls(self.metrics, debug=options.debug)))
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc)
        reflection.enable_server_reflection((SERVICE.full_name, reflection.SERVICE_NAME, health.SERVICE_NAME),
                                            self.grpc)
        self.port = 0
        self.metrics_port: int | None = None
        self._metrics_http = None

    async def start(self) -> None:
        address = f"{self.options.host}:{self.options.port}"
        if self.options.tls_cert or self.options.tls_key:
            self.port = self.grpc.add_secure_port(address, _credentials(self.options))
        else:
            self.port = self.grpc.add_insecure_port(address)
        if self.options.metrics_port is not None:
            self._metrics_http, self.metrics_port = self.metrics.serve(self.options.metrics_port, self.options.host)
        await self.grpc.start()
        await self.health.set(SERVICE.full_name, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving" if self.options.process is None else "process_serving", extra={"fields": self.described()})

    def described(self) -> dict[str, Any]:
        """What its `serving` log line says."""
        return {"address": f"{self.options.host}:{self.port}", "port": self.port, "metrics_port": self.metrics_port,
                "domains": sorted(self.host.engines),
                "free_text": sorted(name for name, engine in self.host.engines.items() if engine.nlu),
                "tls": self.options.tls_cert is not None, "auth": self.options.token is not None,
                "workers": self.host.workers, "debug": self.options.debug, "pid": os.getpid(),
                "process": self.options.process, "gc_frozen_objects": gc.get_freeze_count()}

    async def stop(self) -> None:
        """Shut down gracefully (see the module's docstring)."""
        log.info("stopping", extra={"fields": {"grace_s": self.options.grace_s,
                                               "drain_delay_s": self.options.drain_delay_s}})
        await self.health.enter_graceful_shutdown()
        await asyncio.sleep(self.options.drain_delay_s)
        self.host.draining.set()
        await self.grpc.stop(self.options.grace_s)
        await asyncio.to_thread(self.host.close)
        if self._metrics_http is not None:
            self._metrics_http.shutdown()
        log.info("stopped")



async def serve(host: Host, options: Options, *, on_serving: Callable[[dict[str, Any]], None] | None = None,
                stop_when: Callable[[asyncio.Event], Awaitable[None]] | None = None) -> None:
    """Start a server, serve until SIGTERM or SIGINT (or until `stop_when`, given the event that stops the server,
    sets it), then shut down gracefully. `on_serving` is told what the `serving` log line says."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    server = Server(host, options)
    _freeze_what_is_loaded()
    await server.start()
    if on_serving is not None:
        on_serving(server.described())
    watcher = asyncio.create_task(stop_when(stopping)) if stop_when is not None else None
    await stopping.wait()
    if watcher is not None:
        watcher.cancel()
    await server.stop()


def _freeze_what_is_loaded() -> None:
    """Hide from Python's garbage collector what the server has loaded (modules, domains, models), which lives as
    long as the process: a full collection then walks the objects of the turns in flight only. With them, each took
    about 100 ms, a pause of every call in flight (BENCHMARKS.md, the flood)."""
    gc.collect()
    gc.freeze()


def channel_options(options: Options) -> list[tuple[str, int]]:
    """gRPC core's settings for the server's connections: its port its own (or shared with its siblings), the largest
    request, and keepalive pings both ways."""
    accepted = [("grpc.so_reuseport", int(options.process is not None)),  # else the port is this server's alone
                ("grpc.max_receive_message_length", options.max_message_bytes),
                ("grpc.http2.min_ping_interval_without_data_ms", wire.milliseconds(options.client_ping_s))]
    if options.keepalive_s:
        return accepted + wire.keepalive(options.keepalive_s, options.keepalive_timeout_s)
    return accepted + [("grpc.keepalive_permit_without_calls", 1)]  # clients' pings, even with no call in flight


def _credentials(options: Options) -> grpc.ServerCredentials:
    if not (options.tls_cert and options.tls_key):
        raise ValueError("TLS needs both --tls-cert and --tls-key")
    return grpc.ssl_server_credentials([(options.tls_key.read_bytes(), options.tls_cert.read_bytes())])
