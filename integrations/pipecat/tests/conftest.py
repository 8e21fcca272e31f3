"""A real dialogue server hosting telco_ivr for the whole run, run by the engine's own interpreter with its trained
models. The engine's test suite runs these tests (tests/integrations/test_pipecat.py) and says where both are:
DIALOGUE_PYTHON (default: the repository's .venv) and DIALOGUE_TEST_MODELS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from loguru import logger
from servers import EngineServer, SlowLlm

ROOT = Path(__file__).resolve().parents[3]
PUK_ANSWER = "The PUK code is in the Skyline app, under SIM settings [1]."
LLM_DELAY_S = 1.0  # within telco_ivr's LLM budget (1500 ms)


def engine_python() -> str:
    python = os.environ.get("DIALOGUE_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
    if not Path(python).exists():
        pytest.skip(f"needs the engine's interpreter ({python}); set DIALOGUE_PYTHON")
    return python


@pytest.fixture(scope="session")
def llm():
    server = SlowLlm(PUK_ANSWER, LLM_DELAY_S)
    yield server
    server.close()


@pytest.fixture(scope="session")
def engine(tmp_path_factory, llm):
    """telco_ivr with its NLU model and knowledge, answering questions from its documents with the slow LLM."""
    models = os.environ.get("DIALOGUE_TEST_MODELS")
    if not models:
        pytest.skip("needs the bundled domains' trained models: set DIALOGUE_TEST_MODELS (the engine's test suite, "
                    "tests/integrations/test_pipecat.py, does)")
    folder = tmp_path_factory.mktemp("engine")
    server = EngineServer(engine_python(), ["telco_ivr", "--db", f"sqlite:///{folder / 'calls.db'}", "--models", models,
                                            "--llm", "openai", "--llm-url", llm.url], folder / "server.log")
    yield server
    server.stop()


@pytest.fixture
def logs():
    """What the processor logs (loguru, as Pipecat), message by message."""
    messages: list[str] = []
    sink = logger.add(lambda message: messages.append(message.record["message"]), level="DEBUG")
    yield messages
    logger.remove(sink)
