"""A server in a child process (`dialogue serve`, or the bench's echo server), for benchmarks and tests.

The child logs JSON lines to a file; it is ready once it logs its `serving` line, which
says the port it listens on (it is started with port 0).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


class ServerProcess:
    def __init__(self, module_args: list[str], log: Path, *, timeout: float = 120):
        """Run `python -m <module_args>`, wait up to `timeout` seconds for it to serve."""
        self.log = log
        with log.open("w", encoding="utf-8") as sink:
            self.process = subprocess.Popen([sys.executable, "-m", *module_args], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=sink)
        self.serving = self._wait(timeout)
        self.port: int = self.serving["port"]
        self.target = f"127.0.0.1:{self.port}"

    @classmethod
    def dialogue(cls, domains: list[str], log: Path, *options: str, timeout: float = 120) -> ServerProcess:
        """`dialogue serve DOMAIN... --port 0 OPTIONS...`."""
        return cls(["dialogue", "serve", *domains, "--port", "0", *options], log, timeout=timeout)

    def lines(self) -> list[dict[str, Any]]:
        """The JSON lines it has logged so far (other lines, such as a crash's traceback, are left out)."""
        found = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return found

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then its exit status (SIGKILL if it has not exited within `timeout` seconds)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _wait(self, timeout: float) -> dict[str, Any]:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            serving = next((line for line in self.lines() if line.get("event") == "serving"), None)
            if serving is not None:
                return serving
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.process.returncode}: "
                                   f"{self.log.read_text(encoding='utf-8')[-2000:]}")
            time.sleep(0.05)
        self.stop(5)
        raise RuntimeError(f"the server did not serve within {timeout:g} s; its log: {self.log}")
