"""Imports only go downward: domains, then nlu and dm, then policies and nlg, then dialogue; all under one root.

Each layer is a folder of the repository installed under the import root `dialogue` (`domains/` is
`dialogue.domains`), so no module imports a top-level `domains`, `nlu`, `dm`, `policies` or `nlg`.
"""

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
LAYERS = set(ALLOWED) - {"dialogue"}


def imported_modules(path: Path) -> set[str]:
    """The absolute module names a file imports (`from dialogue import wire` is `dialogue.wire`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def layer(module: str) -> str | None:
    """The layer of one of our modules (`dialogue.nlu.data` is in nlu, `dialogue.engine` in dialogue)."""
    parts = module.split(".")
    if parts[0] != "dialogue":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "dialogue"


def imported_packages(path: Path) -> set[str]:
    return {found for module in imported_modules(path) if (found := layer(module))}


def outside_the_root(path: Path) -> set[str]:
    """Imports of a layer as a top-level package (`from nlu.data import ...`)."""
    return {module for module in imported_modules(path) if module.split(".")[0] in LAYERS}


def code_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_only_go_downward(package: str) -> None:
    files = code_files(package)
    assert files, f"package {package} has no modules"
    upward = {
        f"{path.relative_to(ROOT)} imports {other}"
        for path in files for other in imported_packages(path) - ALLOWED[package] - {package}
    }
    assert not upward


@pytest.mark.parametrize("folder", [*sorted(ALLOWED), "tests"])
def test_every_import_of_ours_is_under_the_one_root(folder: str) -> None:
    stray = {f"{path.relative_to(ROOT)} imports {module}" for path in code_files(folder)
             for module in outside_the_root(path)}
    assert not stray


def test_the_checks_catch_an_upward_import_and_a_top_level_one(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from dialogue.engine import Engine\nimport dialogue.policies.frame\nfrom nlu.data import x\n"
                      "from dialogue import nlg\n")
    assert imported_packages(module) == {"dialogue", "policies", "nlg"}
    assert outside_the_root(module) == {"nlu.data.x"}
