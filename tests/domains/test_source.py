from __future__ import annotations

import pytest

from dialogue.domains.errors import DomainError
from dialogue.domains.source import MAX_FILE_BYTES, read_yaml


def problem_of(source) -> object:
    with pytest.raises(DomainError) as caught:
        read_yaml(source, "f.yaml")
    (problem,) = caught.value.problems
    return problem


def test_positions_of_values_and_keys() -> None:
    located = read_yaml("a: 1\nb:\n  c: [x, y]\n  d: {e: 2}\n", "f.yaml")
    assert located.data == {"a": 1, "b": {"c": ["x", "y"], "d": {"e": 2}}}
    assert located.values[("b", "c", 1)] == (3, 10)
    assert located.keys[("b", "d")] == (4, 3)
    assert located.position(("b", "d", "e", "missing")) == (4, 10)


def test_yaml_12_scalars() -> None:
    data = read_yaml("a: yes\nb: no\nc: on\nd: 12:30\ne: 2026-05-03\nf: true\ng: 0x1F\nh: 1.5\ni: ~\n").data
    assert data == {"a": "yes", "b": "no", "c": "on", "d": "12:30", "e": "2026-05-03", "f": True, "g": 31,
                    "h": 1.5, "i": None}


def test_integers_are_yaml_12_decimal_even_with_leading_zeros() -> None:
    data = read_yaml("a: 08\nb: 010\nc: -007\nd: 0o17\ne: 0x1f\nf: +5\n").data
    assert data == {"a": 8, "b": 10, "c": -7, "d": 15, "e": 31, "f": 5}


def test_numeric_keys_become_text_as_written() -> None:
    assert read_yaml("1: a\n2.5: b\n08: c\n1e3: d\n").data == {"1": "a", "2.5": "b", "08": "c", "1e3": "d"}


def test_duplicate_key_is_an_error_with_its_position() -> None:
    problem = problem_of("a: 1\nb: 2\na: 3\n")
    assert (problem.line, problem.column) == (3, 1)
    assert "duplicate key 'a'" in problem.message


def test_merge_keys_and_explicit_override() -> None:
    data = read_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n").data
    assert data["other"] == {"x": 1, "y": 3}


def test_syntax_error_has_location_and_hint() -> None:
    problem = problem_of("a:\n  b: 1\n c: 2\n")
    assert problem.line == 3
    assert problem.message.startswith("YAML syntax")
    assert problem.hint


def test_tabs_get_a_hint() -> None:
    assert "tabs" in problem_of("a:\n\tb: 1\n").hint


def test_invalid_utf8_points_at_the_byte() -> None:
    problem = problem_of(b"a: 1\nb: \xff\n")
    assert (problem.line, problem.column) == (2, 4)


def test_custom_tags_are_refused() -> None:
    assert "constructor" in problem_of("a: !!python/object:os.system x\n").message


def test_deep_nesting_is_refused() -> None:
    problem = problem_of("[" * 5000 + "]" * 5000)
    assert "nesting" in problem.message
    assert "levels" in problem.hint


def test_alias_expansion_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    problem = problem_of("\n".join(lines) + "\n")
    assert "too many values" in problem.message


def test_huge_file_is_refused() -> None:
    assert "too large" in problem_of(b"a: " + b"x" * (MAX_FILE_BYTES + 1)).message


def test_missing_file() -> None:
    from pathlib import Path

    with pytest.raises(DomainError) as caught:
        read_yaml(Path("/nonexistent/domain.yaml"))
    assert "cannot read file" in caught.value.problems[0].message
