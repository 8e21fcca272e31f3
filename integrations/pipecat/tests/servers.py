"""Real servers for the tests: the dialogue engine (`dialogue serve`, run by the engine's own interpreter), and a
stand-in for an OpenAI-compatible LLM server that answers slowly."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc

from dialogue_pipecat.v1 import dialogue_pb2 as pb
from dialogue_pipecat.v1 import dialogue_pb2_grpc as rpc


class EngineServer:
    """`python -m dialogue serve DOMAIN --port PORT ...` in a child process; ready once it logs its `serving` line
    (JSON on standard error), which says the port."""

    def __init__(self, python: str, args: list[str], log: Path, *, port: int = 0):
        self.python, self.args, self.log = python, args, log
        self.process = self._start(port)
        self.port: int = self._serving()["port"]
        self.target = f"127.0.0.1:{self.port}"

    def restart(self) -> None:
        """Stop the server, and start it again on the same port (the same database: sessions go on)."""
        self.stop()
        self.process = self._start(self.port)
        self._serving()

    def session(self, domain: str, session_id: str) -> pb.Session:
        """The session as the server keeps it (GetSession)."""
        with grpc.insecure_channel(self.target) as channel:
            request = pb.GetSessionRequest(domain=domain, session_id=session_id)
            return rpc.DialogueServiceStub(channel).GetSession(request, timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _start(self, port: int) -> subprocess.Popen:
        with self.log.open("w", encoding="utf-8") as sink:
            return subprocess.Popen([self.python, "-m", "dialogue", "serve", *self.args, "--port", str(port)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sink)

    def _serving(self, timeout: float = 120) -> dict:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            for line in self.log.read_text(encoding="utf-8").splitlines():
                if line.startswith("{") and (event := json.loads(line)).get("event") == "serving":
                    return event
            if self.process.poll() is not None:
                raise RuntimeError(f"the dialogue server exited: {self.log.read_text(encoding='utf-8')[-2000:]}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the dialogue server did not serve within {timeout:g} s; its log: {self.log}")


class SlowLlm:
    """An OpenAI-compatible chat-completions server that takes `delay` seconds to give `answer`; `asked` is set
    when a request comes in."""

    def __init__(self, answer: str, delay: float):
        self.answer, self.delay = answer, delay
        self.asked = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        llm = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the engine asks for knowledge answers whole (no `stream`)
                self.rfile.read(int(self.headers["Content-Length"]))
                llm.asked.set()
                time.sleep(llm.delay)
                body = json.dumps({"choices": [{"message": {"content": llm.answer}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        return Handler
