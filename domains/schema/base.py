"""Building blocks shared by every part of the domain schema."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

Name = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64),
    Field(description="A name: lower-case letters, digits and underscores, starting with a letter."),
]
Condition = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000),
    Field(description="A condition in Jinja2 expression syntax, e.g. `slots.party_size > 8 and not user.vip`."),
]


class Model(BaseModel):
    """Strict base: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


class _OneOrManySchema:
    """JSON Schema for a list that also accepts one bare item."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict:
        schema = handler(core_schema)
        return {"anyOf": [schema["items"], schema]}


def one_or_many(item: Any) -> Any:
    """A list type whose YAML may give a single item instead of a list."""
    return Annotated[list[item], BeforeValidator(_as_list), _OneOrManySchema()]


class Shorthand(Model):
    """A part that YAML may also write in a short form, such as a plain string."""

    shorthand: ClassVar[dict[str, Any]]
    """JSON Schema of the short form."""

    @classmethod
    def expand(cls, value: Any) -> Any:
        """The full form of a short one (anything else is returned as is)."""
        raise NotImplementedError

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        return cls.expand(value)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler.resolve_ref_schema(handler(core_schema))
        return {"anyOf": [cls.shorthand, dict(schema)]}
