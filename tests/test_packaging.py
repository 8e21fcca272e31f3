"""What pip installs: every folder of code under the one import root, so a wheel holds what the checkout runs."""

from __future__ import annotations

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
    assert set(packaging()["packages"]) == expected | {"dialogue.example_services"}  # examples/services
