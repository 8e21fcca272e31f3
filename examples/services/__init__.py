"""Small real HTTP services for the bundled domains and the examples (installed as dialogue.example_services):
`lotus` (the restaurant domain's reservations) and `bank` (the banking domain's accounts and transfers).

`running()` serves each on a free loopback port, in a thread of this process, and points the environment
variable its domain reads (`LOTUS_URL`, `BANK_URL`) at it: `dialogue serve --with-examples` and the other
commands' `--with-examples` use it, and so do the tests. The apps are FastAPI's (the `examples` extra).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import threading
from collections import Counter
from collections.abc import Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from typing import Any

SERVICES = {"lotus": "LOTUS_URL", "bank": "BANK_URL"}
"""Each example service's module, and the environment variable its domain reads its URL from."""


def reference(prefix: str, key: str | None, number: int) -> str:
    """A six-character reference: from the idempotency key when there is one (the same request, however many
    others came first, gets the same reference), else the request's number."""
    if key is None:
        return f"{prefix}{number:05d}"
    digest = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return prefix + "".join(alphabet[(digest >> (5 * i)) % 32] for i in range(5))


class ExamplesMissing(RuntimeError):
    """The example services need FastAPI and uvicorn (`pip install 'dialogue-engine[examples]'`)."""


def app(name: str) -> Any:
    """The ASGI app of an example service."""
    try:
        return importlib.import_module(f"dialogue.example_services.{name}").app
    except ModuleNotFoundError as err:
        raise ExamplesMissing(f"the example services need {err.name}: install the `examples` extra "
                              "(pip install -e '.[examples]')") from None


@contextmanager
def running(environ: MutableMapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """Serve every example service while the context lasts; yields their base URLs by environment variable,
    which are also set in `environ` (os.environ by default) and put back as they were afterwards."""
    environ = os.environ if environ is None else environ
    with ExitStack() as stack:
        urls = {variable: stack.enter_context(serving(app(name))) for name, variable in SERVICES.items()}
        before = {variable: environ.get(variable) for variable in urls}
        environ.update(urls)
        try:
            yield urls
        finally:
            for variable, value in before.items():
                if value is None:
                    environ.pop(variable, None)
                else:
                    environ[variable] = value


def counting(asgi: Any) -> Counter[str]:
    """What a FastAPI app receives, counted by method and path (for its `GET /stats`)."""
    received: Counter[str] = Counter()

    @asgi.middleware("http")
    async def count(request: Any, call_next: Any) -> Any:
        received[f"{request.method} {request.url.path}"] += 1
        return await call_next(request)
    return received


@contextmanager
def serving(asgi: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="dialogue-example-service", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("an example service did not start")
        threading.Event().wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
