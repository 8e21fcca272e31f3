"""`dialogue bench inspector`: what the inspector's page adds to a turn's time.

The bundled restaurant domain with its trained NLU and knowledge index, in an inspector served by uvicorn on
loopback, looked at in Debian's Chromium (headless, through Selenium). Its conversation test "free text, a whole
booking" is typed into the page again and again, each time in a new conversation, on the test's clock. For each
turn the page measures its own time, from the send to the turn shown (turn panel, state, picture marks), and the
turn reports the engine's own time; the page's overhead is the difference (HTTP, JSON, the views, rendering).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from typing import Any

from dialogue.domains.schema import Domain
from dialogue.engine import Engine
from dialogue.inspector.app import inspector_app
from dialogue.inspector.conversations import Inspector, LocalBackend
from dialogue.inspector.picture import domain_svg
from dialogue.inspector.serving import PageServer, headless_chromium
from dialogue.stats import percentile

CONVERSATION = "free text, a whole booking"
"""The restaurant's conversation test that is typed into the page."""
TARGET_OVERHEAD_P50_MS = 50.0
WAIT_S = 30.0


def script(domain: Domain) -> tuple[list[str], dt.datetime]:
    """The user's words of the conversation test, and its clock."""
    test = next(test for test in domain.tests if test.name == CONVERSATION)
    return [step.user for step in test.steps if step.user], dt.datetime.fromisoformat(test.now or "")


def measure(domain: Domain, nlu: Any, knowledge: Any, rounds: int, tick: Callable[[], None]) -> dict[str, Any]:
    """The page's and the API's time per turn against the engine's own (ms), over `rounds` conversations."""
    from selenium.webdriver.support.ui import WebDriverWait

    words, now = script(domain)
    inspector = Inspector(domain, LocalBackend(Engine(domain, nlu=nlu, knowledge=knowledge)), domain_path=None,
                          now=now)
    server = PageServer(inspector_app(inspector, graph=lambda: domain_svg(domain), about={"where": "benchmark"}))
    driver = headless_chromium()
    try:
        driver.get(server.url)
        wait = WebDriverWait(driver, WAIT_S)
        wait.until(lambda d: d.find_elements("css selector", "#graph svg"))
        said = 0
        for _ in range(rounds):
            driver.find_element("id", "new-conversation").click()
            for text in words:
                driver.find_element("id", "text").send_keys(text)
                driver.find_element("id", "send").click()
                said += 1
                wait.until(lambda d, n=said: len(d.execute_script("return window.inspectorTimings")) >= n)
                tick()
        page = driver.execute_script("return window.inspectorTimings")
    finally:
        driver.quit()
        server.stop()
    page_overhead = [turn["page_ms"] - turn["engine_ms"] for turn in page]
    return {
        "turns": len(page),
        "engine_p50_ms": _median([turn["engine_ms"] for turn in page]),
        "page_p50_ms": _median([turn["page_ms"] for turn in page]),
        "page_overhead_p50_ms": _median(page_overhead),
        "page_overhead_p99_ms": round(percentile(page_overhead, 0.99), 3),
        "target_page_overhead_p50_ms": TARGET_OVERHEAD_P50_MS,
        "met": _median(page_overhead) <= TARGET_OVERHEAD_P50_MS,
    }


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 3)
