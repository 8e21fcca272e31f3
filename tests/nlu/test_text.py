from __future__ import annotations

from dialogue.nlu.text import clean, split_words


def test_clean_folds_and_removes_controls() -> None:
    assert clean("ｂｏｏｋ\u202e a\x00 table\t\n please\u200b") == "book a table please"
    assert clean("") == ""


def test_split_words_keeps_offsets() -> None:
    text = "I'd like 4, at Café 7pm!"
    words = split_words(text)
    assert [w.text for w in words] == ["I", "'", "d", "like", "4", ",", "at", "Café", "7pm", "!"]
    assert all(text[w.start:w.end] == w.text for w in words)


def test_cjk_characters_stand_alone() -> None:
    words = split_words("我想吃四川菜 ok")
    assert [w.text for w in words] == ["我", "想", "吃", "四", "川", "菜", "ok"]
    assert [(w.start, w.end) for w in words][-1] == (7, 9)
