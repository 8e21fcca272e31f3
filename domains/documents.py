"""The files a domain's `knowledge.documents` name (the patterns are relative to the domain's file)."""

from __future__ import annotations

from pathlib import Path

SUFFIXES = (".md", ".markdown", ".txt")


class DocumentError(ValueError):
    """A document the domain names cannot be found or read."""


def pattern_files(pattern: str, folder: Path) -> list[Path]:
    """The Markdown or text files a pattern names, sorted; DocumentError when it names none, or names another kind
    of file."""
    matches = sorted(folder.glob(pattern)) if any(c in pattern for c in "*?[") else [folder / pattern]
    matches = [path for path in matches if path.is_file()]
    if not matches:
        raise DocumentError(f"'{pattern}' matches no file in {folder}")
    for path in matches:
        if path.suffix.lower() not in SUFFIXES:
            raise DocumentError(f"'{path.name}' is not a Markdown or text file ({', '.join(SUFFIXES)})")
    return matches


def document_files(patterns: list[str], folder: Path) -> list[Path]:
    """The files of every pattern, in order, each once."""
    found: list[Path] = []
    for pattern in patterns:
        found += [path for path in pattern_files(pattern, folder) if path not in found]
    return found
