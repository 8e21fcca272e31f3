"""Static checks of `call:` actions against a service's OpenAPI 3 document (`services.<name>.openapi`).

A call's path (a template) matches a path of the document segment by segment: a literal segment must be the
same or a `{parameter}`, a segment with `{{ }}` must be a `{parameter}`. Then the method must be declared
there, the query parameters must be the operation's (and its required ones given), the body's fields its
request body's, and each `into:` path (and `rows`) must exist in the schema of its 2xx JSON answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.domains.errors import did_you_mean
from dialogue.domains.schema.actions import CallSpec
from dialogue.domains.source import YamlPath, read_yaml

_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_VARIABLE = "\0"
_JSON = "application/json"


@dataclass(frozen=True)
class Finding:
    """A problem with a call: where in the call (under its `call:` key), what, and a hint."""

    where: YamlPath
    message: str
    hint: str = ""


class OpenApi:
    """One service's OpenAPI document."""

    def __init__(self, document: dict[str, Any], file: str):
        self.document, self.file = document, file
        self.paths: dict[str, Any] = document.get("paths") or {}

    @classmethod
    def load(cls, path: Path) -> OpenApi:
        """Read a YAML or JSON document: DomainError (with its file, line and column) when it cannot be read,
        ValueError when it is no OpenAPI 3 document."""
        data = read_yaml(path).data
        if not isinstance(data, dict) or not str(data.get("openapi", "")).startswith("3"):
            raise ValueError(f"{path} is not an OpenAPI 3 document (no `openapi: 3.x` at its top)")
        return cls(data, str(path))

    def check(self, call: CallSpec) -> list[Finding]:
        found = self._path(call.path)
        if isinstance(found, Finding):
            return [found]
        declared, item = found
        operation = item.get(call.method.lower())
        if not isinstance(operation, dict):
            methods = ", ".join(m.upper() for m in item if m in ("get", "post", "put", "patch", "delete"))
            return [Finding(("method",), f"{self.file} declares no {call.method} for {declared}",
                            f"it declares: {methods or 'no method'}")]
        return [*self._query(call, declared, item, operation), *self._body(call, declared, operation),
                *self._answer(call, declared, operation)]

    def _path(self, template: str) -> tuple[str, dict[str, Any]] | Finding:
        wanted = _TEMPLATE.sub(_VARIABLE, template.split("?")[0]).strip("/").split("/")
        for declared, item in self.paths.items():
            segments = declared.strip("/").split("/")
            if len(segments) == len(wanted) and all(_matches(mine, theirs) for mine, theirs in zip(wanted, segments)):
                return declared, self._resolved(item)
        shown = template.replace(_VARIABLE, "{}")
        return Finding(("path",), f"no path of {self.file} matches {shown}",
                       did_you_mean(template, list(self.paths)) or f"its paths: {', '.join(self.paths)}")

    def _query(self, call: CallSpec, declared: str, item: dict[str, Any],
               operation: dict[str, Any]) -> list[Finding]:
        parameters = [self._resolved(p) for p in [*item.get("parameters", []), *operation.get("parameters", [])]]
        query = {p.get("name"): p for p in parameters if p.get("in") == "query"}
        found = [Finding(("query", name), f"{call.method} {declared} takes no query parameter '{name}'",
                         did_you_mean(name, list(query)) or f"it takes: {', '.join(query) or 'none'}")
                 for name in call.query if name not in query]
        found += [Finding(("query",), f"{call.method} {declared} needs the query parameter '{name}'")
                  for name, parameter in query.items() if parameter.get("required") and name not in call.query]
        return found

    def _body(self, call: CallSpec, declared: str, operation: dict[str, Any]) -> list[Finding]:
        body = self._resolved(operation.get("requestBody") or {})
        schema = self._resolved(((body.get("content") or {}).get(_JSON) or {}).get("schema") or {})
        if call.body is None:
            return [Finding(("body",), f"{call.method} {declared} needs a JSON body")] if body.get("required") else []
        if not body:
            return [Finding(("body",), f"{call.method} {declared} takes no body")]
        properties = schema.get("properties")
        if not isinstance(call.body, dict) or not isinstance(properties, dict):
            return []
        found = [Finding(("body", name), f"the body of {call.method} {declared} has no field '{name}'",
                         did_you_mean(name, list(properties)) or f"its fields: {', '.join(properties)}")
                 for name in call.body if name not in properties]
        found += [Finding(("body",), f"the body of {call.method} {declared} needs the field '{name}'")
                  for name in schema.get("required", []) if name not in call.body]
        return found

    def _answer(self, call: CallSpec, declared: str, operation: dict[str, Any]) -> list[Finding]:
        responses = operation.get("responses") or {}
        ok = next((self._resolved(r) for code, r in responses.items() if str(code).startswith("2")), None)
        schema = ((ok or {}).get("content") or {}).get(_JSON, {}).get("schema")
        reads = [(("into", target), path) for target, path in call.into.items()]
        reads += [(("rows",), call.rows)] if call.result and call.rows else []
        if schema is None:
            return [Finding(where, f"{call.method} {declared} declares no JSON answer to read `{path}` from")
                    for where, path in reads]
        return [finding for where, path in reads if (finding := self._read(schema, path, where, declared))]

    def _read(self, schema: Any, path: str, where: YamlPath, declared: str) -> Finding | None:
        """None if the answer's schema has `path`, else why not."""
        for part in path.split(".") if path else []:
            schema = self._resolved(schema)
            if part.isdigit() and schema.get("type") == "array":
                schema = schema.get("items") or {}
                continue
            properties = schema.get("properties")
            if not isinstance(properties, dict):
                return None  # a free-form object: anything may be there
            if part not in properties:
                return Finding(where, f"the answer of {declared} has no `{part}` (in `{path}`)",
                               did_you_mean(part, list(properties)) or f"it has: {', '.join(properties)}")
            schema = properties[part]
        return None

    def _resolved(self, node: Any) -> Any:
        """A node with its local `$ref` (`#/components/...`) followed."""
        for _ in range(32):
            if not isinstance(node, dict) or "$ref" not in node:
                return node
            target: Any = self.document
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            node = target or {}
        return node


def _matches(mine: str, theirs: str) -> bool:
    parameter = theirs.startswith("{") and theirs.endswith("}")
    return parameter if _VARIABLE in mine else (mine == theirs or parameter)

