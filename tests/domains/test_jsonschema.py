"""The exported JSON Schema is committed, current, and agrees with the loader on real files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from dialogue.domains import bundled_domains
from dialogue.domains.jsonschema import SCHEMA_FILE, domain_schema
from dialogue.domains.loader import BUNDLED
from dialogue.domains.source import read_yaml


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = domain_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_current() -> None:
    committed = json.loads((BUNDLED / SCHEMA_FILE).read_text(encoding="utf-8"))
    assert committed == domain_schema(), "run: dialogue schema -o domains/domain.schema.json"


@pytest.mark.parametrize("path", bundled_domains(), ids=lambda p: p.stem)
def test_bundled_domains_reference_and_match_the_schema(path: Path, validator) -> None:
    assert f"$schema={SCHEMA_FILE}" in path.read_text(encoding="utf-8").splitlines()[0]
    errors = [f"{list(e.absolute_path)}: {e.message[:120]}" for e in validator.iter_errors(read_yaml(path).data)]
    assert errors == []


def test_schema_rejects_what_the_loader_rejects(validator) -> None:
    data = read_yaml(BUNDLED / "restaurant.yaml").data
    data["tasks"]["book_table"]["slots"][1]["promt"] = "x"
    data["slots"]["party_size"]["type"] = "integr"
    paths = {tuple(e.absolute_path)[:2] for e in validator.iter_errors(data)}
    assert paths == {("slots", "party_size"), ("tasks", "book_table")}
