"""The domain's documents as passages: split by heading and paragraph, each with a stable id and where it is.

A passage is one paragraph (a list or a table counts as one), read under its headings: the
searched text starts with them, so "Opening hours" still finds "Monday to Friday, 9 to 5". A
paragraph longer than MAX_WORDS is cut at sentence ends. Ids are `<file>#<section>-<n>`: the
n-th passage under that heading, so editing one section leaves the others' ids as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dialogue.domains.documents import DocumentError, document_files
from dialogue.domains.schema import Domain

MAX_WORDS = 120
"""A longer paragraph is cut into passages of about this many words (sentences are kept whole)."""
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    """The paragraph as written."""
    title: str
    """Its headings, outermost first, joined by " > " (empty before the first heading)."""
    source: str
    """`file:line` of its first line, the file relative to the domain's folder."""

    @property
    def searched(self) -> str:
        """What retrieval reads: the headings, then the text."""
        return titled(self.title, self.text)


def titled(title: str, text: str) -> str:
    """A passage's text after its headings, as retrieval and the LLM read it."""
    return f"{title}: {text}" if title else text


def domain_passages(domain: Domain) -> list[Passage]:
    """Every passage of the domain's documents."""
    passages = []
    for path in document_files(domain.knowledge.documents, domain.folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise DocumentError(f"knowledge document '{path.name}' cannot be read: {err}") from None
        passages += split(text, _shown(path, domain.folder))
    return passages


def split(text: str, name: str) -> list[Passage]:
    """The passages of one document (`name`: how ids and sources name it)."""
    passages: list[Passage] = []
    headings: list[tuple[int, str]] = []
    paragraph: list[str] = []
    start = 0
    counts: dict[str, int] = {}

    def flush() -> None:
        words = " ".join(line.strip() for line in paragraph).strip()
        paragraph.clear()
        if not words:
            return
        title = " > ".join(heading for _, heading in headings)
        section = _slug(headings[-1][1]) if headings else "top"
        for piece in _pieces(words):
            counts[section] = counts.get(section, 0) + 1
            passages.append(Passage(f"{name}#{section}-{counts[section]}", piece, title, f"{name}:{start}"))

    for number, line in enumerate(text.splitlines(), start=1):
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            headings = [(lvl, title) for lvl, title in headings if lvl < level] + [(level, heading.group(2))]
        elif not line.strip():
            flush()
        else:
            if not paragraph:
                start = number
            paragraph.append(line)
    flush()
    return passages


def sentences(text: str) -> list[str]:
    """The text cut after each full stop, question or exclamation mark."""
    return [sentence for sentence in _SENTENCE_END.split(text) if sentence]


def _pieces(words: str) -> list[str]:
    """A paragraph in pieces of at most about MAX_WORDS words, cut between sentences."""
    pieces: list[str] = []
    for sentence in sentences(words):
        if pieces and len(pieces[-1].split()) + len(sentence.split()) <= MAX_WORDS:
            pieces[-1] += " " + sentence
        else:
            pieces.append(sentence)
    return pieces


def _slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or "section"


def _shown(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()
