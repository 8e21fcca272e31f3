"""Any OpenAI-compatible chat-completions server (`vllm serve`, `transformers serve`, llama.cpp...).

One httpx client per backend keeps connections open between calls. Every answer is
parsed strictly: anything but a well-formed completion is LlmMalformed, naming the URL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from dialogue.nlg.llm.base import ChatRequest, LlmError, LlmMalformed, LlmTimeout, LlmUnavailable, remaining

CONNECT_TIMEOUT_S = 2.0


class OpenAIBackend:
    name = "openai"

    def __init__(self, url: str, model: str, *, api_key: str | None = None, json_mode: bool = True):
        """`json_mode`: send `response_format` with a request's JSON schema (vLLM and OpenAI constrain decoding
        with it, transformers serve ignores it); turn it off for a server that refuses it."""
        self.url = url.rstrip("/")
        self.model = model
        self.json_mode = json_mode
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=self.url, headers=headers,
                                   limits=httpx.Limits(max_connections=32, max_keepalive_connections=16))

    @classmethod
    def from_settings(cls, settings: Any) -> OpenAIBackend:
        key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
        return cls(settings.url, settings.model or "default", api_key=key)

    def complete(self, request: ChatRequest, *, deadline: float) -> str:
        with _translated(self.url):
            response = self.client.post("/chat/completions", json=self._body(request, stream=False),
                                        timeout=self._timeout(deadline))
            data = _json(self._checked(response).content, self.url)
            return _content(data, "message", self.url)

    def stream(self, request: ChatRequest, *, deadline: float) -> Iterator[str]:
        """The answer's text as the server sends it (server-sent events). The stream must end with `[DONE]`
        or a choice's `finish_reason` (servers differ), else it was cut off."""
        body = self._body(request, stream=True)
        with _translated(self.url), self.client.stream("POST", "/chat/completions", json=body,
                                                       timeout=self._timeout(deadline)) as response:
            if response.status_code >= 400:
                response.read()
            self._checked(response)
            ended = False
            for line in response.iter_lines():
                if remaining(deadline) == 0:
                    raise LlmTimeout(f"{self.url} did not finish within the time budget")
                if not line.strip() or line.startswith(":"):
                    continue
                if not line.startswith("data:"):
                    raise LlmMalformed(f"{self.url} sent a stream line that is not an event: {line[:80]!r}")
                payload = line[5:].strip()
                if payload == "[DONE]":
                    ended = True
                    break
                data = _json(payload.encode(), self.url)
                text = _content(data, "delta", self.url, partial=True)
                if text:
                    yield text
                ended = ended or data["choices"][0].get("finish_reason") is not None
            if not ended:
                raise LlmMalformed(f"{self.url} ended the stream without [DONE] or a finish_reason")

    def close(self) -> None:
        self.client.close()

    def _body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": request.messages, "max_tokens": request.max_tokens,
                                "temperature": request.temperature, "stream": stream}
        if self.json_mode and request.json_schema is not None:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "answer", "schema": request.json_schema}}
        return body

    def _timeout(self, deadline: float) -> httpx.Timeout:
        left = max(remaining(deadline), 0.001)
        return httpx.Timeout(left, connect=min(left, CONNECT_TIMEOUT_S))

    def _checked(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            raise LlmError(f"{self.url} answered HTTP {response.status_code}: {response.text[:200]}")
        return response


@contextmanager
def _translated(url: str) -> Iterator[None]:
    """httpx failures as LlmError subclasses naming the server."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout) as err:
        raise LlmUnavailable(f"cannot reach the LLM server at {url}: {err}") from None
    except httpx.TimeoutException:
        raise LlmTimeout(f"{url} did not answer within the time budget") from None
    except httpx.HTTPError as err:
        raise LlmMalformed(f"{url}: {type(err).__name__}: {err}") from None


def _json(raw: bytes, url: str) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise LlmMalformed(f"{url} answered with something that is not JSON: {raw[:80]!r}") from None


def _content(data: Any, part: str, url: str, *, partial: bool = False) -> str:
    """`choices[0][part].content` of a completion (a stream's delta may lack it; a message may not)."""
    try:
        choice = data["choices"][0]
        holder = choice[part]
        content = holder.get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise LlmMalformed(f"{url} answered JSON without choices[0].{part}: {json.dumps(data)[:120]}") from None
    if content is None and partial:
        return ""
    if not isinstance(content, str):
        raise LlmMalformed(f"{url} answered a completion whose content is not text: {content!r:.80}")
    return content
