from __future__ import annotations

import pytest

from dialogue.domains import DomainError, bundled_domains, check_domain, load_domain
from dialogue.domains.builtin import BUILTIN_INTENTS, BUILTIN_RESPONSES

BASE = """\
version: 1
name: shop
slots:
  size: {type: category, values: {small: [tiny], large: [big, grande]}}
  count: {type: integer, min: 1, max: 9}
intents:
  order: ["I want [2](count) [big](size) ones", "order please"]
tasks:
  order:
    policy: frame
    triggers: [order]
    slots:
      - slot: size
      - slot: count
        validate: value < 5
    on_complete: [respond: done]
responses:
  ask_size: Which size?
  ask_count: How many?
  done: "Done: {{ slots.count }} {{ slots.size }}"
"""


@pytest.fixture
def problems(write_domain):
    def check(text: str, **replace: str) -> list:
        for old, new in replace.items():
            assert old in text
            text = text.replace(old, new)
        return check_domain(write_domain(text))

    return check


def only(found: list) -> object:
    errors = [p for p in found if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in found]
    return errors[0]


def test_a_valid_domain_has_no_problems(problems) -> None:
    assert problems(BASE) == []


def test_built_ins_are_added_and_extended(domain_from) -> None:
    domain = domain_from(BASE.replace('  order: ["I want', '  greet: [ahoy]\n  order: ["I want'))
    assert set(BUILTIN_INTENTS) <= set(domain.intents)
    assert domain.intents["greet"].examples[-1] == "ahoy"
    assert len(domain.intents["greet"].examples) == len(BUILTIN_INTENTS["greet"]) + 1
    assert set(BUILTIN_RESPONSES) <= set(domain.responses)


def test_response_override_replaces_the_default(domain_from) -> None:
    domain = domain_from(BASE + "  greet: Ahoy!\n")
    assert [v.text for v in domain.responses["greet"]] == ["Ahoy!"]


def test_unknown_key_gets_its_position_and_a_suggestion(problems) -> None:
    problem = only(problems(BASE, **{"        validate: value < 5": "        validat: value < 5"}))
    assert (problem.line, problem.column) == (15, 9)
    assert problem.message == "unknown key 'validat'"
    assert "validate" in problem.hint


def test_an_unknown_key_is_hinted_with_the_keys_allowed_at_its_place(problems) -> None:
    problem = only(problems(BASE, **{"{type: integer, min: 1, max: 9}": "{type: integer, lookup: [one]}"}))
    assert problem.message == "unknown key 'lookup'"
    assert problem.hint == "known: default, description, max, min, pii, type"  # an integer slot's keys, no more
    problem = only(problems(BASE + "memory:\n  variables:\n    fav: {type: text, scope: user}\n"))
    assert problem.hint == "known: default, description, lookup, max_length, pii, type, values"  # a text variable's
    problem = only(problems(BASE + "memory:\n  variables:\n    fav: {type: text, lookup: [results.x.y]}\n"))
    assert (problem.line, problem.message) == (23, "a user variable looks nothing up")


def test_missing_required_key(problems) -> None:
    problem = only(problems(BASE, **{"version: 1\n": ""}))
    assert "missing required key 'version'" in problem.message


def test_unknown_slot_type(problems) -> None:
    problem = only(problems(BASE, **{"{type: integer, min: 1, max: 9}": "{type: integr}"}))
    assert problem.line == 5
    assert "integr" in problem.message and "integer" in problem.hint


def test_unknown_action(problems) -> None:
    problem = only(problems(BASE, **{"[respond: done]": "[respnd: done]"}))
    assert problem.message == "unknown action 'respnd'"
    assert "respond" in problem.hint


def test_action_with_two_keys(problems) -> None:
    problem = only(problems(BASE, **{"[respond: done]": "[{respond: done, end: true}]"}))
    assert "exactly one key" in problem.message


def test_bad_name(problems) -> None:
    problem = only(problems(BASE, **{"  count: {type": "  Count: {type"}))
    assert problem.message == "'Count' is not a valid name"


def test_several_problems_at_once(problems) -> None:
    found = problems(BASE, **{"      - slot: size\n": "      - slot: colour\n", "[respond: done]": "[respond: donee]",
                              "value < 5": "value <"})
    messages = " | ".join(p.message for p in found)
    assert "unknown slot 'colour'" in messages
    assert "unknown response 'donee'" in messages
    assert "does not compile" in messages
    assert all(p.line > 1 for p in found)


def test_unknown_names_in_conditions_and_templates(problems) -> None:
    found = problems(BASE, **{"value < 5": "value < slots.cont", "{{ slots.count }}": "{{ slotz.count }}"})
    messages = [p.message for p in found]
    assert "unknown slot 'cont' in condition (slots.cont)" in messages
    assert "unknown name 'slotz' in template" in messages


def test_undeclared_annotation_slot_and_category_values(problems) -> None:
    found = problems(BASE, **{'"order please"': '"[red](colour)", "[huge](size)", "[x](size:medium)"'})
    messages = [p.message for p in found]
    assert "unknown slot 'colour'" in messages
    assert "'huge' is neither a value nor a synonym of category 'size'" in messages
    assert "'medium' is not a value of category 'size'" in messages
    assert {p.line for p in found} == {7}


def test_synonym_annotation_is_accepted(problems) -> None:
    assert problems(BASE, **{'"order please"': '"a [grande](size:large) one", "[GRANDE](size)"'}) == []


def test_unreachable_fsm_state(problems) -> None:
    text = (BASE + "  menu_prompt: Menu\n").replace("tasks:\n", """tasks:
  menu:
    policy: fsm
    initial: start
    states:
      start:
        prompt: menu_prompt
        transitions: [{intent: order, to: middle}]
      middle: {final: true}
      island: {prompt: menu_prompt}
""")
    problem = only(problems(text))
    assert problem.message == "state 'island' cannot be reached from 'start'"


def test_unknown_references_of_every_kind(problems) -> None:
    text = BASE.replace("    on_complete: [respond: done]", """    on_complete:
      - start_task: nope
      - set_variable: {mood: 1}
      - insert: {table: missing, values: {a: 1}}
    triggers: [ordr]""").replace("    triggers: [order]\n", "")
    messages = [p.message for p in problems(text)]
    assert "unknown task 'nope'" in messages
    assert "unknown user variable 'mood'" in messages
    assert "unknown table 'missing'" in messages
    assert "unknown intent 'ordr'" in messages


def test_missing_prompt_response(problems) -> None:
    problem = only(problems(BASE, **{"  ask_count: How many?\n": ""}))
    assert "no response 'ask_count'" in problem.message
    assert problem.line == 14


def test_control_intents_cannot_trigger(problems) -> None:
    problem = only(problems(BASE, **{"triggers: [order]": "triggers: [order, cancel]"}))
    assert "cannot trigger" in problem.message


def test_a_task_is_undone_by_one_known_task(problems) -> None:
    unknown = only(problems(BASE, **{"    triggers: [order]\n": "    triggers: [order]\n    undoes: [ordr]\n"}))
    assert (unknown.message, unknown.line) == ("unknown task 'ordr'", 12)
    twice = only(problems(BASE, **{"tasks:\n": "tasks:\n  refund: {policy: frame, undoes: [order]}\n"
                                               "  void: {policy: frame, undoes: [order]}\n"}))
    assert (twice.message, twice.line) == ("task 'order' is already undone by task 'refund'", 10)
    itself = only(problems(BASE, **{"    triggers: [order]\n": "    triggers: [order]\n    undoes: [order]\n"}))
    assert itself.message == "task 'order' cannot undo itself"


def test_warnings_do_not_stop_loading(write_domain) -> None:
    path = write_domain(BASE.replace('  order: ["I', '  empty: []\n  order: ["I'))
    (warning,) = check_domain(path)
    assert warning.severity == "warning" and "no examples" in warning.message
    assert load_domain(path).name == "shop"


def test_load_raises_with_all_errors(write_domain) -> None:
    path = write_domain(BASE.replace("[respond: done]", "[respond: a, respond_x: b]"))
    with pytest.raises(DomainError) as caught:
        load_domain(path)
    assert str(path) in str(caught.value)


def test_sibling_tests_file_is_loaded_and_checked(write_domain) -> None:
    path = write_domain(BASE)
    write_domain("tests:\n  - name: t\n    steps:\n      - user: /order\n        bot: [ask_sise]\n",
                 name="domain.tests.yaml")
    (problem,) = check_domain(path)
    assert problem.file.endswith("domain.tests.yaml")
    assert (problem.line, problem.message) == (5, "unknown response 'ask_sise'")
    write_domain("tests:\n  - name: t\n    steps:\n      - user: /order\n        bot: [ask_size]\n",
                 name="domain.tests.yaml")
    assert [t.name for t in load_domain(path).tests] == ["t"]


def test_top_level_must_be_a_mapping(write_domain) -> None:
    (problem,) = check_domain(write_domain("- just\n- a list\n"))
    assert "mapping" in problem.message


@pytest.mark.parametrize("path", bundled_domains(), ids=lambda p: p.stem)
def test_bundled_domains_have_no_problems(path) -> None:
    assert [str(p) for p in check_domain(path)] == []


def test_bundled_domain_by_name() -> None:
    assert load_domain("restaurant").name == "restaurant"


@pytest.mark.parametrize(("name", "tables", "message", "line"), [
    ("shop", "orders__items: {columns: {a: text}}", "table name 'orders__items' contains '__'", 4),
    ("shop", "notes: {columns: {xmin: text}}", "column name 'xmin' is reserved by the database", 4),
    ("shop", "notes: {columns: {rowid: integer}}", "column name 'rowid' is reserved by the database", 4),
    ("shop", "notes: {columns: {id: integer}}", "column 'id' is added to every table automatically", 4),
    ("shop", "notes: {columns: {" + "c" * 64 + ": text}}", "longer than 63 characters", 4),
    ("shop_" + "s" * 40, "orders_" + "o" * 20 + ": {columns: {a: text}}", "longer than the 63 characters", 4),
    ("sqlite_shop", "orders: {columns: {a: text}}", "SQLite reserves names starting with sqlite_", 4),
])
def test_table_names_that_are_reserved_or_could_clash_are_errors(write_domain, name: str, tables: str,
                                                                 message: str, line: int) -> None:
    path = write_domain(f"version: 1\nname: {name}\nmemory:\n  tables:\n    {tables}\n")
    problem = only(check_domain(path))
    assert message in problem.message and problem.line >= line and problem.hint


def test_sql_keywords_and_engine_table_names_are_fine_as_domain_table_names(write_domain) -> None:
    path = write_domain("version: 1\nname: shop\nmemory:\n  tables:\n    sessions: {columns: {select: text}}\n"
                        "    events: {columns: {order: integer, date: date, time: time, user: text}}\n")
    assert check_domain(path) == []


def test_seed_values_must_fit_their_columns(write_domain) -> None:
    path = write_domain("version: 1\nname: shop\nmemory:\n  tables:\n    orders:\n"
                        "      columns: {n: integer, day: {type: date, nullable: false}}\n"
                        "      seed:\n        - {n: lots, day: notadate}\n        - {n: 2}\n")
    found = [(p.line, p.column, p.message) for p in check_domain(path)]
    assert found == [
        (8, 15, "seed value for 'n' (integer) is not valid: 'lots' is not a whole number"),
        (8, 26, "seed value for 'day' (date) is not valid: 'notadate' is not a date (YYYY-MM-DD)"),
        (9, 11, "seed row has no value for column 'day', which is not nullable"),
    ]


@pytest.mark.parametrize(("values", "message"), [
    ("{small: [tiny, big], large: [big]}", "'big' is a synonym of both 'small' and 'large'"),
    ("{small: [tiny, Big], large: [BIG]}", "'BIG' is a synonym of both 'small' and 'large'"),
    ("{small: [large], large: [big]}", "value 'large' is the same word as synonym 'large' of 'small'"),
    ("{small: [tiny], large: [Small]}", "synonym 'Small' of 'large' is the same word as value 'small'"),
    ("[small, Smäll]", "value 'Smäll' is the same word as value 'small'"),
])
def test_a_word_stands_for_one_category_value(problems, values: str, message: str) -> None:
    found = only(problems(BASE, **{"{small: [tiny], large: [big, grande]}": values, "[big](size)": "[small](size)"}))
    later = values.rindex(message.split("'")[1])
    assert (found.line, found.column, found.message) == (4, len("  size: {type: category, values: ") + 1 + later,
                                                         message)


@pytest.mark.parametrize(("ambiguous", "message", "column"), [
    ("{Big: [small, large]}", "ambiguous word 'Big' is the same word as synonym 'big' of 'large'", 1),
    ("{any: [small, larg]}", "unknown value 'larg'", 14),
    ("{any: [small, small]}", "ambiguous word 'any' names 1 value(s), not several", 1),
])
def test_an_ambiguous_word_is_no_value_and_names_several(problems, ambiguous: str, message: str, column: int) -> None:
    found = only(problems(BASE, **{"large: [big, grande]}}": f"large: [big, grande]}}, ambiguous: {ambiguous}}}"}))
    start = len("  size: {type: category, values: {small: [tiny], large: [big, grande]}, ambiguous: ") + 1
    assert (found.line, found.column, found.message) == (4, start + column, message)


def test_an_ambiguous_word_may_be_annotated(problems) -> None:
    assert problems(BASE, **{"large: [big, grande]}}": "large: [big, grande]}, ambiguous: {any: [small, large]}}",
                             "[big](size)": "[any](size)"}) == []


def test_unknown_column_names_its_table(problems) -> None:
    text = BASE.replace("[respond: done]", "[insert: {table: orders, values: {statuss: x}}]") + (
        "memory:\n  tables:\n    orders: {columns: {status: text}}\n")
    found = only(problems(text))
    assert (found.message, found.hint) == ("'statuss' is not a column of table 'orders'", "did you mean 'status'?")


def test_tests_need_unique_names_and_an_iso_clock(write_domain) -> None:
    path = write_domain(BASE + "tests:\n  - {name: t, steps: [user: /order]}\n")
    write_domain("tests:\n  - name: u\n    steps: [user: /order]\n  - name: u\n    now: yesterday\n"
                 "    steps: [user: /order]\n  - {name: t, steps: [user: /order]}\n", name="domain.tests.yaml")
    found = [(p.line, p.message) for p in check_domain(path)]
    assert found == [(4, "duplicate test name 'u' (the first is at line 2)"),
                     (5, "now 'yesterday' is not an ISO date-time"),
                     (7, f"duplicate test name 't' (the first is at {path}:22)")]


@pytest.mark.parametrize(("lookup", "message", "hint"), [
    ("[ordres.name]", "unknown table 'ordres'", "did you mean 'orders'?"),
    ("[orders.nmae]", "'nmae' is not a column of table 'orders'", "did you mean 'name'?"),
    ("[orders.count]", "column 'count' of table 'orders' holds integer values", "look up a text column"),
    ("[results.found.name]", "unknown result 'found'", "none are declared"),
])
def test_a_lookup_names_a_text_column_of_a_table(problems, lookup: str, message: str, hint: str) -> None:
    item = f"  item: {{type: text, lookup: {lookup}}}\n  count: {{type: integer"
    tables = "memory:\n  tables:\n    orders: {columns: {name: text, count: integer}}\n"
    text = BASE.replace("  count: {type: integer", item) + tables
    found = only(problems(text))
    assert (found.line, found.message, found.hint) == (5, message, hint)
