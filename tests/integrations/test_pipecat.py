"""The Pipecat integration (integrations/pipecat/) passes its own tests, in its own environment: Pipecat needs
protobuf<7, the engine protobuf>=7. Those tests run Pipecat pipelines against real servers of this engine, which they
start with this interpreter and the bundled domains' trained models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BUNDLED_MODELS_ENV

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "integrations" / "pipecat"
PYTHON = INTEGRATION / ".venv" / "bin" / "python"


@pytest.mark.slow
def test_the_pipecat_integration_passes_its_tests(bundled_models: Path) -> None:
    if not PYTHON.exists() or not (INTEGRATION / "dialogue_pipecat" / "v1" / "dialogue_pb2.py").exists():
        pytest.skip("needs integrations/pipecat/.venv with the package and its generated stubs (.ci/run creates it)")
    done = subprocess.run([str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=INTEGRATION,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DIALOGUE_PYTHON": sys.executable,
                               BUNDLED_MODELS_ENV: str(bundled_models)})
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary
