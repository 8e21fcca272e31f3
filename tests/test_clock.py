"""No test depends on the day it runs: the date-sensitive test modules pass again with the clock a year ahead.

A test that books "2026-12-01" without pinning the turn's `now` passes until that day and fails every run after
it. Run a year ahead, such a test fails at once. The modules are found by what they hold (dates, clocks,
conversations), so a new module is covered without being listed here. Left out: the fuzzers (random input whose
assertions never name a day) and tests marked slow (training, benchmarks, the real LLM: none asserts a date).
The whole suite also passes a year ahead: `DIALOGUE_TEST_CLOCK_AHEAD_DAYS=366 pytest` (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import BUNDLED_MODELS_ENV, CLOCK_AHEAD_ENV

TESTS = Path(__file__).resolve().parent
DATED = re.compile(r"\d{4}-\d{2}-\d{2}|\btoday\b|\btimedelta\b|\.tests\.yaml|\brun_tests\b")
"""What makes a module date-sensitive: a date written in it, "today", a time reckoned from the clock, or the
conversations of the domains' tests."""


def date_sensitive_modules() -> list[Path]:
    here = Path(__file__).resolve()
    return [path for path in sorted(TESTS.rglob("test_*.py"))
            if path != here and "fuzz" not in path.stem and DATED.search(path.read_text(encoding="utf-8"))]


def test_the_selection_holds_the_modules_that_handle_dates() -> None:
    chosen = {path.relative_to(TESTS).as_posix() for path in date_sensitive_modules()}
    assert {"dm/test_sql_store.py", "dialogue/test_bundled_domains.py", "dialogue/test_engine.py",
            "nlu/test_entities.py", "nlg/llm/test_cache.py", "dialogue/test_cli_sessions.py",
            "server/test_stubs.py"} <= chosen
    assert not {"server/test_rpcs.py", "dialogue/test_engine_fuzz.py", "test_layering.py"} & chosen


def test_date_sensitive_modules_pass_with_the_clock_a_year_ahead(bundled_models: Path) -> None:
    env = {**os.environ, CLOCK_AHEAD_ENV: "366", BUNDLED_MODELS_ENV: str(bundled_models)}
    modules = [str(path) for path in date_sensitive_modules()]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                          *modules], cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=1200)
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
