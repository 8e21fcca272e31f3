"""The inspector's page in a real browser: Debian's Chromium, headless, driven through its chromedriver by
Selenium, against the real app served by uvicorn. Whole bundled conversations are chatted through the page; after
each turn the intent, task, stack and slots it shows are compared with the engine's own result of that turn; the
conversation is saved as a test, which then passes; text that looks like markup stays text. Screenshots go to
artifacts/inspector/ (DIALOGUE_SCREENSHOTS sets another folder), which CI keeps."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialogue.domains import load_domain
from dialogue.domains.loader import BUNDLED
from dialogue.domains.schema.conversations import Step
from dialogue.engine import Engine
from dialogue.inspector.app import inspector_app
from dialogue.inspector.conversations import Inspector, LocalBackend
from dialogue.inspector.picture import domain_svg
from dialogue.inspector.serving import PageServer, headless_chromium
from dialogue.inspector.views import marks
from dialogue.nlu.knowledge.index import domain_index
from dialogue.nlu.understander import Understander
from dialogue.testing import run_tests

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="Debian's chromium and chromium-driver are missing (.ci/run installs them)")
SCREENSHOTS = Path(os.environ.get("DIALOGUE_SCREENSHOTS") or Path(__file__).parents[3] / "artifacts" / "inspector")
WAIT_S = 20


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    driver = headless_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def open_page(browser, bundled_models: Path, tmp_path: Path):
    """Serve an inspector on a copy of a bundled domain (its trained NLU and knowledge) and open it."""
    started: list[PageServer] = []

    def open_on(name: str, now: str | None) -> Inspector:
        for file in BUNDLED.glob(f"{name}*.yaml"):
            shutil.copy(file, tmp_path)
        for extra in BUNDLED.glob("*.openapi.json"):
            shutil.copy(extra, tmp_path)
        shutil.copytree(BUNDLED / "knowledge", tmp_path / "knowledge", dirs_exist_ok=True)
        path = tmp_path / f"{name}.yaml"
        domain = load_domain(path)
        engine = Engine(domain, nlu=Understander.for_domain(domain, bundled_models),
                        knowledge=domain_index(domain, bundled_models))
        inspector = Inspector(domain, LocalBackend(engine), domain_path=path,
                              now=dt.datetime.fromisoformat(now) if now else None)
        app = inspector_app(inspector, graph=lambda: domain_svg(inspector.domain), about={"where": "in the test"})
        started.append(PageServer(app))
        browser.get(started[-1].url)
        wait_for(browser, lambda d: d.find_element("id", "domain-name").text == name)
        wait_for(browser, lambda d: d.find_elements("css selector", "#graph svg"))
        return inspector

    yield open_on
    for server in started:
        server.stop()


def wait_for(browser, condition):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT_S).until(condition)


def texts(browser, selector: str) -> list[str]:
    return [element.text for element in browser.find_elements("css selector", selector)]


def do_step(browser, step) -> None:
    """What a test step's user does, done on the page: type, press keys, or an event's button."""
    before = len(texts(browser, "#chat li.user"))
    if step.dtmf is not None and len(step.dtmf) == 1:
        browser.find_element("xpath", f"//button[@class='key' and text()='{step.dtmf}']").click()
    elif step.event is not None:
        browser.find_element("id", {"no_input": "no-input"}.get(step.event, step.event)).click()
    else:
        field = browser.find_element("id", "text")
        field.send_keys(step.user if step.dtmf is None else f":dtmf {step.dtmf}")
        browser.find_element("id", "send").click()
    wait_for(browser, lambda d: len(texts(d, "#chat li.user")) == before + 1)


def assert_page_shows(browser, result, slot_nodes: dict) -> None:
    """The page's turn and state panels say what the engine's own result says."""
    understood = result.understood
    assert browser.find_element("id", "intent").text == (understood.intent if understood else
                                                         "(no input to understand)")
    assert browser.find_element("id", "active-task").text == (result.state.active_task or "none")
    assert texts(browser, "#stack li") == (list(reversed(result.state.stack)) or ["none"])
    shown = {row.find_element("css selector", "td").text: row.find_elements("css selector", "td")[1].text
             for row in browser.find_elements("css selector", "#slots tbody tr:not(.removed)")}
    import json

    assert shown == {name: value if isinstance(value, str) else json.dumps(value)
                     for name, value in result.state.slots.items()}
    assert texts(browser, "#messages li b") == [f"{m.response}:" for m in result.messages]
    active = {element.get_attribute("id") for element in browser.find_elements("css selector", "#graph g.active")}
    assert active == set(marks(result.state, slot_nodes))
    if result.state.active_task:
        assert f"task:{result.state.active_task}" in active


@pytest.mark.parametrize(("name", "test_name"), [
    ("restaurant", "free text, a whole booking"),
    ("telco_ivr", "keypad navigation into billing, the balance, and back to the main menu"),
])
def test_a_whole_bundled_conversation_in_the_page_then_saved_as_a_test(open_page, browser, name: str,
                                                                        test_name: str) -> None:
    bundled = next(test for test in load_domain(name).tests if test.name == test_name)
    inspector = open_page(name, bundled.now)
    if bundled.channel == "voice":
        from selenium.webdriver.support.ui import Select

        Select(browser.find_element("id", "channel")).select_by_value("voice")
    session = browser.find_element("id", "session-id").text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for number, step in enumerate(bundled.steps, start=1):
        do_step(browser, step)
        result = inspector.conversations[session].turns[-1][1]
        assert_page_shows(browser, result, inspector.slot_nodes)
        if step.bot is not None:
            assert result.responses == (step.bot if isinstance(step.bot, list) else [step.bot]), f"step {number}"
        if number in (2, len(bundled.steps)):
            browser.save_screenshot(str(SCREENSHOTS / f"{name}-step-{number}.png"))
    browser.find_element("css selector", "#chat li.user").click()  # an earlier turn can be looked at again
    first = inspector.conversations[session].turns[0][1]
    assert browser.find_element("id", "turn-number").text == str(first.turn)
    browser.find_element("id", "test-name").send_keys(f"{test_name}, from the inspector")
    browser.find_element("id", "save-test").click()
    wait_for(browser, lambda d: "saved the test" in d.find_element("id", "status").text)
    saved = load_domain(inspector.domain_path)
    [outcome] = run_tests(saved, nlu=inspector.backend.engine.nlu, knowledge=inspector.backend.engine.knowledge,
                          name=f"{test_name}, from the inspector")
    assert outcome.passed, [(s.number, s.mismatches, s.error) for s in outcome.steps if not s.passed]
    assert len(outcome.steps) == len(inspector.conversations[session].turns)


def test_markup_in_a_conversation_is_shown_as_text(open_page, browser) -> None:
    open_page("restaurant", "2026-11-25T10:00:00")
    hostile = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> table for <b>two</b>'
    do_step(browser, Step(user=hostile))
    assert texts(browser, "#chat li.user")[-1] == hostile
    assert browser.execute_script("return window.pwned") is None
    assert browser.find_elements("css selector", "#chat img, #chat script, #chat b") == []
    assert browser.find_element("id", "spans").text == hostile
    browser.save_screenshot(str(SCREENSHOTS / "markup-shown-as-text.png"))
