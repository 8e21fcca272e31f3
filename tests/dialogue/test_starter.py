"""dialogue.starter: the files of a new domain, checked before anything is written, and never over a file."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path

import pytest

from dialogue.domains import load_domain
from dialogue.domains.builtin import BUILTIN_INTENTS
from dialogue.domains.jsonschema import SCHEMA_FILE, domain_schema
from dialogue.domains.loader import BUNDLED
from dialogue.starter import (
    MODELINE,
    STARTERS,
    InitError,
    InTheWay,
    domain_files,
    init_domain,
    next_steps,
    referenced_files,
    sources,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_sources_are_the_blank_starter_and_the_bundled_domains() -> None:
    assert sources() == ["blank", "banking", "restaurant", "telco_ivr"]


@pytest.mark.parametrize("source", sources())
def test_the_new_domain_is_the_source_under_its_new_name(source: str, tmp_path: Path) -> None:
    files = domain_files("shop", source)
    text = files["shop.yaml"].decode()
    assert text.startswith(MODELINE) and text.count("yaml-language-server") == 1
    assert json.loads(files[SCHEMA_FILE]) == domain_schema()
    for relative, content in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(content)
    copy = load_domain(tmp_path / "shop.yaml")
    original = load_domain(STARTERS / "blank.yaml" if source == "blank" else source)
    assert copy.name == "shop"
    assert [test.name for test in copy.tests] == [test.name for test in original.tests]
    assert copy.model_dump(exclude={"name"}) == original.model_dump(exclude={"name"})
    tests = files["shop.tests.yaml"].decode()
    assert tests.splitlines()[0].startswith("# Conversation tests of shop.yaml. Run: dialogue test shop.yaml")
    assert f"dialogue train {source})" not in tests


def test_the_files_a_domain_names_are_found_from_the_domain(write_domain, tmp_path: Path) -> None:
    assert referenced_files(load_domain("restaurant")) == [
        Path("lotus.openapi.json"), *(Path("knowledge/restaurant") / name
                                      for name in ("allergens.md", "menus.md", "policies.md"))]
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "tables.py").write_text("")
    (tmp_path / "notes.md").write_text("# Notes\n\nOpen daily.\n")
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.md"
    outside.write_text("# Elsewhere\n\nSomewhere else.\n")
    path = write_domain(f"""\
        version: 1
        name: x
        mcp_servers:
          tables: {{command: [python, tools/tables.py, stdio]}}
        knowledge: {{documents: [notes.md, {outside}]}}
        """)
    assert referenced_files(load_domain(path)) == [Path("tools/tables.py"), Path("notes.md")]


def test_a_bad_name_or_source_is_refused() -> None:
    for name in ("Shop", "2shop", "my-shop", "", "x" * 65):
        with pytest.raises(InitError, match="not a valid domain name"):
            domain_files(name, "blank")
    with pytest.raises(InitError, match="choose from blank, banking"):
        domain_files("shop", "pizza")


def test_a_name_the_domain_cannot_take_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(InitError, match=r"'x{60}' cannot name a domain made from blank: .*longer than the 63"):
        init_domain("x" * 60, "blank", tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_nothing_is_written_over_a_file(tmp_path: Path) -> None:
    first = init_domain("shop", "restaurant", tmp_path)
    assert first.readme == tmp_path / "README.md" and first.kept == []
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    with pytest.raises(InTheWay, match=re.escape(f"{tmp_path / 'shop.yaml'} exists; nothing was written")):
        init_domain("shop", "blank", tmp_path)
    (tmp_path / "knowledge" / "restaurant" / "menus.md").write_text("# Our menus\n")
    with pytest.raises(InTheWay, match=r"menus\.md exists"):
        init_domain("other", "restaurant", tmp_path)
    assert not (tmp_path / "other.yaml").exists()
    assert {path for path in tmp_path.rglob("*") if path.is_file()} == set(before)


def test_shared_files_already_there_are_kept_and_a_readme_is_never_replaced(tmp_path: Path) -> None:
    init_domain("shop", "blank", tmp_path)
    (tmp_path / "README.md").write_text("mine\n")
    second = init_domain("cafe", "blank", tmp_path)
    assert second.kept == [tmp_path / SCHEMA_FILE]
    assert second.written == [tmp_path / "cafe.yaml", tmp_path / "cafe.tests.yaml"]
    assert second.readme is None and (tmp_path / "README.md").read_text() == "mine\n"
    assert "dialogue test cafe.yaml " in second.note


def test_the_note_names_every_next_command() -> None:
    note = next_steps("shop", "restaurant", load_domain("restaurant"))
    for command in ("validate shop.yaml", "train shop.yaml", "test shop.yaml --with-examples",
                    "chat shop.yaml --with-examples", "inspect shop.yaml", "graph shop.yaml -o shop.svg"):
        assert f"dialogue {command}" in note
    assert "--with-examples" not in next_steps("shop", "blank", load_domain(STARTERS / "blank.yaml"))


def test_the_blank_starter_is_a_real_domain() -> None:
    domain = load_domain(STARTERS / "blank.yaml")
    short = {intent: len(spec.examples) for intent, spec in domain.intents.items() if len(spec.examples) < 15}
    assert short == {}
    assert set(domain.intents) - set(BUILTIN_INTENTS), "it declares intents of its own"
    assert domain.memory.tables and any(task.confirm for task in domain.tasks.values())
    free_text = [s for t in domain.tests for s in t.steps if s.user is not None and not s.user.startswith("/")]
    assert len(free_text) >= 5 and len(domain.tests) >= 5


def test_the_starters_are_package_data() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = setuptools["package-data"]["dialogue.domains"]
    for path in STARTERS.iterdir():
        assert any(fnmatch.fnmatch(path.relative_to(BUNDLED).as_posix(), pattern) for pattern in patterns), path
