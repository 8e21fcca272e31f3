"""Prometheus metrics of a server, on an HTTP port of their own.

Labels take only the names of hosted domains (`-` for a call naming none of them), of their
services, and fixed words, never what a client sent, so their number stays bounded. With
`--processes`, each process writes its metrics to files (the Prometheus client's multiprocess
mode) and the supervisor serves them merged (`serve_merged`).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess, start_http_server

from dialogue.turns import TurnResult

STEP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.steps = Histogram("dialogue_turn_step_seconds", "Time of each step of a turn (nlu, load, guards, "
                               "policy, nlg, store) and of the whole turn (total).", ["domain", "step"],
                               buckets=STEP_BUCKETS, registry=self.registry)
        self.turns = Counter("dialogue_turns", "Turns answered.", ["domain", "method"], registry=self.registry)
        self.errors = Counter("dialogue_errors", "Calls and stream turns that failed, by status code.",
                              ["domain", "method", "code"], registry=self.registry)
        self.nlu_batch = Histogram("dialogue_nlu_batch_texts", "Texts in each NLU model call (the texts of the "
                                   "turns that waited for the model together).", ["domain"],
                                   buckets=BATCH_BUCKETS, registry=self.registry)
        self.service_calls = Histogram("dialogue_service_call_seconds", "Time of each call to a domain's service "
                                       "(retries included), by status (the HTTP status, or `timeout`, "
                                       "`unreachable`, `circuit_open`...).", ["domain", "service", "status"],
                                       buckets=STEP_BUCKETS, registry=self.registry)
        self.in_flight = Gauge("dialogue_calls_in_flight", "Calls being served.", registry=self.registry,
                               multiprocess_mode="livesum")

    def turn(self, domain: str, method: str, result: TurnResult) -> None:
        self.turns.labels(domain, method).inc()
        for step, ms in result.latency_ms.items():
            self.steps.labels(domain, step).observe(ms / 1000)
        for call in result.calls:
            self.service_calls.labels(domain, call.service, call.status).observe(call.ms / 1000)

    def error(self, domain: str, method: str, code: str) -> None:
        self.errors.labels(domain, method, code).inc()

    def serve(self, port: int, host: str) -> tuple[object, int]:
        """Start the HTTP endpoint (`/metrics`); returns the HTTP server and its port."""
        return _serve(self.registry, port, host)


def serve_merged(folder: str, port: int, host: str) -> tuple[object, int]:
    """Serve the metrics that several processes write to `folder` (the Prometheus client's multiprocess mode),
    merged: counts and histograms summed, calls in flight summed over the processes alive."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    return _serve(registry, port, host)


def _serve(registry: CollectorRegistry, port: int, host: str) -> tuple[object, int]:
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server, server.server_port
