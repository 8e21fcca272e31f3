"""`dialogue inspect` as a user starts it: a real process serving the page, and its clear errors."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.inspector.serving import listen
from tests.dialogue.inspector.booking import BOOKING

runner = CliRunner()
ROOT = Path(__file__).parents[2]


def test_the_command_serves_the_page_until_interrupted(restaurant_copy: Path, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'sessions.db'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "dialogue", "inspect", str(restaurant_copy), "--port", "0", "--no-browser",
         "--db", database, "--now", "2026-11-25T10:00"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "300"})
    killer = threading.Timer(120, process.kill)  # a page that never comes up fails the test, not the run
    killer.start()
    try:
        line = process.stdout.readline()
        url = re.search(r"http://\S+/", line)
        assert url and "inspecting 'restaurant' in this process" in line, line + process.stderr.read()
        with httpx.Client(base_url=url[0], timeout=30) as client:
            assert "dialogue inspector" in client.get("/").text
            for text in BOOKING:
                shown = client.post("/api/turn", json={"session_id": "cli", "input": {"text": text}}).json()
            assert shown["writes"] == ["insert:bookings"]
            assert client.get("/api/stored").json()["sessions"][0]["session_id"] == "cli"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 130  # stopped by Ctrl+C, as a shell expects
        killer.cancel()
    assert "Traceback" not in process.stderr.read()


def test_a_port_in_use_and_an_unknown_domain_are_said_in_a_line(restaurant_copy: Path) -> None:
    taken = listen("127.0.0.1", 0)
    try:
        port = str(taken.getsockname()[1])
        busy = runner.invoke(app, ["inspect", str(restaurant_copy), "--port", port, "--no-browser"])
    finally:
        taken.close()
    assert busy.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in busy.output
    unknown = runner.invoke(app, ["inspect", "no_such_domain", "--no-browser"])
    assert unknown.exit_code == 2 and "no bundled domain or file named 'no_such_domain'" in unknown.output
    down = runner.invoke(app, ["inspect", "restaurant", "--server", "127.0.0.1:1", "--wait", "0.5", "--port", "0",
                                "--no-browser"])
    assert down.exit_code == 1 and "127.0.0.1:1" in down.output and "Traceback" not in down.output
