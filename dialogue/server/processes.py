"""Several server processes on one port (`dialogue serve --processes N`): every core of a machine.

The supervisor takes the port for itself first, the way a single server does (a port some
other program holds is refused), and then lets the kernel share it: its own socket, bound
but never listening, keeps any other server off the port for as long as it runs, while its
N children, started with SO_REUSEPORT, listen on it and the kernel spreads connections
among them. Each child hosts every domain on the shared database (turns of one session are
ordered by the database, as with several machines), with its own turn threads and NLU.

Metrics: the children write theirs to files in a folder of the supervisor's (the
Prometheus client's multiprocess mode); the supervisor serves them, merged, on the
metrics port. A child that dies is replaced; one that dies before it serves stops them
all. SIGTERM or SIGINT stops all gracefully: each child drains as a single server does.
A child whose supervisor is gone stops too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from typing import Any

from prometheus_client import multiprocess

from dialogue.server import app
from dialogue.server.host import Host
from dialogue.server.logs import setup
from dialogue.server.metrics import serve_merged

log = logging.getLogger("dialogue.server")
METRICS_FOLDER = "PROMETHEUS_MULTIPROC_DIR"
START_S = 600.0
"""Seconds a child has to start serving (it loads every domain's models)."""
PARENT_CHECK_S = 1.0


class ProcessesFailed(RuntimeError):
    """A child could not start serving; says why."""


@dataclass
class _Child:
    number: int
    process: multiprocessing.process.BaseProcess
    serving: bool = False


def hold_port(host: str, port: int) -> tuple[list[socket.socket], int]:
    """Bind `host:port` (0: a free port) on every address the host has, alone, then open it to SO_REUSEPORT
    sockets of this user: the children can listen on it and no other server can. RuntimeError if it is taken."""
    held: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM,
                                                                      flags=socket.AI_PASSIVE):
            sock = socket.socket(family, kind, proto)
            held.append(sock)
            sock.bind((address[0], port, *address[2:]))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            port = sock.getsockname()[1]
    except OSError as err:
        for sock in held:
            sock.close()
        raise RuntimeError(f"cannot bind {host}:{port}: {err.strerror}") from None
    return held, port


def serve_processes(open_host: Callable[[], Host], options: app.Options, processes: int) -> None:
    """Run `processes` servers on the options' port until SIGTERM or SIGINT, then stop them all gracefully.
    `open_host` runs in each child (it must pickle: a module-level function or a method of a picklable object).
    Raises RuntimeError when the port is taken, ProcessesFailed when a child cannot start."""
    held, port = hold_port(options.host, options.port)
    folder = tempfile.mkdtemp(prefix="dialogue-metrics-")
    os.environ[METRICS_FOLDER] = folder  # before the children import prometheus_client
    supervisor = _Supervisor(open_host, replace(options, port=port, metrics_port=None), processes)
    metrics_http = None
    try:
        supervisor.start()
        if supervisor.stopping.is_set():  # told to stop while the children started
            return
        metrics_port = None
        if options.metrics_port is not None:
            metrics_http, metrics_port = serve_merged(folder, options.metrics_port, options.host)
        described = {key: value for key, value in supervisor.first.items() if key != "process"}
        log.info("serving", extra={"fields": {**described, "metrics_port": metrics_port, "pid": os.getpid(),
                                              "processes": processes, "pids": supervisor.pids()}})
        supervisor.watch()
    finally:
        supervisor.stop()
        if metrics_http is not None:
            metrics_http.shutdown()
        for sock in held:
            sock.close()
        os.environ.pop(METRICS_FOLDER, None)
        shutil.rmtree(folder, ignore_errors=True)
        log.info("stopped", extra={"fields": {"processes": processes}})


class _Supervisor:
    def __init__(self, open_host: Callable[[], Host], options: app.Options, processes: int):
        self.open_host, self.options, self.processes = open_host, options, processes
        self.context = multiprocessing.get_context("spawn")
        self.ready = self.context.SimpleQueue()
        self.children: list[_Child] = []
        self.first: dict[str, Any] = {}
        self.stopping = threading.Event()

    def start(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        self.children = [self._spawn(number) for number in range(self.processes)]
        until = time.monotonic() + START_S
        while not all(child.serving for child in self.children):
            if self.stopping.is_set():
                return
            self._note_ready()
            self._check_starting()
            if time.monotonic() > until:
                raise ProcessesFailed(f"the server processes did not serve within {START_S:g} s")
            wait([child.process.sentinel for child in self.children], timeout=0.05)

    def watch(self) -> None:
        """Replace children that die, until told to stop."""
        while not self.stopping.is_set():
            wait([child.process.sentinel for child in self.children], timeout=0.2)
            self._note_ready()
            self._check_starting()
            for index, child in enumerate(self.children):
                if child.process.exitcode is not None and not self.stopping.is_set():
                    log.error("process_died", extra={"fields": {"process": child.number, "pid": child.process.pid,
                                                                "exit_code": child.process.exitcode}})
                    _mark_dead(child.process.pid)
                    self.children[index] = self._spawn(child.number)

    def stop(self) -> None:
        """SIGTERM to every child; each gets its drain delay, its grace period and a minute to close, then
        SIGKILL."""
        self.stopping.set()
        for child in self.children:
            if child.process.exitcode is None:
                child.process.terminate()
        until = time.monotonic() + self.options.drain_delay_s + self.options.grace_s + 60
        for child in self.children:
            child.process.join(max(0.0, until - time.monotonic()))
            if child.process.exitcode is None:
                child.process.kill()
                child.process.join()

    def pids(self) -> list[int]:
        return [child.process.pid for child in self.children if child.process.pid is not None]

    def _spawn(self, number: int) -> _Child:
        process = self.context.Process(target=_child_main, name=f"dialogue-serve-{number}", daemon=False,
                                       args=(self.open_host, replace(self.options, process=number), self.ready,
                                             os.getpid()))
        process.start()
        return _Child(number, process)

    def _note_ready(self) -> None:
        while not self.ready.empty():
            number, fields = self.ready.get()
            self.first = self.first or fields
            for child in self.children:
                if child.number == number and child.process.pid == fields["pid"]:
                    child.serving = True

    def _check_starting(self) -> None:
        """A child that died before it served: a mistake every child would make, so stop."""
        for child in self.children:
            if not child.serving and child.process.exitcode is not None:
                raise ProcessesFailed(f"server process {child.number} exited with status {child.process.exitcode} "
                                      "before it served (its log is above)")


def _child_main(open_host: Callable[[], Host], options: app.Options, ready: Any, parent: int) -> None:
    setup()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # while it loads: Ctrl-C is the supervisor's to handle
    host = open_host()
    asyncio.run(app.serve(host, options, on_serving=lambda fields: ready.put((options.process, fields)),
                          stop_when=_orphaned(parent)))


def _orphaned(parent: int) -> Callable[[asyncio.Event], Any]:
    async def watch(stopping: asyncio.Event) -> None:
        while os.getppid() == parent:
            await asyncio.sleep(PARENT_CHECK_S)
        log.warning("supervisor_gone", extra={"fields": {"supervisor": parent}})
        stopping.set()
    return watch


def _mark_dead(pid: int | None) -> None:
    with contextlib.suppress(OSError):
        multiprocess.mark_process_dead(pid)

