"""In-process vLLM on a GPU host (the optional extra `vllm`, imported only when this backend is chosen)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from dialogue.nlg.llm.base import ChatRequest, LlmUnavailable


def vllm_missing() -> str | None:
    """Why the vLLM backend cannot run here, or None when it can."""
    try:
        import vllm  # noqa: F401
    except ImportError:
        return "vllm is not installed (pip install 'dialogue-engine[vllm]')"
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    return None if torch.cuda.is_available() else "no CUDA GPU is available"


class VllmBackend:
    """A vLLM engine in this process. vLLM batches internally; calls are serialised here for simplicity."""

    name = "vllm"

    def __init__(self, model: str):
        reason = vllm_missing()
        if reason:
            raise LlmUnavailable(f"the vllm backend cannot run: {reason}")
        import vllm

        self.model = model
        self._vllm = vllm
        self.engine = vllm.LLM(model=model)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> VllmBackend:
        if not settings.model:
            from dialogue.nlg.llm.local import converted_folder

            return cls(str(converted_folder()))
        return cls(settings.model)

    def complete(self, request: ChatRequest, *, deadline: float) -> str:
        params = self._vllm.SamplingParams(max_tokens=request.max_tokens, temperature=request.temperature)
        with self._lock:
            outputs = self.engine.chat(request.messages, params, use_tqdm=False)
        return outputs[0].outputs[0].text

    def stream(self, request: ChatRequest, *, deadline: float) -> Iterator[str]:
        """vLLM's offline API returns whole answers: one piece."""
        yield self.complete(request, deadline=deadline)

    def close(self) -> None:
        """The engine is freed with the object."""
