"""Commands on the NLU: train, parse, nlu-eval."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from dialogue.cli.common import (
    JsonOption,
    ModelsOption,
    console,
    errors,
    existing_folder,
    fail,
    iso_time,
    load,
    models_root,
    print_json,
    understander,
    usage_error,
    writable,
)
from dialogue.domains.interpretation import Expectation
from dialogue.domains.schema import Domain
from dialogue.nlu.train_config import TrainConfig

TRAINING = TrainConfig()
"""The training's defaults, shown by `dialogue train --help`."""
DatasetOption = typer.Option(None, "--dataset", help="A JointBERT-format dataset folder (train/dev/test with "
                                                     "seq.in, seq.out, label) instead of a domain.")
OutOfScopeOption = typer.Option(None, "--out-of-scope", help="With --dataset: the label of utterances no intent "
                                                             "covers (CLINC150's oos): not trained on; measured as "
                                                             "input the model should not claim.")


def train(domain: str | None = typer.Argument(None, help="A domain file or bundled domain's name."),
          dataset: Path | None = DatasetOption,
          output: Path | None = typer.Option(None, help="Model folder for --dataset."),
          models: Path | None = ModelsOption,
          encoder: str | None = typer.Option(None, help="A local Hugging Face encoder folder "
                                                        "(default: the bundled all-MiniLM-L6-v2)."),
          layers: int | None = typer.Option(None, help="Keep only the encoder's lower N layers (smaller, faster)."),
          epochs: int = typer.Option(TRAINING.epochs, min=1),
          learning_rate: float = typer.Option(TRAINING.learning_rate, min=0),
          copies: int = typer.Option(TRAINING.copies, min=0, help="Augmented variants of each annotated example."),
          teacher: Path | None = typer.Option(None, help="A trained model folder (same labels) to distil from."),
          batch_size: int = typer.Option(TRAINING.batch_size, min=1), seed: int = TRAINING.seed,
          holdout: float = typer.Option(0.2, min=0, max=0.9, help="Share of a domain's examples held out."),
          max_steps: int | None = typer.Option(None, min=1, help="Stop after this many steps (quick checks)."),
          bf16: bool = typer.Option(TRAINING.bf16, "--bf16", help="Compute in bfloat16 where the CPU has "
                                                                  "AVX512-BF16 (faster; the weights stay fp32)."),
          out_of_scope: str | None = OutOfScopeOption,
          per_intent: int | None = typer.Option(None, min=1, help="With --dataset: train on this many utterances "
                                                                  "of each intent only."),
          as_json: bool = JsonOption) -> None:
    """Train the joint intent + slot model and export it to ONNX (fp32 and int8).

    A domain's model goes to a versioned folder keyed by its NLU data; unchanged data is not trained again.
    """
    from dialogue.nlu.artifacts import MANIFEST
    from dialogue.nlu.training import train_dataset, train_domain

    if (domain is None) == (dataset is None):
        usage_error("give a domain, or --dataset with --output")
    if dataset is None and (out_of_scope is not None or per_intent is not None):
        usage_error("--out-of-scope and --per-intent go with --dataset (a domain's examples are all used)")
    writable(output, "--output", folder=True)
    if output is not None and output.is_dir() and any(output.iterdir()) and not (output / MANIFEST).exists():
        usage_error(f"--output: {output} holds files but no model; training would replace them")
    if domain is not None:
        writable(models_root(models), "--models", folder=True)
    config = TrainConfig(encoder=encoder, layers=layers, epochs=epochs, learning_rate=learning_rate,
                         batch_size=batch_size, seed=seed, max_steps=max_steps, copies=copies,
                         teacher=str(teacher) if teacher else None, bf16=bf16)
    with _progress() as progress:
        task = progress.add_task("training", total=None, loss=float("nan"))

        def tick(step: int, total: int, loss: float) -> None:
            progress.update(task, completed=step, total=total, loss=loss)

        try:
            if dataset is not None:
                if output is None:
                    usage_error("--dataset needs --output (the model folder to write)")
                report = train_dataset(dataset, output, config, tick, out_of_scope=out_of_scope,
                                       per_intent=per_intent)
            else:
                report = train_domain(load(domain), models_root(models), config, holdout=holdout, progress=tick)
        except (ValueError, OSError) as err:  # a bad encoder, teacher or dataset folder
            fail(str(err))
    result = {"model": str(report.folder), "reused": report.reused, "counts": report.counts,
              "metrics": report.metrics, "knowledge": str(report.knowledge) if report.knowledge else None}
    if as_json:
        print_json(result)
        return
    what = "already trained on this data" if report.reused else "trained"
    console.print(f"{what}: {report.folder}", highlight=False)
    console.print(" ".join(f"{k}={v}" for k, v in report.counts.items()), style="dim", highlight=False)
    if report.knowledge is not None:
        console.print(f"knowledge index: {report.knowledge}", highlight=False)
    _figures(report.metrics, "held out" if dataset is None else "dev split")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("loss {task.fields[loss]:.3f}"), TimeRemainingColumn(), console=errors,
                    transient=True)


def _figures(metrics: dict[str, Any], what: str) -> None:
    if not metrics:
        console.print("nothing held out to measure", style="dim")
        return
    table = Table(title=f"NLU on the {what} examples (%)")
    for column in ("model", "intent accuracy", "slot F1", "sentence accuracy", "utterances"):
        table.add_column(column, justify="right")
    for variant, m in metrics.items():
        if variant == "calibration":
            continue
        table.add_row(variant, f"{m['intent_accuracy']:.2f}", f"{m['slot_f1']:.2f}", f"{m['sentence_accuracy']:.2f}",
                      str(m["utterances"]))
    console.print(table)
    if "calibration" in metrics:
        c = metrics["calibration"]
        console.print(f"confidence calibrated: temperature {c['temperature']}, expected calibration error "
                      f"{c['ece_raw']}% -> {c['ece']}%", highlight=False)


def parse(domain: str = typer.Argument(..., help="A domain file or bundled domain's name."),
          text: str = typer.Argument(..., help="What the user says."),
          now: str | None = typer.Option(None, help="The turn's time (ISO), for relative dates."),
          after: str | None = typer.Option(None, help="What the assistant asked just before: slot:NAME (a slot's "
                                                      "value), yes_no (a yes/no question) or choice (offered rows)."),
          models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Understand one utterance: intent, confidence, ranking and normalised entities."""
    clock = iso_time(now) if now else None
    loaded = load(domain)
    expecting = _expectation(after, loaded) if after else None
    nlu = understander(loaded, models)
    if nlu is None:
        fail(f"no trained model for domain '{loaded.name}' and its current examples; "
             f"train one with: dialogue train {domain}")
    result = nlu.parse(text, now=clock or dt.datetime.now(ZoneInfo(loaded.settings.timezone)), expecting=expecting)
    if as_json:
        print_json(result.model_dump())
        return
    flag = " (ambiguous)" if result.ambiguous else ""
    console.print(f"intent: [bold]{result.intent}[/] {result.confidence:.3f}{flag}", highlight=False)
    console.print("ranking: " + ", ".join(f"{s.name} {s.confidence:.3f}" for s in result.ranking), highlight=False)
    for span in result.spans:
        note = "" if span.normalised else "  (not a valid value of the slot's type)"
        console.print(f"  {span.slot} = {span.value!r}  from {span.text!r} [{span.source}]{note}", highlight=False,
                      markup=False)
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow", highlight=False, markup=False)


def evaluate(domain: str | None = typer.Argument(None, help="A domain: measure its model on its held-out examples."),
             dataset: Path | None = DatasetOption,
             model: Path | None = typer.Option(None, help="The model folder (default: the domain's newest)."),
             split: str = typer.Option("test", help="Dataset split to measure."),
             fp32: bool = typer.Option(False, "--fp32", help="Measure the fp32 model (default: int8)."),
             confusion: Path | None = typer.Option(None, help="Write the intent confusion matrix as a PNG."),
             report: Path | None = typer.Option(None, "--report", help="Write an HTML page to this folder: the "
                                                                       "confusion matrix, per intent and per slot, "
                                                                       "the worst mistakes with their texts."),
             out_of_scope: str | None = OutOfScopeOption,
             models: Path | None = ModelsOption, as_json: bool = JsonOption) -> None:
    """Intent accuracy, slot F1 (seqeval), sentence accuracy, per intent and per slot; with --out-of-scope, how
    well input no intent covers is told apart."""
    from dialogue.nlu.artifacts import latest_model
    from dialogue.nlu.data import nlu_data_hash
    from dialogue.nlu.evaluate import confusion_png, mistakes, out_of_scope_scores, predict_all, score
    from dialogue.nlu.runtime import OnnxJointModel
    from dialogue.nlu.training import held_out
    from dialogue.nlu_report import write_nlu_report

    if (domain is None) == (dataset is None):
        usage_error("give a domain, or --dataset with --model")
    if out_of_scope is not None and dataset is None:
        usage_error("--out-of-scope goes with --dataset (a domain's held-out examples are all in scope)")
    writable(confusion, "--confusion")
    writable(report, "--report", folder=True)
    if model is not None:
        _model_folder(model, fp32, manifest=dataset is None)
    if dataset is not None:
        if model is None:
            usage_error("--dataset needs --model (a folder written by dialogue train --dataset)")
        utterances, name = _dataset(dataset, split), f"{dataset.name}/{split}"
    else:
        loaded = load(domain)
        model = model or latest_model(models_root(models, must_exist=True), loaded.name, nlu_data_hash(loaded))
        if model is None:
            fail(f"no trained model for domain '{loaded.name}'; train one with: dialogue train {domain}")
        utterances, name = held_out(loaded, model), f"{loaded.name} held-out"
    if not utterances:
        fail(f"nothing to measure: {name} has no utterances")
    runtime = OnnxJointModel(model, quantized=not fp32)
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task(f"parsing {name}", total=len(utterances))
        predictions = predict_all(runtime, utterances, progress=lambda n: progress.advance(task, n))
    if out_of_scope is not None:
        inside = [u.intent != out_of_scope for u in utterances]
        outside = [p for p, kept in zip(predictions, inside) if not kept]
        if not outside or not any(inside):
            fail(f"--out-of-scope: {name} needs utterances labelled '{out_of_scope}' and others; "
                 f"it has {len(outside)} of {len(utterances)}")
        utterances = [u for u, kept in zip(utterances, inside) if kept]
        predictions = [p for p, kept in zip(predictions, inside) if kept]
    metrics = score(utterances, predictions, runtime.labels.intents)
    if out_of_scope is not None:
        metrics["out_of_scope"] = out_of_scope_scores(utterances, predictions, outside, runtime.labels.intents)
    metrics.update(model=str(model), variant="fp32" if fp32 else "int8", evaluated=name)
    if confusion is not None:
        confusion_png(metrics, confusion, f"{name} ({metrics['variant']})")
    if report is not None:
        write_nlu_report(report, metrics, mistakes(utterances, predictions, runtime.labels.intents))
    if as_json:
        print_json(metrics)
        return
    _figures({metrics["variant"]: metrics}, name)
    if out_of_scope is not None:
        _out_of_scope_figures(metrics["out_of_scope"])
    for title, rows in (("per intent", metrics["per_intent"]), ("per slot", metrics["per_slot"])):
        table = Table(title=title)
        for column in ("name", "precision", "recall", "F1", "support"):
            table.add_column(column, justify="right")
        for label, row in sorted(rows.items(), key=lambda item: item[1]["f1"]):
            table.add_row(label, f"{row['precision']:.2f}", f"{row['recall']:.2f}", f"{row['f1']:.2f}",
                          str(row["support"]))
        console.print(table)
    if confusion is not None:
        console.print(f"confusion matrix: {confusion}")
    if report is not None:
        console.print(f"report: {report / 'index.html'}", highlight=False)


def _out_of_scope_figures(figures: dict[str, Any]) -> None:
    auroc = ", ".join(f"{score} {value:.2f}" for score, value in figures["auroc"].items())
    console.print(f"out of scope: {figures['out_of_scope']} utterances; AUROC {auroc}; in-scope expected "
                  f"calibration error {figures['ece']}%", highlight=False)
    if "novelty" not in figures:
        console.print("the model has no novelty.npz (trained before it existed): no nlu.novelty figures",
                      style="yellow")
        return
    table = Table(title="nlu.novelty (input farther than all but this share of held-out examples is turned away)")
    for column in ("nlu.novelty", "in-scope accuracy", "out-of-scope recall"):
        table.add_column(column, justify="right")
    table.add_row("0 (off)", f"{figures['in_scope_accuracy']:.2f}", "0.00")
    for row in figures["novelty"]:
        table.add_row(f"{row['share']}", f"{row['in_scope_accuracy']:.2f}", f"{row['out_of_scope_recall']:.2f}")
    console.print(table)


def _model_folder(model: Path, fp32: bool, manifest: bool) -> None:
    """Refuse a --model that is not a model folder; a folder of model folders gets its newest named."""
    from dialogue.nlu.artifacts import FP32, INT8, LABELS, MANIFEST, TOKENIZER, latest_model

    existing_folder(model, "--model")
    newest = latest_model(model.parent, model.name)
    if newest is not None and not (model / LABELS).exists():
        usage_error(f"--model: {model} is not a model folder but holds model folders; the newest is {newest}")
    needed = [LABELS, TOKENIZER, FP32 if fp32 else INT8, *([MANIFEST] if manifest else [])]
    missing = [name for name in needed if not (model / name).is_file()]
    if missing:
        usage_error(f"--model: {model} is not a model folder: it has no {', '.join(missing)}")


def _dataset(folder: Path, split: str) -> list:
    """The split of a JointBERT-format dataset; a missing file, or a line that does not read, is an error."""
    from dialogue.nlu.data import read_jointbert

    existing_folder(folder, "--dataset")
    missing = [name for name in ("seq.in", "seq.out", "label") if not (folder / split / name).is_file()]
    if missing:
        usage_error(f"--dataset: {folder / split} has no {', '.join(missing)} (JointBERT format)")
    try:
        return read_jointbert(folder, split)
    except ValueError as err:  # misaligned lines, or not UTF-8
        fail(str(err))


def _expectation(after: str, domain: Domain) -> Expectation:
    """`--after` as an Expectation, or a clear error naming what it may be."""
    if after in ("yes_no", "choice"):
        return Expectation(kind=after)
    slot = after.removeprefix("slot:")
    if not after.startswith("slot:") or slot not in domain.slots:
        usage_error(f"--after '{after[:60]}' is none of yes_no, choice or slot:NAME with a slot of the domain "
                    f"({', '.join(sorted(domain.slots))})")
    return Expectation(kind="slot", slot=slot)
