"""Which keys a mapping of a domain file may hold at a given place, for the hint of an unknown key."""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Tag


def keys_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str] | None:
    """The keys allowed in the mapping at `loc` (a validation error's location, without the unknown key), or
    None when the place is not one mapping of the schema."""
    candidates: list[Any] = [model]
    for part in loc:
        candidates = [inner for kind in candidates for inner in _step(kind, part)]
    models = {kind for candidate in candidates for kind, _ in _members(candidate) if _is_model(kind)}
    if len(models) != 1:
        return None
    (found,) = models
    return sorted(field.alias or name for name, field in found.model_fields.items())


def _step(kind: Any, part: str | int) -> list[Any]:
    """The types found one step into `kind` along `part`: a field, an item, a value, or a tagged union's member."""
    members = _members(kind)
    if len(members) > 1:
        return [member for member, tags in members if part in tags]
    if not members:
        return []
    ((kind, _),) = members
    origin = get_origin(kind)
    if _is_model(kind):
        fields = {field.alias or name: field.annotation for name, field in kind.model_fields.items()}
        return [fields[part]] if part in fields else []
    if origin in (list, tuple) and isinstance(part, int):
        return [get_args(kind)[0]]
    if origin is dict and isinstance(part, str):
        return [get_args(kind)[1]]
    return []


def _members(kind: Any) -> list[tuple[Any, set[Any]]]:
    """A type's union members without None, each with the tags that select it (`Tag` or a literal field)."""
    origin = get_origin(kind)
    if origin is Annotated:
        inner, *metadata = get_args(kind)
        tags = {item.tag for item in metadata if isinstance(item, Tag)}
        return [(member, found | tags) for member, found in _members(inner)]
    if origin in (Union, types.UnionType):
        return [member for arg in get_args(kind) if arg is not type(None) for member in _members(arg)]
    return [(kind, _literal_tags(kind))]


def _literal_tags(kind: Any) -> set[Any]:
    if not _is_model(kind):
        return set()
    return {value for field in kind.model_fields.values() if get_origin(field.annotation) is Literal
            for value in get_args(field.annotation)}


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)
