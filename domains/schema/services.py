"""The business's own HTTP services a domain calls (`services:`), and what a `call:` action sends.

Secrets never sit in the YAML: a service names the environment variables that hold its base URL, its bearer
token and its header values, read when the engine starts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from dialogue.domains.schema.base import Model

EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128,
                               description="The name of an environment variable.")]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE"})
"""Methods whose repetition changes nothing more than one request did (RFC 9110, 9.2.2): safe to retry."""


class CircuitBreaker(Model):
    failures: int = Field(5, ge=1, le=1000, description="Failed calls in a row that open the circuit: then calls "
                                                        "fail at once, without reaching the service.")
    cooldown_s: float = Field(30, gt=0, le=3600, description="Seconds the circuit stays open; then one trial call "
                                                            "goes through (half-open), and its outcome closes or "
                                                            "opens the circuit again.")


class _Reached(Model):
    """What a service and an MCP server have alike: how to authenticate over HTTP, how long to wait, how much to
    read, when to stop trying."""

    description: str = ""
    token_env: EnvName | None = Field(None, description="The environment variable holding a bearer token, sent as "
                                      "`Authorization: Bearer ...` (over HTTP).")
    headers_env: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+$")], EnvName] = Field(
        {}, description="Header -> the environment variable holding its value (over HTTP).")
    timeout_ms: int | None = Field(None, ge=1, le=30_000, description="The longest a call may take, retries "
                                   "included (default: the turn's `settings.actions.timeout_ms`).")
    max_response_bytes: int = Field(1_000_000, ge=1, le=100_000_000, description="A longer answer is an error.")
    circuit_breaker: CircuitBreaker = CircuitBreaker()


class Service(_Reached):
    """An HTTP service: where it is, how to authenticate, and how long and how often to try."""

    base_url: str | None = Field(None, pattern=r"^https?://", description="Where the service is, e.g. "
                                 "`http://bookings.internal:8080/v1`.")
    base_url_env: EnvName | None = Field(None, description="The environment variable that holds the base URL "
                                         "(it wins over `base_url` when set).")
    retries: int = Field(1, ge=0, le=5, description="Tries after a failed one (a refused connection, a timeout, "
                         "429 or a 5xx), only for GET, PUT and DELETE, or any method with `idempotency_keys`.")
    idempotency_keys: bool = Field(False, description="The service de-duplicates requests by their "
                                   "`Idempotency-Key` header, so a POST or PATCH may be retried too.")
    openapi: str | None = Field(None, description="An OpenAPI 3 document (a file next to the domain) that "
                                "`dialogue validate` checks the calls against.")

    @model_validator(mode="after")
    def _somewhere(self) -> Service:
        if self.base_url is None and self.base_url_env is None:
            raise ValueError("a service needs base_url or base_url_env")
        return self


class McpServer(_Reached):
    """A Model Context Protocol server whose tools `tool:` actions call: a command the engine starts and talks to
    over its stdin and stdout, or a streamable HTTP endpoint. Its tools are never retried."""

    command: list[Annotated[str, Field(min_length=1, max_length=4096)]] | None = Field(
        None, min_length=1, max_length=100, description="The program and its arguments, run in the domain file's "
        "folder, e.g. `[python, tools/tables.py]` (`python` is the engine's own interpreter).")
    env: list[EnvName] = Field([], description="Environment variables passed on to the command (besides the few "
                               "a process needs, such as PATH and HOME).")
    url: str | None = Field(None, pattern=r"^https?://", description="A streamable HTTP endpoint, e.g. "
                            "`http://tools.internal:8000/mcp`.")
    url_env: EnvName | None = Field(None, description="The environment variable that holds the URL (it wins over "
                                    "`url` when set).")

    @model_validator(mode="after")
    def _one_way_to_reach_it(self) -> McpServer:
        http = self.url is not None or self.url_env is not None
        if (self.command is None) == (not http):
            raise ValueError("an MCP server needs either `command` (stdio) or `url`/`url_env` (streamable HTTP)")
        if self.command is not None and (self.token_env or self.headers_env):
            raise ValueError("token_env and headers_env are for an HTTP server; give a command its secrets "
                             "through `env`")
        return self


class ActionSettings(Model):
    timeout_ms: int = Field(5000, ge=1, le=30_000, description="The budget of a turn's calls to services, together: "
                            "a slow service makes a turn slower by at most this, then its `on_timeout` runs.")


JsonPath = Annotated[str, Field(pattern=r"^[A-Za-z0-9_$-]*(\.[A-Za-z0-9_$-]+)*$", max_length=256,
                                description="A path into the JSON answer: keys and list positions joined by dots "
                                            "(`balance`, `rows.0.name`); empty for the answer itself.")]


def read_path(document: Any, path: str) -> Any:
    """The value at a dotted path of a JSON document; KeyError when it has none."""
    value = document
    for part in path.split(".") if path else []:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise KeyError(path)
    return value
