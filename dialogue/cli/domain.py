"""Commands on domain files: validate, schema, test, chat."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from dialogue.chat import local_chat
from dialogue.cli import llm as llm_options
from dialogue.cli.common import (
    DomainArg,
    JsonOption,
    ModelsOption,
    WithExamplesOption,
    console,
    examples_running,
    fail,
    knowledge_index,
    load,
    understander,
    usage_error,
    writable,
)
from dialogue.domains import check_domain
from dialogue.domains.jsonschema import domain_schema
from dialogue.domains.loader import domain_of
from dialogue.reports import show


def validate(paths: list[Path] = typer.Argument(..., help="Domain files to check (a tests file checks its domain)."),
             online: bool = typer.Option(False, "--online", help="Also ask each MCP server for its tools and check "
                                                                 "the domain's tool calls against them."),
             as_json: bool = JsonOption) -> None:
    """Check domain files and print every problem, with file:line:column and a hint."""
    domains = list(dict.fromkeys(domain_of(path) for path in paths))
    lister = _ToolLister() if online else None
    problems = [problem for path in domains for problem in check_domain(path, lister)]
    if lister is not None:
        lister.close()
    failed = any(p.severity == "error" for p in problems)
    if as_json:
        print(json.dumps({"valid": not failed, "problems": [vars(p) for p in problems]}, indent=2))
    else:
        for problem in problems:
            style = "red" if problem.severity == "error" else "yellow"
            console.print(str(problem), style=style, highlight=False, markup=False)
        count = sum(p.severity == "error" for p in problems)
        console.print(f"{len(domains)} domain(s) checked: {count} error(s), {len(problems) - count} warning(s)")
    raise typer.Exit(1 if failed else 0)


class _ToolLister:
    """Lists the tools of a domain's MCP servers, over one client per domain."""

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}

    def __call__(self, domain: Any, server: str) -> dict[str, dict[str, Any]]:
        from dialogue.dm.services import ServiceClient

        client = self.clients.get(domain.name)
        if client is None:
            client = self.clients[domain.name] = ServiceClient({}, domain.mcp_servers, domain.folder)
        return {tool.name: tool.input_schema for tool in client.tools(server)}

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def schema(output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")) -> None:
    """Write the JSON Schema of domain files (for editor completion and checking)."""
    writable(output, "--output")
    text = json.dumps(domain_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


def test(domain: str = DomainArg, name: str | None = typer.Option(None, help="Only tests whose name contains this."),
         models: Path | None = ModelsOption, with_examples: bool = WithExamplesOption,
         report: Path | None = typer.Option(None, "--report", help="Write an HTML page to this folder: each failing "
                                                                   "test turn by turn, expected against actual."),
         as_json: bool = JsonOption) -> None:
    """Run a domain's conversation tests; on failure show expected vs actual, turn by turn."""
    from dialogue.testing import run_tests
    from dialogue.testing_report import write_test_report

    writable(report, "--report", folder=True)
    loaded = load(domain)
    with examples_running(with_examples):
        outcomes = run_tests(loaded, nlu=understander(loaded, models), knowledge=knowledge_index(loaded, models),
                             name=name)
    failed = [o for o in outcomes if not o.passed]
    if report is not None:
        write_test_report(report, loaded.name, outcomes)
    if as_json:
        print(json.dumps({"domain": loaded.name, "passed": len(outcomes) - len(failed), "failed": len(failed),
                          "tests": [o.as_dict() for o in outcomes]}, indent=2, default=str))
    else:
        for outcome in outcomes:
            mark = "[green]PASS[/]" if outcome.passed else "[red]FAIL[/]"
            console.print(f"{mark} {loaded.name}: {outcome.name}", highlight=False)
            if not outcome.passed:
                console.print(_failure_table(outcome))
        console.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed", highlight=False)
        if report is not None:
            console.print(f"report: {report / 'index.html'}", highlight=False)
    raise typer.Exit(1 if failed or not outcomes else 0)


def _failure_table(outcome: Any) -> Table:
    table = Table(show_lines=True, expand=False)
    for column in ("step", "user", "bot said", "check", "expected", "actual"):
        table.add_column(column, overflow="fold")
    for step in outcome.steps:
        if step.error:
            table.add_row(str(step.number), step.said, "", "error", "", step.error)
        for index, mismatch in enumerate(step.mismatches):
            first = index == 0
            table.add_row(str(step.number) if first else "", step.said if first else "", step.reply if first else "",
                          mismatch.check, show(mismatch.expected), show(mismatch.actual))
        if step.passed:
            table.add_row(str(step.number), step.said, step.reply, "ok", "", "", style="dim")
    return table


def chat(domain: str | None = typer.Argument(None, help="A domain file, or the name of a bundled domain "
                                                         "(restaurant, banking, telco_ivr); with --server, one the "
                                                         "server hosts (default: its only one)."),
         user: str = typer.Option("chat-user", help="User id (user variables are kept per user)."),
         voice: bool = typer.Option(False, help="Use the voice channel (SSML, DTMF)."),
         models: Path | None = ModelsOption,
         db: str | None = typer.Option(None, "--db", help="Keep sessions, user variables and tables in this "
                                                          "database (sqlite:///file.db or postgresql+psycopg://...; "
                                                          "default: in memory, forgotten on exit)."),
         server: str | None = typer.Option(None, "--server", help="HOST:PORT of a dialogue server: chat with it "
                                                                  "over gRPC instead of in this process."),
         token: str | None = typer.Option(None, envvar="DIALOGUE_TOKEN", show_envvar=True,
                                          help="The server's token (with --server)."),
         tls: bool = typer.Option(False, "--tls", help="Connect over TLS (with --server)."),
         ca: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                        help="Trust this PEM certificate for TLS (implies --tls)."),
         wait: float = typer.Option(30.0, min=0, help="Seconds to wait for the server to come up."),
         with_examples: bool = WithExamplesOption,
         llm: str | None = llm_options.BackendOption, llm_model: str | None = llm_options.ModelOption,
         llm_url: str | None = llm_options.UrlOption, llm_timeout_ms: int | None = llm_options.TimeoutOption) -> None:
    """Chat with a domain in this terminal; shows the active task, stack and slots after each turn, and which
    answers an LLM wrote."""
    channel = "voice" if voice else "text"
    if not 1 <= len(user) <= 200:  # as the engine requires
        usage_error("--user: give a user id of 1 to 200 characters")
    if server is not None:
        _remote(server, domain, user=user, channel=channel, token=token, tls=tls, ca=ca, wait=wait)
        return
    if domain is None:
        usage_error("give a domain, or --server HOST:PORT")
    from dialogue.engine import Engine

    loaded = llm_options.with_llm(load(domain), llm, llm_model, llm_url, llm_timeout_ms)
    store = None
    if db:
        from dialogue.dm.sql import SqlStore

        store = SqlStore(db)
    with examples_running(with_examples):  # before the engine, which reads the services' URLs
        engine = Engine(loaded, nlu=understander(loaded, models), store=store, llm=llm_options.open_llm(loaded, llm),
                        knowledge=knowledge_index(loaded, models))
        _greeting(f"'{engine.domain.name}'")
        local_chat(engine, user_id=user, channel=channel, console=console)


def _remote(server: str, domain: str | None, *, user: str, channel: str, token: str | None, tls: bool,
            ca: Path | None, wait: float) -> None:
    from dialogue.chat import remote_chat
    from dialogue.client import Client, ServerError

    with Client(server, token=token, tls=tls, ca=ca) as client:
        try:
            client.wait_ready(wait)
            hosted = [info.name for info in client.domains()]
        except ServerError as err:
            fail(str(err))
        if domain is None and len(hosted) != 1:
            usage_error(f"the server hosts {', '.join(hosted)}: name the domain to chat with")
        name = domain or hosted[0]
        if name not in hosted:
            fail(f"the server does not host '{name}'; it hosts {', '.join(hosted)}")
        _greeting(f"'{name}' at {server}")
        remote_chat(client, name, user_id=user, channel=channel, console=console)


def _greeting(where: str) -> None:
    console.print(f"Chatting with {where}. Type text or /intent{{...}}; :dtmf 1, :no_input, :quit. "
                  "Empty line = silence.", style="dim", highlight=False, markup=False)
