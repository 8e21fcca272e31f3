"""Imports only go downward: domains, then nlu and dm, then policies and nlg, then dialogue; all under one root.

Each layer is a folder of the repository installed under the import root `dialogue` (`domains/` is
`dialogue.domains`), so no module imports a top-level `domains`, `nlu`, `dm`, `policies` or `nlg`.
Persistence (`dm/sql/`) is the only code that touches a database: the rest reaches it through the protocols
of `dialogue.dm.store`, and code that opens a store imports the package's exports, never its modules.
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
PERSISTENCE = ROOT / "dm" / "sql"
DATABASE_LIBRARIES = {"sqlalchemy", "alembic", "psycopg"}


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


def outside_persistence(folder: str) -> list[Path]:
    return [path for path in code_files(folder) if PERSISTENCE not in path.parents]


def persistence_reached(path: Path) -> set[str]:
    """What a module outside persistence imports of its inside: a database library, or a module of dm/sql
    (rather than the package's exports)."""
    found = set()
    for module in imported_modules(path):
        parts = module.split(".")
        inside = parts[:3] == ["dialogue", "dm", "sql"] and len(parts) > 3 \
            and ((PERSISTENCE / f"{parts[3]}.py").exists() or (PERSISTENCE / parts[3]).is_dir())
        if inside or parts[0] in DATABASE_LIBRARIES:
            found.add(module)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_only_persistence_touches_the_database(package: str) -> None:
    reached = {f"{path.relative_to(ROOT)} imports {module}" for path in outside_persistence(package)
               for module in persistence_reached(path)}
    assert not reached


@pytest.mark.parametrize("package", ["domains", "nlu", "dm", "policies", "nlg"])
def test_the_layers_below_the_engine_use_the_stores_protocols_only(package: str) -> None:
    opened = {f"{path.relative_to(ROOT)} imports {module}" for path in outside_persistence(package)
              for module in imported_modules(path) if module.startswith("dialogue.dm.sql")}
    assert not opened


def test_the_checks_catch_an_upward_import_and_a_top_level_one(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from dialogue.engine import Engine\nimport dialogue.policies.frame\nfrom nlu.data import x\n"
                      "from dialogue import nlg\n")
    assert imported_packages(module) == {"dialogue", "policies", "nlg"}
    assert outside_the_root(module) == {"nlu.data.x"}
    module.write_text("import sqlalchemy as sa\nfrom dialogue.dm.sql import SqlStore\n"
                      "from dialogue.dm.sql.database import Database\nfrom dialogue.dm.sql import schema\n")
    assert persistence_reached(module) == {"sqlalchemy", "dialogue.dm.sql.database.Database", "dialogue.dm.sql.schema"}
