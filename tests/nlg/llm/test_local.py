"""The local backend with the real SmolLM2-135M-Instruct: converted once, loaded in seconds, generating
within its budget; and the vLLM backend where vLLM and a GPU are present."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from dialogue.nlg.llm import Budgeted, ChatRequest, LlmTimeout, open_backend
from dialogue.nlg.llm.local import LocalBackend, converted_folder
from dialogue.nlg.llm.vllm import vllm_missing

HELLO = ChatRequest([{"role": "user", "content": "Say hello."}], max_tokens=6)


@pytest.fixture(scope="module")
def local(smollm2):
    return Budgeted(LocalBackend())


def test_the_gguf_model_is_converted_once_and_then_loads_in_seconds(smollm2, local) -> None:
    started = time.monotonic()
    assert converted_folder() == smollm2  # already converted: nothing is done again
    assert time.monotonic() - started < 0.5
    assert (smollm2 / "model.safetensors").is_file()
    assert "quantization_config" not in (smollm2 / "config.json").read_text()
    assert local.backend.load_seconds < 15


def test_generates_whole_and_streamed_answers(local) -> None:
    answer = local.complete(HELLO, deadline=time.monotonic() + 60)
    pieces = list(local.stream(HELLO, deadline=time.monotonic() + 60))
    assert answer.strip() and len(pieces) > 1
    assert "".join(pieces) == answer  # greedy decoding: the same answer either way


def test_a_budget_shorter_than_the_model_needs_expires_on_time(local) -> None:
    long = ChatRequest([{"role": "user", "content": "Write a long story about a dragon."}], max_tokens=200)
    started = time.monotonic()
    with pytest.raises(LlmTimeout):
        local.complete(long, deadline=started + 0.3)
    assert time.monotonic() - started < 0.3 + 0.05


def _generating() -> bool:
    return any(thread.name == "local-llm-generate" and thread.is_alive() for thread in threading.enumerate())


def test_a_generation_ends_with_its_call(local) -> None:
    """A stream its reader leaves stops generating at once (it does not run on to max_tokens, holding the CPU),
    and the model is free for the next call."""
    long = ChatRequest([{"role": "user", "content": "Write a long story about a dragon."}], max_tokens=200)
    stream = local.backend.stream(long, deadline=time.monotonic() + 60)
    next(stream)
    assert _generating()
    started = time.monotonic()
    stream.close()
    assert time.monotonic() - started < 1.0  # a token or two, not the 200 asked for
    assert not _generating() and not local.backend._lock.locked()


def test_a_process_that_ends_just_after_a_call_timed_out_exits_cleanly(smollm2) -> None:
    """A generation left running when the process ended aborted it ("terminate called without an active
    exception", exit code 134): `dialogue chat telco_ivr` did so after a turn whose LLM answer timed out. Loading
    the model draws no progress bar over the chat."""
    script = """if True:
        import time
        from dialogue.nlg.llm import Budgeted, ChatRequest, LlmTimeout
        from dialogue.nlg.llm.local import LocalBackend
        long = ChatRequest([{"role": "user", "content": "Write a long story about a dragon."}], max_tokens=200)
        try:
            Budgeted(LocalBackend()).complete(long, deadline=time.monotonic() + 0.3)
        except LlmTimeout:
            print("timed out")
    """
    ended = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert (ended.returncode, ended.stdout) == (0, "timed out\n"), ended.stderr[-2000:]
    assert "Loading weights" not in ended.stderr


def test_vllm_backend_where_vllm_and_a_gpu_are_present() -> None:
    reason = vllm_missing()
    if reason:
        pytest.skip(f"vLLM backend not tested: {reason}")
    from dialogue.domains.schema.nlg import LlmSettings

    backend = open_backend(LlmSettings(backend="vllm"))
    assert backend.complete(HELLO, deadline=time.monotonic() + 120).strip()


def test_the_real_model_answers_a_caller_from_a_troubleshooting_passage(local, bundled_models) -> None:
    """telco_ivr's PUK question: SmolLM2 answers from the passage, and its answer passes the grounding check."""
    from dialogue.domains import load_domain
    from dialogue.domains.interpretation import Interpretation
    from dialogue.engine import Engine
    from dialogue.nlg.grounding import ungrounded
    from dialogue.nlu.knowledge.index import domain_index
    from dialogue.turns import UserInput

    telco = load_domain("telco_ivr")
    telco = telco.model_copy(update={"nlg": telco.nlg.model_copy(update={
        "llm": telco.nlg.llm.model_copy(update={"timeout_ms": 60_000})})})
    index = domain_index(telco, bundled_models)
    engine = Engine(telco, knowledge=index, llm=local.backend)
    engine.handle("call", UserInput(event="start"), channel="voice")
    given = engine.check("call", UserInput(text="where do I find my PUK code"), user_id="anonymous", channel="voice")
    asked = Interpretation(intent="ask", text="where do I find my PUK code", source="nlu")
    result = engine.respond(engine.understand(given.parsed_as(asked, time.perf_counter())))
    assert result.responses == ["knowledge_answer", "main_menu"], result.messages[0].note
    answer = result.messages[0]
    assert answer.source == "llm" and answer.ssml == f"<speak>{answer.text}</speak>"
    assert "Skyline app" in answer.text
    assert [source.id for source in result.sources] == ["knowledge/telco_ivr/mobile.md#puk-code-1"]
    assert ungrounded(answer.text, [index.item(result.sources[0]).quoted]) is None
