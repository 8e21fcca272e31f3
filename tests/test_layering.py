"""Imports only go downward: domains, then nlu and dm, then policies and nlg, then dialogue."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "domains": set(),
    "nlu": {"domains"},
    "dm": {"domains"},
    "policies": {"domains", "dm"},
    "nlg": {"domains", "dm"},
    "dialogue": {"domains", "nlu", "dm", "policies", "nlg"},
}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_only_go_downward(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"package {package} has no modules"
    upward = {
        f"{path.relative_to(ROOT)} imports {other}"
        for path in files for other in imported_packages(path) - ALLOWED[package] - {package}
    }
    assert not upward


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from dialogue.engine import Engine\nimport policies.frame\n")
    assert imported_packages(module) == {"dialogue", "policies"}
