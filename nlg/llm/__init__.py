"""LLM backends behind one small interface (`Backend`), and the factory that opens the domain's one."""

from __future__ import annotations

from typing import Any

from dialogue.nlg.llm.base import Backend, ChatRequest, LlmError, LlmMalformed, LlmTimeout, LlmUnavailable
from dialogue.nlg.llm.budget import Budgeted

__all__ = ["Backend", "Budgeted", "ChatRequest", "LlmError", "LlmMalformed", "LlmTimeout", "LlmUnavailable",
           "open_backend"]


def open_backend(settings: Any) -> Budgeted:
    """The backend `settings` (a domain's `nlg.llm`) name, with exact deadlines. Raises LlmUnavailable."""
    if settings.backend == "openai":
        from dialogue.nlg.llm.openai import OpenAIBackend

        return Budgeted(OpenAIBackend.from_settings(settings))
    if settings.backend == "vllm":
        from dialogue.nlg.llm.vllm import VllmBackend

        return Budgeted(VllmBackend.from_settings(settings))
    from dialogue.nlg.llm.local import LocalBackend

    return Budgeted(LocalBackend.from_settings(settings))
