"""The JSON Schema of domain files, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

from typing import Any

from dialogue.domains.schema import Domain

SCHEMA_FILE = "domain.schema.json"


def domain_schema() -> dict[str, Any]:
    schema = Domain.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Dialogue domain (version 1)",
            **schema}
