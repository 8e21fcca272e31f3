"""docs/first-assistant.md stays true: its commands run in order in an empty folder, the inspector included (what
the tutorial types into the page goes through the page's API), and the test saved from the inspector passes."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from dialogue.cli import app

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = (ROOT / "docs" / "first-assistant.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    return [line for block in re.findall(r"```bash\n(.*?)\n```", TUTORIAL, re.S) for line in block.splitlines()]


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="the tutorial draws its domain with Graphviz's dot, which is missing (.ci/run installs it)")
def test_the_tutorial_runs_from_init_to_a_passing_test(bundled_models: Path, tmp_path: Path, monkeypatch) -> None:
    """The data folder's models are the test session's (the starter trained once for every test that needs it)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(bundled_models, target_is_directory=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("DIALOGUE_HOME", str(home))
    monkeypatch.chdir(work)
    typed = re.search(r"```text\n(.*?)\n```", TUTORIAL, re.S)[1].splitlines()
    test_name = re.search(r"type `([^`]+)` in the \*test name\* box", TUTORIAL)[1]
    ran = []
    for command in commands():
        words = shlex.split(command)
        assert words[0] == "dialogue", command
        if words[1] == "inspect":
            _chat_in_the_inspector(words[1:], work, typed, test_name)
        else:
            result = CliRunner().invoke(app, words[1:])
            assert result.exit_code == 0, f"{command}\n{result.output}"
            ran.append((words[1], result.output))
    assert [name for name, _ in ran] == ["init", "validate", "train", "test", "graph", "test"]
    assert "0 error(s)" in ran[1][1] and "0 failed" in ran[3][1]
    assert (work / "coffee.svg").read_text().lstrip().startswith("<?xml")
    assert f"PASS coffee: {test_name}" in ran[-1][1] and " 0 failed" in ran[-1][1]


def _chat_in_the_inspector(arguments: list[str], work: Path, typed: list[str], test_name: str) -> None:
    """`dialogue inspect` as a process (on a free port, no browser), the tutorial's messages typed through the
    page's API, the conversation saved as a test, then Ctrl+C."""
    process = subprocess.Popen([sys.executable, "-m", "dialogue", *arguments, "--port", "0", "--no-browser"],
                               cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "COLUMNS": "300"})
    killer = threading.Timer(120, process.kill)
    killer.start()
    try:
        line = process.stdout.readline()
        url = re.search(r"http://\S+/", line)
        assert url, line + process.stderr.read()
        with httpx.Client(base_url=url[0], timeout=60) as page:
            for text in typed:
                shown = page.post("/api/turn", json={"session_id": "tutorial", "input": {"text": text}})
                assert shown.status_code == 200, shown.text
            assert [m["response"] for m in shown.json()["messages"]] == ["order_placed"]
            saved = page.post("/api/tests", json={"session_id": "tutorial", "name": test_name}).json()
            assert saved["failing"] == [], saved
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
        killer.cancel()
