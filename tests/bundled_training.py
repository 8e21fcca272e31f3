"""The models the test session trains, in a process of its own (`python -m tests.bundled_training ROOT`) that
tests/conftest.py starts at the lowest priority when the tests are collected, so that the rest of the suite runs
while it trains. Trained already (the same data and settings in ROOT), a model is not trained again."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

STARTER = "coffee"
"""The blank starter's domain, trained as `dialogue init` writes it (tests/dialogue/test_cli_init.py, the
tutorial)."""


def train_for_the_session(root: Path) -> None:
    """The bundled domains with the training defaults, then the blank starter by `dialogue init` and `dialogue
    train` as a user runs them. Imported here, so that the process lowers its priority before torch loads."""
    from dialogue.domains import bundled_domains, load_domain
    from dialogue.nlu.train_config import TrainConfig
    from dialogue.nlu.training import train_domain

    for path in bundled_domains():
        train_domain(load_domain(path), root, TrainConfig())
    with tempfile.TemporaryDirectory() as folder:
        dialogue = [sys.executable, "-m", "dialogue"]
        subprocess.run([*dialogue, "init", STARTER, "--folder", folder], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*dialogue, "train", str(Path(folder) / f"{STARTER}.yaml"), "--models", str(root)],
                       check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    os.nice(19)
    train_for_the_session(Path(sys.argv[1]))
