"""Terminal chat with an engine in this process or a server: the bot's words, then the task, stack and slots.

Lines starting with ':' are events: `:dtmf 12`, `:no_input`, `:start`, `:end`, `:quit`.
An empty line is silence (no input). Anything else is text or `/intent{...}`.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.markup import escape

from dialogue.engine import Engine
from dialogue.nlg.templates import Message
from dialogue.turns import InputError, TurnResult, UserInput

if TYPE_CHECKING:
    from dialogue.client import Client

PROMPT = "you> "


def command_input(line: str) -> UserInput | None:
    """The input a chat line stands for; None for `:quit`. Raises InputError for a bad command."""
    if not line.startswith(":"):
        return UserInput.parse(line) if line.strip() else UserInput(event="no_input")
    name, _, argument = line[1:].strip().partition(" ")
    if name == "quit":
        return None
    if name == "dtmf":
        return UserInput(event="dtmf", digits=argument.strip() or "?")
    if name in ("no_input", "start", "end"):
        return UserInput(event=name)
    raise InputError("command", f"unknown command ':{name}'; use :dtmf DIGITS, :no_input, :start, :end or :quit")


def show_turn(console: Console, result: TurnResult, *, voice: bool) -> None:
    for message in result.messages:
        said = escape(message.ssml if voice and message.ssml else message.text)
        console.print(f"[bold cyan]bot>[/] {said}  [dim]{_origin(message)}[/]", highlight=False)
        if message.suggestions:
            console.print("     " + "  ".join(f"[{s.title}]" for s in message.suggestions), style="dim",
                          highlight=False, markup=False)
    state = result.state
    where = state.active_task or "no task"
    if state.fsm_state:
        where += f" @ {state.fsm_state}"
    elif state.requested_slot:
        where += f" (asking {state.requested_slot})"
    slots = ", ".join(f"{k}={v!r}" for k, v in state.slots.items()) or "-"
    console.print(f"     task: {where} | stack: {' > '.join(state.stack) or '-'} | slots: {slots}",
                  style="dim", highlight=False, markup=False)
    for warning in result.warnings:
        console.print(f"     warning: {warning}", style="yellow", highlight=False, markup=False)
    if result.handoff:
        console.print("     (handed off to a human agent)", style="magenta")
    elif result.ended:
        console.print("     (conversation ended)", style="magenta")


def _origin(message: Message) -> str:
    """Who wrote a message: [llm] or [template], with why the LLM's text was not used."""
    origin = "llm" if message.source == "llm" else "template"
    return escape(f"[{origin}{': ' + message.note if message.note else ''}]")


def chat(turn: Callable[[UserInput], TurnResult], *, console: Console, voice: bool = False,
         lines: TextIO | None = None, recoverable: tuple[type[Exception], ...] = (InputError,)) -> None:
    """Read lines (standard input by default) until their end or `:quit`, running each as a turn.

    A turn that fails with one of the `recoverable` errors is reported and the chat goes on.
    """
    lines = lines or sys.stdin
    interactive = lines.isatty()
    while True:
        if interactive:
            console.print(PROMPT, end="", style="bold green")
        line = lines.readline()
        if not line:
            return
        line = line.rstrip("\n")
        if not interactive:
            console.print(f"[bold green]{PROMPT}[/]{line}", highlight=False)
        try:
            user_input = command_input(line)
            if user_input is None:
                return
            show_turn(console, turn(user_input), voice=voice)
        except recoverable as err:
            console.print(f"     error: {err}", style="red", highlight=False, markup=False)


def local_chat(engine: Engine, *, user_id: str, channel: str, console: Console) -> None:
    session = _session_id()
    chat(lambda user_input: engine.handle(session, user_input, user_id=user_id, channel=channel),
         console=console, voice=channel == "voice")


def remote_chat(client: Client, domain: str, *, user_id: str, channel: str, console: Console) -> None:
    """The chat with a server over gRPC; a failed call is reported and the chat goes on."""
    from dialogue.client import ServerError

    session = _session_id()
    chat(lambda user_input: client.turn(domain, session, user_input, user_id=user_id, channel=channel),
         console=console, voice=channel == "voice", recoverable=(InputError, ServerError))


def _session_id() -> str:
    return f"chat-{uuid.uuid4().hex[:8]}"
