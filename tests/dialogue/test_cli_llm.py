"""The LLM options of `dialogue chat` / `dialogue serve`, and the chat's marks of who wrote each answer."""

from __future__ import annotations

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from dialogue.chat import show_turn
from dialogue.cli import app
from dialogue.cli.llm import open_llm, with_llm
from dialogue.domains import load_domain
from dialogue.engine import Engine
from tests.nlg.scripted import ScriptedBackend


def test_options_override_the_domains_llm_settings() -> None:
    domain = load_domain("restaurant")
    changed = with_llm(domain, "openai", "qwen", "http://10.0.0.5:8000/v1", 750)
    assert changed.nlg.llm.model_dump(include={"backend", "model", "url", "timeout_ms"}) == {
        "backend": "openai", "model": "qwen", "url": "http://10.0.0.5:8000/v1", "timeout_ms": 750}
    assert with_llm(domain, None, None, None, None) is domain
    with pytest.raises(typer.Exit):
        with_llm(domain, "gpt", None, None, None)


def test_an_llm_that_cannot_be_opened_leaves_the_domain_on_templates(capsys) -> None:
    domain = load_domain("restaurant")
    uses = domain.model_copy(update={"nlg": domain.nlg.model_copy(update={"rephrase": True})})
    assert open_llm(domain, None) is None  # no LLM use switched on: nothing is opened
    assert open_llm(uses, "off") is None
    broken = with_llm(uses, "vllm", None, None, None)
    assert open_llm(broken, None) is None and "answers from its templates only" in capsys.readouterr().err


def test_the_chat_marks_llm_and_template_answers(write_domain) -> None:
    domain = load_domain(write_domain("""
        version: 1
        name: hi
        intents: {greet: [hi]}
        responses: {greet: "Hello at 09:00.", goodbye: "Bye."}
        nlg: {rephrase: true}
    """))
    engine = Engine(domain, llm=ScriptedBackend(
        lambda r: "Hi there, from 09:00 on!" if "09" in r.messages[-1]["content"] else "x" * 500))
    console = Console(record=True, width=200)
    show_turn(console, engine.handle("s", "/greet"), voice=False)
    show_turn(console, engine.handle("s", "/goodbye"), voice=False)
    out = console.export_text()
    assert "bot> Hi there, from 09:00 on!  [llm]" in out
    assert "bot> Bye.  [template: LLM answer rejected: the answer has 500 characters" in out


def test_chat_with_the_llm_off_runs_on_templates() -> None:
    result = CliRunner().invoke(app, ["chat", "restaurant", "--llm", "off"], input="/greet\n:quit\n")
    assert result.exit_code == 0 and "[template]" in result.output
