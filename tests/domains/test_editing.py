"""Examples written into domain files: comments, quoting and layout kept, the domain the same but for them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dialogue.domains import bundled_domains, load_domain
from dialogue.domains.editing import add_examples
from dialogue.domains.errors import DomainError

SMALL = """\
version: 1
name: shop  # a comment on the name
intents:
  # where orders are
  track_order:
    - where is my order
    - "has [order 12](order_id) shipped"   # quoted, with a comment
  refund:
    examples: [I want my money back]
slots:
  order_id: {type: text}
responses:
  hello: Hi!
"""


def test_examples_join_their_intents_and_the_rest_of_the_file_is_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(SMALL, encoding="utf-8")
    written = add_examples(path, {"track_order": ["where's [order 7](order_id)", "where is my order"],
                                  "refund": ["money back please"], "affirm": ["sounds right"]})
    assert written == 3  # the repeated example is left out
    text = path.read_text(encoding="utf-8")
    for line in SMALL.splitlines():
        assert line in text or line.endswith("[I want my money back]")
    assert "    examples: [I want my money back, money back please]\n" in text  # a flow list stays one
    domain = load_domain(path)
    assert domain.intents["track_order"].examples[-1] == "where's [order 7](order_id)"
    assert domain.intents["refund"].examples == ["I want my money back", "money back please"]
    assert "sounds right" in domain.intents["affirm"].examples


@pytest.mark.parametrize("source", bundled_domains(), ids=lambda path: path.stem)
def test_a_bundled_domain_written_back_keeps_its_comments_and_meaning(source: Path, tmp_path: Path) -> None:
    shutil.copytree(source.parent, tmp_path / "domains")  # with its tests and the OpenAPI documents it names
    path = tmp_path / "domains" / source.name
    add_examples(path, {"greet": ["good day to you"]})
    before, after = source.read_text(encoding="utf-8"), path.read_text(encoding="utf-8")
    comments = [line.strip() for line in before.splitlines() if line.strip().startswith("#")]
    assert comments and all(comment in after for comment in comments)
    expected = load_domain(source).model_dump()
    expected["intents"]["greet"]["examples"].append("good day to you")
    assert load_domain(path).model_dump() == expected


def test_a_file_that_is_not_yaml_is_an_error_that_says_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("intents: [unclosed\n", encoding="utf-8")
    with pytest.raises(DomainError, match="cannot read the file"):
        add_examples(path, {"greet": ["hello"]})
    assert path.read_text(encoding="utf-8") == "intents: [unclosed\n"
