"""`dialogue simulate` refuses bad options before the run starts."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dialogue.cli import app

runner = CliRunner()


def test_simulate_checks_its_options_before_running(tmp_path: Path) -> None:
    """The data folder has no models: a check made once the run starts would say so instead."""
    readme = tmp_path / "README.md"
    readme.write_text("keep")
    cases = {("--now", "yesterday"): "--now: 'yesterday' is not an ISO date-time like 2026-11-25T10:00",
             ("--report", str(readme)): f"--report: {readme} is a file; give a folder",
             ("--report", "/proc/nope"): "--report: cannot write in /proc",
             ("--save-failures", str(tmp_path / "no" / "x.yaml")): f"--save-failures: folder {tmp_path / 'no'} "
                                                                   "does not exist",
             ("--noise-levels", "0,abc"): "--noise-levels: 'abc' is not a rate between 0 and 1"}
    for option, message in cases.items():
        result = runner.invoke(app, ["simulate", "restaurant", "-n", "2", *option],
                               env={"DIALOGUE_HOME": str(tmp_path)})
        assert result.exit_code == 2 and f"error: {message}" in result.output, result.output
    assert readme.read_text() == "keep"
