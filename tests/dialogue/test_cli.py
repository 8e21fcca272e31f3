"""The `dialogue` command line, run in process."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.domains.jsonschema import domain_schema

runner = CliRunner()


def test_validate_ok_and_errors(write_domain) -> None:
    ok = runner.invoke(app, ["validate", "domains/restaurant.yaml"])
    assert ok.exit_code == 0 and "0 error(s)" in ok.output
    every = runner.invoke(app, ["validate", *map(str, sorted(Path("domains").glob("*.yaml")))])
    assert every.exit_code == 0 and "3 domain(s) checked: 0 error(s)" in every.output
    bad = write_domain("version: 1\nname: x\ntasks:\n  t: {policy: frame, triggers: [nope]}\n")
    result = runner.invoke(app, ["validate", str(bad), "domains/restaurant.yaml"])
    assert result.exit_code == 1
    assert f"{bad}:4:" in result.output and "unknown intent 'nope'" in result.output


def test_validate_json(write_domain) -> None:
    bad = write_domain("version: 1\nname: x\nslots: {a: {type: nope}}\n")
    result = runner.invoke(app, ["validate", "--json", str(bad)])
    payload = json.loads(result.output)
    assert result.exit_code == 1 and payload["valid"] is False
    assert payload["problems"][0]["line"] == 3


def test_schema(tmp_path) -> None:
    assert json.loads(runner.invoke(app, ["schema"]).output) == domain_schema()
    target = tmp_path / "s.json"
    assert runner.invoke(app, ["schema", "-o", str(target)]).exit_code == 0
    assert json.loads(target.read_text()) == domain_schema()


def test_test_command(write_domain) -> None:
    ok = runner.invoke(app, ["test", "restaurant", "--name", "volunteer"])
    assert ok.exit_code == 0 and "1 passed, 0 failed" in ok.output
    path = write_domain("version: 1\nname: x\nresponses: {}\ntests:\n  - name: t\n    steps:\n"
                        "      - user: /greet\n        bot: goodbye\n")
    failed = runner.invoke(app, ["test", str(path)])
    assert failed.exit_code == 1
    assert "FAIL" in failed.output and "goodbye" in failed.output and "greet" in failed.output
    as_json = json.loads(runner.invoke(app, ["test", str(path), "--json"]).output)
    assert as_json["failed"] == 1


def test_test_command_on_a_broken_domain_prints_problems(write_domain) -> None:
    path = write_domain("version: 2\nname: x\n")
    result = runner.invoke(app, ["test", str(path)])
    assert result.exit_code == 1 and ":1:" in result.output


def test_chat_reads_a_script(tmp_path) -> None:
    script = '/book_table\n/inform{"cuisine": "sushi"}\nhello\n:dtmf 12x\n:bogus\n\n:quit\n'
    # An empty data folder: free text then has no model, whatever was trained on this machine.
    result = runner.invoke(app, ["chat", "restaurant"], input=script, env={"DIALOGUE_HOME": str(tmp_path)})
    assert result.exit_code == 0
    out = result.output
    assert "Which of our restaurants" in out
    assert "cuisine='japanese'" in out and "asking party_size" in out
    assert "dialogue train restaurant" in out
    assert "digits:" in out and "unknown command ':bogus'" in out
    assert "didn't catch anything" in out


def test_bench_policy_json() -> None:
    result = runner.invoke(app, ["bench", "policy", "restaurant", "--rounds", "2", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    (report,) = payload["domains"]
    assert report["domain"] == "restaurant" and report["turns"] > 50
    assert 0 < report["p50_ms"] <= report["p99_ms"]
    assert payload["all"]["turns"] == report["turns"]
    assert payload["baseline"]["turns"] == 40 and report["ratio_to_baseline"] > 0


def test_errors_escaping_a_command_are_a_message_not_a_traceback(monkeypatch, capsys) -> None:
    import pytest

    from dialogue import cli

    def explode(**_options: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "app", explode)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err


def test_schema_refuses_an_output_it_cannot_write(tmp_path) -> None:
    missing = runner.invoke(app, ["schema", "-o", str(tmp_path / "no" / "s.json")])
    assert missing.exit_code == 2 and f"error: --output: folder {tmp_path / 'no'} does not exist" in missing.output
    folder = runner.invoke(app, ["schema", "-o", str(tmp_path)])
    assert folder.exit_code == 2 and "is a folder; give a file" in folder.output


def test_an_unknown_domain_lists_the_bundled_ones() -> None:
    for args in (["chat", "nosuchdomain"], ["parse", "nosuch", "hi"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "no bundled domain or file named 'nosuch" in result.output
        assert "bundled: banking, restaurant, telco_ivr" in result.output


def test_chat_refuses_an_empty_user_id_at_start() -> None:
    result = runner.invoke(app, ["chat", "restaurant", "--user", ""], input="/greet\n:quit\n")
    assert result.exit_code == 2 and "--user: give a user id" in result.output and "Chatting" not in result.output


def test_a_time_that_is_not_iso_names_the_option_and_the_format() -> None:
    result = runner.invoke(app, ["parse", "restaurant", "hi", "--now", "yesterday"])
    assert result.exit_code == 2
    assert "error: --now: 'yesterday' is not an ISO date-time like 2026-11-25T10:00" in result.output


def test_help_reflows_docstrings_and_keeps_their_words() -> None:
    """A docstring's line breaks are not the help's: a wide terminal shows a sentence on one line, with the
    `<placeholders>` and `[brackets]` written in it."""
    wide = {"COLUMNS": "240"}
    listing = runner.invoke(app, ["--help"], env=wide).output
    assert "with their scores, and the answer the assistant gives" in listing
    assert "<split>.json" in runner.invoke(app, ["eval-conversations", "--help"], env=wide).output
    assert "[default: the server's]" in runner.invoke(app, ["bench", "grpc", "--help"], env=wide).output
