"""The domain file: one assistant, its understanding, memory, tasks and words."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, field_validator

from dialogue.domains.schema.actions import Action
from dialogue.domains.schema.base import Model, Name, Shorthand
from dialogue.domains.schema.conversations import ConversationTest
from dialogue.domains.schema.guards import Guard
from dialogue.domains.schema.ivr import Ivr
from dialogue.domains.schema.knowledge import Knowledge, KnowledgeQuestion
from dialogue.domains.schema.nlg import NlgSettings
from dialogue.domains.schema.responses import Response
from dialogue.domains.schema.services import ActionSettings, McpServer, Service
from dialogue.domains.schema.slots import SlotSpec
from dialogue.domains.schema.tasks import FrameSlot, Task

YesOrNo = Literal["affirm", "deny"]


class Intent(Shorthand):
    """What users mean. Examples annotate slot values inline: `for [4](party_size) people`,
    `[szechuan](cuisine:sichuan)` for a synonym of the canonical value `sichuan`."""

    shorthand: ClassVar[dict[str, Any]] = {"type": "array", "items": {"type": "string"},
                                           "description": "the examples"}
    description: str = ""
    examples: list[Annotated[str, Field(min_length=1, max_length=500)]] = []
    means: YesOrNo | None = Field(None, description="Read as yes (`affirm`) or no (`deny`) where the assistant "
                                  "asked a yes/no question: a confirmation, an offered value, a yes/no slot, an "
                                  "FSM state's affirm or deny transition (e.g. `sounds_good` for a booking).")

    @classmethod
    def expand(cls, value: Any) -> Any:
        return {"examples": value} if isinstance(value, list) else value


SQL_NAME_LIMIT = 63
"""The longest identifier PostgreSQL keeps (longer ones are cut, so two could become one)."""
RESERVED_COLUMNS = frozenset({"id", "rowid", "oid", "tableoid", "xmin", "xmax", "cmin", "cmax", "ctid"})
"""Column names taken by the engine (`id`), SQLite (`rowid`) or PostgreSQL's system columns."""


def sql_table_name(domain: str, table: str) -> str:
    """A domain table's name in SQL: `<domain>__<table>`, so domains sharing a database never clash."""
    return f"{domain}__{table}"


ColumnType = Literal["text", "integer", "number", "boolean", "date", "time", "datetime"]


class Column(Shorthand):
    shorthand: ClassVar[dict[str, Any]] = {"enum": list(ColumnType.__args__), "description": "the column's type"}
    type: ColumnType
    nullable: bool = True

    @classmethod
    def expand(cls, value: Any) -> Any:
        return {"type": value} if isinstance(value, str) else value


class Table(Model):
    """A table the domain's actions read and write. Every table gets an `id` key."""

    description: str = ""
    columns: dict[Name, Column]
    seed: list[dict[Name, Any]] = Field([], description="Rows inserted when the table is created.")


class Memory(Model):
    variables: dict[Name, SlotSpec] = Field({}, description="User variables: they outlive the session.")
    tables: dict[Name, Table] = {}


class NluSettings(Model):
    threshold: float = Field(0.5, ge=0, le=1, description="Below this confidence, the intent is nlu_fallback.")
    ambiguity_margin: float = Field(0.1, ge=0, le=1, description="Top two intents closer than this are "
                                                                 "ambiguous; the assistant asks which was meant.")
    novelty: float = Field(0.0, ge=0, le=0.5, description=(
        "Input farther from every intent's examples than all but this share of the held-out examples is "
        "nlu_fallback, however confident the model (0: off). 0.05 turns away about 5% of in-scope input and most "
        "out-of-scope input; needs a model trained with held-out examples."))
    several_requests: bool = Field(True, description=(
        "A message whose clauses ask for different things (\"yes please, and what time do you open?\") is "
        "taken as several requests, one after the other. Each clause is also read by the model (English only)."))
    in_context: bool = Field(True, description=(
        "Each message is read with what the assistant asked last (a slot, a yes/no question, rows offered): \"8\" "
        "is a time after \"What time?\" and a head count after \"How many people?\" (docs/nlu.md)."))


class Settings(Model):
    language: str = Field("en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
    timezone: str = "UTC"
    routing: Literal["flow", "reverse", "host"] = Field(
        "flow",
        description="Goal stack routing: `flow` finishes tasks in order; `reverse` hands input the active "
                    "task cannot use to the task below it; `host` re-routes every turn from the root.")
    max_attempts: int = Field(3, ge=1, le=20, description="Default re-prompt limit of frame slots.")
    max_input_chars: int = Field(2000, ge=1, le=1_000_000, description="Longer user text is truncated.")
    nlu: NluSettings = NluSettings()
    actions: ActionSettings = ActionSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (use an IANA name such as Europe/London)") from None
        return value


class Domain(Model):
    """One assistant. Built-in intents and responses are added at load time."""

    version: Literal[1] = Field(description="Version of the domain format.")
    name: Name
    description: str = ""
    settings: Settings = Settings()
    slots: dict[Name, SlotSpec] = {}
    intents: dict[Name, Intent] = {}
    memory: Memory = Memory()
    services: dict[Name, Service] = Field({}, description="The business's HTTP services, for `call:` actions.")
    mcp_servers: dict[Name, McpServer] = Field({}, description="Model Context Protocol servers, for `tool:` "
                                                "actions.")
    tasks: dict[Name, Task] = {}
    guards: list[Guard] = []
    responses: dict[Name, Response] = {}
    knowledge: Knowledge = Field(Knowledge(), description="Questions answered from an FAQ and documents.")
    nlg: NlgSettings = NlgSettings()
    ivr: Ivr = Ivr()
    on_start: list[Action] = Field([], description="Actions when a session starts.")
    tests: list[ConversationTest] = []
    questions: list[KnowledgeQuestion] = Field([], description="Held-out questions for `dialogue knowledge-eval`.")
    _argument: str | None = PrivateAttr(None)
    _folder: Path | None = PrivateAttr(None)

    @property
    def argument(self) -> str:
        """How commands name this domain: a bundled one by its name, another by its file (`dialogue train
        shop.yaml`), as it was loaded."""
        return self._argument or self.name

    @property
    def folder(self) -> Path:
        """The folder of the domain's file, where its relative paths point (the working directory for a domain
        made in code)."""
        return self._folder or Path.cwd()

    def asks(self, entry: FrameSlot) -> bool:
        """Whether a frame asks the user for this slot: not when it is optional or the slot has a default."""
        return not entry.optional and self.slots[entry.slot].default is None

    def yes_or_no(self, intent: str) -> YesOrNo | None:
        """What an intent answers to a yes/no question: `affirm`, `deny`, or None (neither)."""
        if intent in ("affirm", "deny"):
            return intent  # type: ignore[return-value]
        found = self.intents.get(intent)
        return found.means if found else None
