"""Serving the inspector's page: a bound socket, uvicorn in a thread (for tests and benchmarks), and Debian's
Chromium, headless, to look at the page with (Selenium and chromedriver)."""

from __future__ import annotations

import shutil
import socket
import threading
from typing import Any

import uvicorn


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on `host:port` (port 0: a free one), OSError if it cannot: connections made before the
    app serves wait for it instead of being refused."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound = socket.socket(family, socket.SOCK_STREAM)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        bound.bind((host.strip("[]"), port))
        bound.listen(128)
    except OSError:
        bound.close()
        raise
    return bound


def url_of(bound: socket.socket) -> str:
    address, port = bound.getsockname()[:2]
    return f"http://{f'[{address}]' if ':' in address else address}:{port}/"


def serve(app: Any, bound: socket.socket) -> None:
    """Serve the app on the socket until interrupted."""
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[bound])


class PageServer:
    """The app served on a free loopback port from a thread of this process; `stop()` ends it."""

    def __init__(self, app: Any):
        bound = listen("127.0.0.1", 0)
        self.url = url_of(bound)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [bound]}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class NoBrowser(RuntimeError):
    """Chromium, its chromedriver or Selenium is missing."""


def headless_chromium() -> Any:
    """A Selenium driver of Debian's Chromium, headless (packages chromium and chromium-driver; pip selenium)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        raise NoBrowser("Chromium and its chromedriver are needed: apt-get install chromium chromium-driver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise NoBrowser("Selenium is needed: pip install selenium (the dev extra has it)") from None
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1600,1100"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)
