"""The LLM options that `dialogue serve` and `dialogue chat` share: override a domain's `nlg.llm` at run time."""

from __future__ import annotations

from typing import Any

import typer

from dialogue.cli.common import errors, usage_error
from dialogue.domains import Domain

BackendOption = typer.Option(None, "--llm", help="LLM backend for the domain's LLM uses: local, openai, vllm, or "
                                                 "off for none (default: the domain's nlg.llm.backend).")
ModelOption = typer.Option(None, "--llm-model", help="The LLM's model name, folder or hub id (nlg.llm.model).")
UrlOption = typer.Option(None, "--llm-url", help="Base URL of an OpenAI-compatible server (nlg.llm.url).")
TimeoutOption = typer.Option(None, "--llm-timeout-ms", min=1, help="Time budget of a turn's LLM calls "
                                                                   "(nlg.llm.timeout_ms).")


def with_llm(domain: Domain, backend: str | None, model: str | None, url: str | None,
             timeout_ms: int | None) -> Domain:
    """The domain with its `nlg.llm` settings overridden by the options given."""
    changes: dict[str, Any] = {"backend": backend if backend not in (None, "off") else None, "model": model,
                               "url": url, "timeout_ms": timeout_ms}
    changes = {key: value for key, value in changes.items() if value is not None}
    if backend is not None and backend not in ("off", "local", "openai", "vllm"):
        usage_error(f"unknown LLM backend '{backend}'; use local, openai, vllm or off")
    if not changes:
        return domain
    llm = domain.nlg.llm.model_validate({**domain.nlg.llm.model_dump(), **changes})
    return domain.model_copy(update={"nlg": domain.nlg.model_copy(update={"llm": llm})})


def open_llm(domain: Domain, backend: str | None) -> Any:
    """The domain's LLM backend when it uses one (None with `--llm off`). A backend that cannot be opened is
    reported, and the domain runs on its deterministic path."""
    if backend == "off" or not domain.nlg.uses_llm:
        return None
    from dialogue.nlg.llm import LlmError, open_backend

    settings = domain.nlg.llm
    errors.print(f"opening the {settings.backend} LLM for '{domain.name}'...", style="dim", highlight=False)
    try:
        return open_backend(settings)
    except LlmError as err:
        errors.print(f"warning: {err}; '{domain.name}' answers from its templates only", style="yellow",
                     highlight=False, markup=False)
        return None
