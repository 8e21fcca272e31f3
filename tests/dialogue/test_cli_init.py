"""`dialogue init`: every starting point validates, trains and passes its own tests at once; errors are one line."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue.cli import app
from dialogue.domains import load_domain
from dialogue.nlu.artifacts import latest_model
from dialogue.nlu.data import nlu_data_hash
from dialogue.nlu.knowledge.index import index_folder, knowledge_hash, knowledge_items

runner = CliRunner()


def init(tmp_path: Path, *args: str):
    return runner.invoke(app, ["init", *args, "--folder", str(tmp_path)])


def passes(path: Path, models: Path) -> None:
    validated = runner.invoke(app, ["validate", str(path)])
    assert validated.exit_code == 0 and "0 error(s), 0 warning(s)" in validated.output, validated.output
    tested = runner.invoke(app, ["test", str(path), "--models", str(models)])
    assert tested.exit_code == 0 and " 0 failed" in tested.output, tested.output


@pytest.mark.parametrize("source", ["restaurant", "banking", "telco_ivr"])
def test_a_copy_of_a_bundled_domain_passes_its_tests(source: str, bundled_models: Path, tmp_path: Path) -> None:
    """The copy is trained by reusing the bundled domain's model, copied under the new name: that is honest because
    its NLU data hash (every example and slot, all that training reads; not the name) is the bundled domain's, so
    `dialogue train` on the copy would train on identical data with identical settings. The same holds for the
    knowledge index, keyed by what a search reads. Its services are the example services the session runs."""
    result = init(tmp_path / "new", f"my_{source}", "--from", source)
    assert result.exit_code == 0, result.output
    path = tmp_path / "new" / f"my_{source}.yaml"
    copy, bundled = load_domain(path), load_domain(source)
    models = tmp_path / "models"
    assert nlu_data_hash(copy) == nlu_data_hash(bundled)
    trained = latest_model(bundled_models, source, nlu_data_hash(bundled))
    shutil.copytree(trained, models / copy.name / trained.name)
    if bundled.knowledge.present:
        digest = knowledge_hash(*knowledge_items(copy))
        assert digest == knowledge_hash(*knowledge_items(bundled))
        shutil.copytree(index_folder(bundled_models, source, digest), index_folder(models, copy.name, digest))
    passes(path, models)


def test_the_blank_starter_trains_and_passes_its_tests(bundled_models: Path, tmp_path: Path) -> None:
    """Trained for real with `dialogue train`'s defaults into the session's models folder (which
    DIALOGUE_TEST_MODELS keeps between runs): by the session's training (tests/bundled_training.py runs these two
    commands), so that this `dialogue train`, on the same data with the same settings, finds it trained, as the
    tutorial's test (tests/test_tutorial.py) does."""
    assert init(tmp_path, "coffee").exit_code == 0
    path = tmp_path / "coffee.yaml"
    models = bundled_models
    start = time.monotonic()
    trained = runner.invoke(app, ["train", str(path), "--models", str(models)])
    assert trained.exit_code == 0, trained.output
    print(f"dialogue train of the blank starter: {time.monotonic() - start:.0f} s")
    passes(path, models)


def test_it_never_writes_over_a_file(tmp_path: Path) -> None:
    first = init(tmp_path, "shop", "--from", "restaurant")
    assert first.exit_code == 0 and f"wrote {tmp_path / 'shop.yaml'}" in first.output
    assert "dialogue validate" in first.output
    before = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*")}
    again = init(tmp_path, "shop")
    assert again.exit_code == 1
    assert again.output.strip() == f"error: {tmp_path / 'shop.yaml'} exists; nothing was written (move it away, " \
                                   "or choose another name or --folder)"
    assert {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*")} == before


def test_a_readme_already_there_is_kept_and_the_note_printed(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine\n")
    result = init(tmp_path, "shop")
    assert result.exit_code == 0
    assert "README.md was there already" in result.output and "dialogue graph shop.yaml -o shop.svg" in result.output
    assert (tmp_path / "README.md").read_text() == "mine\n"


@pytest.mark.parametrize(("args", "message"), [
    (["Shop"], "error: 'Shop' is not a valid domain name: use up to 64 lower-case letters"),
    (["shop", "--from", "pizza"], "error: --from: no starter or bundled domain named 'pizza'; choose from blank, "),
])
def test_a_bad_name_or_source_is_a_one_line_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = init(tmp_path / "new", *args)
    assert result.exit_code == 2 and result.output.startswith(message) and result.output.count("\n") == 1
    assert not (tmp_path / "new").exists()
