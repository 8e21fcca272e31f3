"""Conversation tests: scripted turns with what the assistant must do at each."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from dialogue.domains.schema.base import Model, Name, one_or_many
from dialogue.domains.schema.knowledge import KnowledgeQuestion, ResponseName


class Step(Model):
    """One user turn (text, `/intent{...}`, an event, keys or a new session) and its checks.

    Only the checks that are given are made; `task: null` checks that no task is active.
    """

    user: str | None = Field(None, description="What the user says: text or `/intent{\"slot\": value}`.")
    event: Literal["no_input", "start", "end"] | None = None
    dtmf: str | None = Field(None, pattern=r"^[0-9*#]{1,32}$", description="Keys pressed on the phone.")
    new_session: bool = Field(False, description="Start a new session for the same user (a later visit).")
    llm: str | None = Field(None, description="What the domain's LLM answers in this turn (a stand-in: the test "
                                              "runs no model; a step without it gets no LLM answer).")

    bot: one_or_many(ResponseName) | None = Field(  # type: ignore[valid-type]
        None, description="Responses the assistant must give, in order, and no others (`faq.<id>`: an FAQ answer).")
    says: one_or_many(str) | None = Field(None, description="Text that must appear in the reply.")  # type: ignore[valid-type]
    intent: Name | None = Field(None, description="The intent understood from the user's text.")
    entities: dict[Name, Any] | None = None
    task: Name | None = None
    stack: list[Name] | None = None
    state: Name | None = Field(None, description="FSM state of the active task.")
    slots: dict[Name, Any] | None = Field(None, description="Slot values that must hold (others may too).")
    variables: dict[Name, Any] | None = None
    actions: list[str] | None = Field(None, description="Action labels that must have run, e.g. `insert:bookings`.")
    rows: dict[Name, int] | None = Field(None, description="Row count each table must have.")
    ended: bool | None = None
    handoff: bool | None = None

    @model_validator(mode="after")
    def _one_input(self) -> Step:
        given = [self.user is not None, self.event is not None, self.dtmf is not None, self.new_session]
        if sum(given) != 1:
            raise ValueError("a step needs exactly one of `user`, `event`, `dtmf` or `new_session`")
        return self

    @property
    def checks(self) -> set[str]:
        """The expectations this step states."""
        return self.model_fields_set - {"user", "event", "dtmf", "new_session", "llm"}


class StubAnswer(Model):
    """What a stubbed service or MCP tool answers a call: a status and a JSON answer, or no answer in time (a
    tool's status of 400 or more is a tool error)."""

    status: int = Field(200, ge=100, le=599)
    answer: Any = Field(None, description="The JSON answer.")
    timeout: bool = Field(False, description="No answer within the call's time (its on_timeout runs).")


CallKey = Annotated[str, Field(pattern=r"^((GET|POST|PUT|PATCH|DELETE) /\S*|tool [A-Za-z0-9_./-]+)$",
                               description="The method and the path of a call, e.g. `GET /accounts/ana/balance`, "
                                           "or `tool <name>` for a tool of an MCP server.")]


class ConversationTest(Model):
    name: str = Field(min_length=1)
    user_id: str = "tester"
    channel: Literal["text", "voice"] = "text"
    now: str | None = Field(None, description="The clock for every turn, ISO 8601, in the domain's time zone.")
    variables: dict[Name, Any] = Field({}, description="User variables remembered from earlier visits.")
    fixtures: dict[Name, dict[CallKey, one_or_many(StubAnswer)]] = Field(  # type: ignore[valid-type]
        {}, description="Service or MCP server -> call -> its answer (a list: the answers of its calls in order, the "
                        "last one repeated). A stubbed service is never called; the others are called for real.")
    steps: list[Step] = Field(min_length=1)


class ConversationFile(Model):
    """A sibling file `<domain>.tests.yaml` that holds only tests: conversations, and questions for the domain's
    knowledge (`dialogue knowledge-eval`)."""

    tests: list[ConversationTest] = []
    questions: list[KnowledgeQuestion] = []
