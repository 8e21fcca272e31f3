"""Documents split into passages: by heading and paragraph, with stable ids and their place in the file."""

from __future__ import annotations

import pytest

from dialogue.domains.documents import DocumentError
from dialogue.nlu.knowledge.passages import MAX_WORDS, domain_passages, split

GUIDE = """\
Welcome to the guide.

# Router

## Resetting it

Hold the reset button for ten seconds.
The lights then blink twice.

Wait two minutes before you use it again.

## Lights ##

A red light means no signal.
"""


def test_paragraphs_become_passages_under_their_headings() -> None:
    passages = split(GUIDE, "guide.md")
    assert [(p.id, p.title, p.source) for p in passages] == [
        ("guide.md#top-1", "", "guide.md:1"),
        ("guide.md#resetting-it-1", "Router > Resetting it", "guide.md:7"),
        ("guide.md#resetting-it-2", "Router > Resetting it", "guide.md:10"),
        ("guide.md#lights-1", "Router > Lights", "guide.md:14"),
    ]
    assert passages[1].text == "Hold the reset button for ten seconds. The lights then blink twice."
    assert passages[1].searched == "Router > Resetting it: " + passages[1].text
    assert passages[0].searched == "Welcome to the guide."


def test_editing_one_section_keeps_the_ids_of_the_others() -> None:
    edited = GUIDE.replace("Hold the reset button", "First unplug it.\n\nHold the reset button")
    before = {p.id: p.text for p in split(GUIDE, "guide.md")}
    after = {p.id: p.text for p in split(edited, "guide.md")}
    assert after["guide.md#lights-1"] == before["guide.md#lights-1"]
    assert after["guide.md#top-1"] == before["guide.md#top-1"]
    assert after["guide.md#resetting-it-1"] == "First unplug it."


def test_a_long_paragraph_is_cut_between_sentences() -> None:
    sentence = "This sentence has exactly eight words in it."
    passages = split(" ".join([sentence] * 40), "long.txt")
    assert len(passages) == 3
    assert all(len(p.text.split()) <= MAX_WORDS for p in passages)
    assert all(p.text.endswith("in it.") for p in passages)
    assert [p.id for p in passages] == ["long.txt#top-1", "long.txt#top-2", "long.txt#top-3"]


def test_a_document_of_blank_lines_has_no_passages() -> None:
    assert split("\n\n  \n# Only a heading\n", "empty.md") == []


def test_a_domain_reads_its_documents_in_order_with_globs(write_domain, tmp_path) -> None:
    from dialogue.domains import load_domain

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("Bees.\n", encoding="utf-8")
    (tmp_path / "docs" / "a.txt").write_text("Ants.\n", encoding="utf-8")
    (tmp_path / "intro.md").write_text("Hello.\n", encoding="utf-8")
    domain = load_domain(write_domain(
        "version: 1\nname: d\nknowledge:\n  documents: [intro.md, 'docs/*', docs/b.md]\n"))
    assert [(p.id, p.text) for p in domain_passages(domain)] == [
        ("intro.md#top-1", "Hello."), ("docs/a.txt#top-1", "Ants."), ("docs/b.md#top-1", "Bees.")]


def test_a_document_that_cannot_be_read_says_which(write_domain, tmp_path) -> None:
    from dialogue.domains import load_domain

    (tmp_path / "bad.md").write_bytes(b"\xff\xfe not utf-8")
    domain = load_domain(write_domain("version: 1\nname: d\nknowledge:\n  documents: [bad.md]\n"))
    with pytest.raises(DocumentError, match=r"'bad\.md' cannot be read"):
        domain_passages(domain)
