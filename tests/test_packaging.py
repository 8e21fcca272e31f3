"""What pip installs: every folder of code under the one import root, so a wheel holds what the checkout runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

from tests.test_layering import ALLOWED, ROOT

MIGRATIONS = Path("dm/sql/migrations")
"""Alembic's scripts: package data of dialogue.dm, not a package."""


def packaging() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_folder_of_code_is_an_installed_package() -> None:
    folders = {path.parent.relative_to(ROOT) for layer in ALLOWED for path in (ROOT / layer).rglob("*.py")}
    folders = {folder for folder in folders if MIGRATIONS not in (folder, *folder.parents)}
    package_dir = {folder: name for name, folder in packaging()["package-dir"].items()}
    expected = set()
    for folder in folders:
        top = package_dir[folder.parts[0]]
        expected.add(".".join([top, *folder.parts[1:]]))
        assert (ROOT / folder / "__init__.py").exists(), f"{folder} has no __init__.py"
    assert set(packaging()["packages"]) == expected


def test_a_project_with_folders_named_like_the_engines_keeps_the_python_api(tmp_path: Path) -> None:
    """A user's project holding domains/, nlu/ and dm/ folders (the natural names) runs the API from there."""
    for name in ("domains", "nlu", "dm"):
        (tmp_path / name).mkdir()
    (tmp_path / "domains" / "shop.yaml").write_text("name: shop\n", encoding="utf-8")
    (tmp_path / "nlu" / "notes.txt").write_text("the team's own files\n", encoding="utf-8")
    script = textwrap.dedent("""
        from dialogue.domains import Domain, load_domain
        from dialogue.engine import Engine

        engine = Engine(load_domain("restaurant"))
        result = engine.handle("s1", '/book_table{"cuisine": "italian"}', user_id="ana")
        assert isinstance(engine.domain, Domain)
        print(result.state.active_task)
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "book_table"
