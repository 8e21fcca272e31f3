"""No test depends on the day it runs: the date-sensitive tests pass again with the clock a year ahead.

A test that books "2026-12-01" without pinning the turn's `now` passes until that day and fails every run after
it. Run a year ahead, such a test fails at once. The tests are found by what they and the definitions they use hold
(dates, clocks, conversations: tests/dated_tests.py), so a new test is covered without being listed here. Left out:
the fuzzers (random input whose assertions never name a day) and tests marked slow (training, benchmarks, the real
LLM: none asserts a date). The whole suite also passes a year ahead: `DIALOGUE_TEST_CLOCK_AHEAD_DAYS=366 pytest`
(tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import BUNDLED_MODELS_ENV, CLOCK_AHEAD_ENV
from tests.dated_tests import date_sensitive_tests

HERE = Path(__file__).resolve()
TESTS = HERE.parent


def rerun_tests() -> list[str]:
    """The ids of the tests the year-ahead run repeats."""
    return [test for test in date_sensitive_tests(TESTS) if not test.startswith(f"{HERE}::")]


def test_the_selection_holds_the_tests_that_handle_dates() -> None:
    chosen = {test.removeprefix(f"{TESTS}/") for test in rerun_tests()}
    assert {"dialogue/test_engine.py::test_naive_and_aware_clocks",  # a date in the test
            "dialogue/test_bundled_domains.py::test_conversation_tests_pass",  # the domains' conversations
            "nlg/llm/test_cache.py::test_entries_older_than_the_age_limit_are_not_used_and_are_pruned",
            "dm/test_sql_store.py::test_prune_deletes_idle_sessions_with_their_log_but_keeps_user_variables"} <= chosen
    assert not {"dialogue/test_engine.py::test_a_turn_reports_every_step",  # a module with dates, none in this test
                "server/test_rpcs.py::test_parse_is_the_nlu_alone", "dialogue/test_engine_fuzz.py::test_restaurant",
                "test_clock.py::test_the_clock_really_moves_in_a_run"} & chosen


def test_a_date_counts_where_the_test_uses_it(tmp_path: Path) -> None:
    """Through a helper of its module, a fixture of a conftest above it, a case of its parametrize, or an autouse
    fixture; not in a definition it never names."""
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef opening():\n    return '2026-12-01'\n", encoding="utf-8")
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "test_probe.py").write_text(
        "import pytest\n\nLATER = {'day': '2027-01-01'}\n\ndef helper():\n    return LATER\n\n"
        "def unused():\n    return 'today'\n\n"
        "def test_helper():\n    assert helper()\n\ndef test_fixture(opening):\n    assert opening\n\n"
        "@pytest.mark.parametrize('day', ['2026-12-24'])\ndef test_case(day):\n    assert day\n\n"
        "def test_plain():\n    assert True\n\nclass TestGroup:\n    def test_method(self):\n"
        "        assert helper()\n", encoding="utf-8")
    probe = tmp_path / "deep" / "test_probe.py"
    assert date_sensitive_tests(tmp_path) == [f"{probe}::{name}" for name in
                                              ("test_helper", "test_fixture", "test_case", "TestGroup::test_method")]
    (tmp_path / "deep" / "conftest.py").write_text("", encoding="utf-8")
    (tmp_path / "deep" / "test_auto.py").write_text(
        "import datetime\nimport pytest\n\n@pytest.fixture(autouse=True)\ndef frozen():\n"
        "    yield datetime.timedelta(days=1)\n\ndef test_any():\n    assert True\n", encoding="utf-8")
    assert f"{tmp_path / 'deep' / 'test_auto.py'}::test_any" in date_sensitive_tests(tmp_path)


def test_date_sensitive_tests_pass_with_the_clock_a_year_ahead(bundled_models: Path) -> None:
    env = {**os.environ, CLOCK_AHEAD_ENV: "366", BUNDLED_MODELS_ENV: str(bundled_models)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                          *rerun_tests()], cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_the_clock_really_moves_in_a_run(tmp_path: Path) -> None:
    next_year = dt.date.today().year + 1
    probe = tmp_path / "test_probe.py"
    probe.write_text(f"import datetime\n\ndef test_year():\n    assert datetime.date.today().year >= {next_year}\n",
                     encoding="utf-8")
    ahead = float(os.environ.get(CLOCK_AHEAD_ENV) or 0) + 366  # a year after this run's clock, moved or not
    env = {**os.environ, CLOCK_AHEAD_ENV: str(ahead)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
                          str(probe)], cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
