"""`dialogue train`, `parse` and `nlu-eval` on the tiny encoder (quick, real files end to end)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue.cli import app

runner = CliRunner()
LINES = [("play some jazz music", "O O B-genre O", "PlayMusic"),
         ("what is the weather in paris", "O O O O O B-city", "GetWeather"),
         ("play the beatles", "O B-artist I-artist", "PlayMusic"),
         ("will it rain tomorrow in rome", "O O O B-timeRange O B-city", "GetWeather")]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dataset")
    for split in ("train", "dev", "test"):
        (folder / split).mkdir()
        rows = LINES * (5 if split == "train" else 1)
        for name, column in (("seq.in", 0), ("seq.out", 1), ("label", 2)):
            (folder / split / name).write_text("".join(row[column] + "\n" for row in rows))
    return folder


@pytest.fixture(scope="module")
def model(tiny_encoder, dataset, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models") / "model"
    invoke("train", "--dataset", str(dataset), "--output", str(folder), "--encoder", str(tiny_encoder),
           "--max-steps", "1")
    return folder


def invoke(*args: str) -> object:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.slow
def test_train_parse_and_evaluate_a_domain(tiny_encoder, tmp_path) -> None:
    models = str(tmp_path / "models")
    common = ["--models", models]
    trained = json.loads(invoke("train", "restaurant", "--encoder", str(tiny_encoder), "--max-steps", "3",
                                "--json", *common).output)
    assert not trained["reused"] and set(trained["metrics"]) == {"calibration", "fp32", "int8"}
    again = json.loads(invoke("train", "restaurant", "--encoder", str(tiny_encoder), "--max-steps", "3",
                              "--json", *common).output)
    assert again["reused"] and again["model"] == trained["model"]
    half = json.loads(invoke("train", "restaurant", "--encoder", str(tiny_encoder), "--max-steps", "3", "--bf16",
                             "--json", *common).output)
    assert not half["reused"] and json.loads((Path(half["model"]) / "manifest.json").read_text())["settings"]["bf16"]
    parsed = json.loads(invoke("parse", "restaurant", "a table for four tomorrow at 7pm, sushi", "--now",
                               "2026-11-25T10:00", "--json", *common).output)
    assert parsed["source"] == "nlu" and len(parsed["ranking"]) == 5
    assert parsed["entities"] == {span["slot"]: span["value"] for span in parsed["spans"]}
    text = invoke("parse", "restaurant", "hello", *common).output
    assert "intent:" in text and "ranking:" in text
    for after in ("slot:party_size", "yes_no", "choice"):
        assert json.loads(invoke("parse", "restaurant", "8", "--after", after, "--json", *common).output)["text"] == "8"
    png = tmp_path / "confusion.png"
    evaluated = json.loads(invoke("nlu-eval", "restaurant", "--json", "--confusion", str(png), *common).output)
    assert evaluated["utterances"] == trained["counts"]["held_out"]
    assert png.stat().st_size > 1000
    assert "per intent" in invoke("nlu-eval", "restaurant", "--fp32", *common).output


@pytest.mark.parametrize("after", ["slot:seats", "party_size", "maybe"])
def test_parse_after_something_the_domain_cannot_ask_says_what_it_may_be(after: str) -> None:
    result = runner.invoke(app, ["parse", "restaurant", "8", "--after", after])
    assert result.exit_code == 2
    assert "none of yes_no, choice or slot:NAME" in result.output and "party_size" in result.output


def test_train_and_evaluate_a_dataset(tiny_encoder, dataset, tmp_path) -> None:
    model = tmp_path / "model"
    invoke("train", "--dataset", str(dataset), "--output", str(model), "--encoder", str(tiny_encoder),
           "--max-steps", "2")
    assert (model / "model.pt").exists() and (model / "model.int8.onnx").exists()
    metrics = json.loads(invoke("nlu-eval", "--dataset", str(dataset), "--model", str(model), "--json").output)
    assert metrics["utterances"] == 4
    assert set(metrics["per_intent"]) <= {"PlayMusic", "GetWeather"}
    assert {"genre", "city", "artist", "timeRange"} >= set(metrics["per_slot"])


def test_out_of_scope_utterances_are_measured_apart(tiny_encoder, dataset, tmp_path) -> None:
    with_oos = tmp_path / "with-oos"
    shutil.copytree(dataset, with_oos)
    for split in ("train", "test"):
        for name, line in (("seq.in", "how tall is mount everest"), ("seq.out", "O O O O O"), ("label", "oos")):
            with (with_oos / split / name).open("a") as file:
                file.write(line + "\n")
    model = tmp_path / "model"
    trained = json.loads(invoke("train", "--dataset", str(with_oos), "--output", str(model), "--encoder",
                                str(tiny_encoder), "--max-steps", "2", "--out-of-scope", "oos", "--json").output)
    assert trained["counts"]["train_split"] == 20, "the oos utterance is not trained on"
    assert "oos" not in json.loads((model / "labels.json").read_text())["intents"]
    metrics = json.loads(invoke("nlu-eval", "--dataset", str(with_oos), "--model", str(model), "--out-of-scope",
                                "oos", "--json").output)
    assert metrics["utterances"] == 4, "in scope only"
    figures = metrics["out_of_scope"]
    assert (figures["in_scope"], figures["out_of_scope"]) == (4, 1)
    assert set(figures["auroc"]) == {"confidence", "distance"}
    assert [row["share"] for row in figures["novelty"]] == [0.01, 0.02, 0.05, 0.1, 0.2]
    assert all(0 <= row["out_of_scope_recall"] <= 100 for row in figures["novelty"])
    accuracies = [figures["in_scope_accuracy"]] + [row["in_scope_accuracy"] for row in figures["novelty"]]
    assert accuracies == sorted(accuracies, reverse=True), "turning more away never makes more in-scope right"
    table = invoke("nlu-eval", "--dataset", str(with_oos), "--model", str(model), "--out-of-scope", "oos").output
    assert "out-of-scope recall" in table and "AUROC confidence" in table
    none = runner.invoke(app, ["nlu-eval", "--dataset", str(dataset), "--model", str(model), "--out-of-scope", "oos"])
    assert none.exit_code == 1 and "needs utterances labelled 'oos'" in none.output
    domain = runner.invoke(app, ["nlu-eval", "restaurant", "--out-of-scope", "oos"])
    assert domain.exit_code == 2 and "--out-of-scope goes with --dataset" in domain.output


def test_helpful_errors(tmp_path) -> None:
    missing = runner.invoke(app, ["parse", "restaurant", "hi", "--models", str(tmp_path)])
    assert missing.exit_code == 1 and "dialogue train restaurant" in missing.output
    both = runner.invoke(app, ["train"])
    assert both.exit_code == 2 and "give a domain" in both.output
    no_output = runner.invoke(app, ["train", "--dataset", str(tmp_path)])
    assert no_output.exit_code == 2 and "--output" in no_output.output
    for option in ("--out-of-scope", "--per-intent"):
        with_domain = runner.invoke(app, ["train", "restaurant", option, "5"])
        assert with_domain.exit_code == 2 and "go with --dataset" in with_domain.output


@pytest.mark.slow
def test_bench_nlu_runs_every_variant(tiny_encoder, dataset, tmp_path) -> None:
    six, three = tmp_path / "six", tmp_path / "three"
    invoke("train", "--dataset", str(dataset), "--output", str(six), "--encoder", str(tiny_encoder), "--max-steps", "1")
    invoke("train", "--dataset", str(dataset), "--output", str(three), "--encoder", str(tiny_encoder),
           "--max-steps", "1", "--layers", "1")
    report = json.loads(invoke("bench", "nlu", "--model6", str(six), "--model3", str(three), "--dataset",
                               str(dataset), "--models", str(tmp_path / "none"), "--json").output)
    assert [v["model"] for v in report["variants"]] == [
        "pytorch eager, 6 layers", "onnx fp32, 6 layers", "onnx int8, 6 layers", "onnx fp32, 3 layers",
        "onnx int8, 3 layers"]
    assert all(v["p50_ms"] > 0 and v["per_second_batch_32"] > 0 for v in report["variants"])
    assert report["variants"][0]["speedup_p50_vs_eager"] == 1.0
    assert report["load_to_first_parse_s"] > 0 and report["cli_cold_start_s"] is None
    assert report["in_context"] is None, "no trained domain model in --models"


@pytest.mark.slow
def test_distillation_from_a_teacher(tiny_encoder, dataset, tmp_path) -> None:
    teacher, student = tmp_path / "teacher", tmp_path / "student"
    invoke("train", "--dataset", str(dataset), "--output", str(teacher), "--encoder", str(tiny_encoder),
           "--max-steps", "2")
    invoke("train", "--dataset", str(dataset), "--output", str(student), "--encoder", str(tiny_encoder),
           "--max-steps", "2", "--layers", "1", "--teacher", str(teacher))
    manifest = json.loads((student / "manifest.json").read_text())
    assert manifest["settings"]["teacher"] == str(teacher) and manifest["settings"]["layers"] == 1
    wrong = runner.invoke(app, ["train", "restaurant", "--encoder", str(tiny_encoder), "--max-steps", "1",
                                "--models", str(tmp_path / "m"), "--teacher", str(teacher)])
    assert wrong.exit_code != 0 and "trained on other intents or slots" in wrong.output


def test_nlu_eval_names_a_dataset_or_model_folder_it_cannot_use(model, dataset, tmp_path) -> None:
    missing = runner.invoke(app, ["nlu-eval", "--dataset", str(tmp_path / "none"), "--model", str(model)])
    assert missing.exit_code == 2 and f"--dataset: folder {tmp_path / 'none'} does not exist" in missing.output
    parent = runner.invoke(app, ["nlu-eval", "--dataset", str(dataset), "--model", str(model.parent)])
    assert parent.exit_code == 2 and f"holds model folders; the newest is {model}" in parent.output
    (tmp_path / "test").mkdir()
    for name, line in (("seq.in", "hello there"), ("seq.out", "O"), ("label", "greet")):
        (tmp_path / "test" / name).write_text(line + "\n")
    misaligned = runner.invoke(app, ["nlu-eval", "--dataset", str(tmp_path), "--model", str(model)])
    assert misaligned.exit_code == 1
    assert misaligned.output == f"error: {tmp_path / 'test'}: line 1 has 2 words but 1 tags\n"


def test_nlu_eval_checks_its_paths_before_measuring(tmp_path) -> None:
    confusion = runner.invoke(app, ["nlu-eval", "restaurant", "--confusion", str(tmp_path / "no" / "c.png"),
                                    "--models", str(tmp_path)])
    assert confusion.exit_code == 2 and f"--confusion: folder {tmp_path / 'no'} does not exist" in confusion.output
    for command in (["nlu-eval", "restaurant"], ["parse", "restaurant", "hi"]):
        models = runner.invoke(app, [*command, "--models", str(tmp_path / "none")])
        assert models.exit_code == 2 and f"--models: folder {tmp_path / 'none'} does not exist" in models.output


def test_train_refuses_to_replace_a_folder_that_is_not_a_model(tiny_encoder, dataset, tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("keep")
    result = runner.invoke(app, ["train", "--dataset", str(dataset), "--output", str(tmp_path), "--encoder",
                                 str(tiny_encoder), "--max-steps", "1"])
    assert result.exit_code == 2 and "holds files but no model" in result.output
    assert (tmp_path / "notes.txt").read_text() == "keep"
