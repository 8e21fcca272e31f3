"""NLU metrics: intent accuracy, slot F1 (seqeval), sentence accuracy, per intent and per slot; the mistakes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

from dialogue.nlu.data import OUTSIDE, TaggedUtterance, runs
from dialogue.nlu.runtime import OnnxJointModel, Prediction


def predict_all(model: OnnxJointModel, utterances: list[TaggedUtterance], batch_size: int = 64,
                progress: Callable[[int], None] | None = None) -> list[Prediction]:
    predictions: list[Prediction] = []
    for begin in range(0, len(utterances), batch_size):
        batch = utterances[begin:begin + batch_size]
        predictions += model.predict([list(u.words) for u in batch], [u.context for u in batch])
        if progress is not None:
            progress(len(batch))
    return predictions


def score(utterances: list[TaggedUtterance], predictions: list[Prediction], intents: tuple[str, ...]) -> dict:
    """All the figures, as plain data (percentages with two decimals)."""
    predicted_intents = [intents[int(p.intent_scores.argmax())] for p in predictions]
    gold_tags = [list(u.tags) for u in utterances]
    predicted_tags = [p.tags for p in predictions]
    intent_right = [u.intent == i for u, i in zip(utterances, predicted_intents)]
    sentence_right = [ok and list(u.tags) == p for ok, u, p in zip(intent_right, utterances, predicted_tags)]
    labels = sorted({u.intent for u in utterances} | set(predicted_intents))
    confusion = Counter(zip((u.intent for u in utterances), predicted_intents))
    tagged = any(tag != OUTSIDE for tags in gold_tags + predicted_tags for tag in tags)
    # seqeval averages over no slots at all with a numpy warning
    slots = classification_report(gold_tags, predicted_tags, output_dict=True, zero_division=0) if tagged else {}
    return {
        "utterances": len(utterances),
        "intent_accuracy": _pct(sum(intent_right) / len(utterances)),
        "slot_precision": _pct(precision_score(gold_tags, predicted_tags, zero_division=0)),
        "slot_recall": _pct(recall_score(gold_tags, predicted_tags, zero_division=0)),
        "slot_f1": _pct(f1_score(gold_tags, predicted_tags, zero_division=0)),
        "sentence_accuracy": _pct(sum(sentence_right) / len(utterances)),
        "per_intent": {label: _intent_scores(label, confusion) for label in labels},
        "per_slot": {slot: {"precision": _pct(v["precision"]), "recall": _pct(v["recall"]),
                            "f1": _pct(v["f1-score"]), "support": int(v["support"])}
                     for slot, v in slots.items() if not slot.endswith(" avg")},
        "confusion": {"labels": labels, "counts": [[confusion[(g, p)] for p in labels] for g in labels]},
    }


def mistakes(utterances: list[TaggedUtterance], predictions: list[Prediction],
             intents: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """What the model got wrong, with the words: `intents`, the utterances whose intent it misread (the most
    confident first); `slots`, those with a slot's value wrong, missed or extra (the most such first), with both
    readings as runs of words (`runs`: slot "" is no value)."""
    misread, slots = [], []
    for utterance, prediction in zip(utterances, predictions):
        guess, text = intents[int(prediction.intent_scores.argmax())], " ".join(utterance.words)
        if guess != utterance.intent:
            misread.append({"text": text, "context": " ".join(utterance.context), "expected": utterance.intent,
                            "predicted": guess, "confidence": round(float(prediction.intent_scores.max()), 3)})
        expected = [{"slot": slot, "text": " ".join(words)} for slot, words in runs(utterance)]
        found = [{"slot": slot, "text": " ".join(words)}
                 for slot, words in runs(replace(utterance, tags=tuple(prediction.tags)))]
        values = _value_mistakes(expected, found)
        if values:
            slots.append({"text": text, "intent": utterance.intent, "expected": expected, "predicted": found,
                          "values": values})
    misread.sort(key=lambda row: -row["confidence"])
    slots.sort(key=lambda row: -len(row["values"]))
    return {"intents": misread, "slots": slots}


def _value_mistakes(expected: list[dict[str, str]], found: list[dict[str, str]]) -> list[dict[str, Any]]:
    def values(spans: list[dict[str, str]]) -> dict[str, list[str]]:
        by_slot: dict[str, list[str]] = {}
        for span in spans:
            if span["slot"]:
                by_slot.setdefault(span["slot"], []).append(span["text"])
        return by_slot

    want, got = values(expected), values(found)
    return [{"slot": slot, "expected": want.get(slot, []), "actual": got.get(slot, []),
             "kind": "missed" if slot not in got else "extra" if slot not in want else "wrong"}
            for slot in sorted(want.keys() | got.keys()) if want.get(slot) != got.get(slot)]


NOVELTY_SHARES = (0.01, 0.02, 0.05, 0.1, 0.2)
"""The `nlu.novelty` settings `out_of_scope_scores` measures."""


def out_of_scope_scores(in_scope: list[TaggedUtterance], in_predictions: list[Prediction],
                        out_predictions: list[Prediction], intents: tuple[str, ...]) -> dict[str, Any]:
    """How well out-of-scope input is told apart: AUROC of the confidence and (with novelty.npz) of the distance
    to the intents as out-of-scope scores; for each `nlu.novelty` share, in-scope accuracy (an utterance turned
    away counts as wrong) and out-of-scope recall; the expected calibration error of the in-scope confidence."""
    from sklearn.metrics import roc_auc_score

    from dialogue.nlu.calibration import expected_calibration_error

    right = np.array([u.intent == intents[int(p.intent_scores.argmax())] for u, p in zip(in_scope, in_predictions)])
    confidence = np.array([p.intent_scores.max() for p in in_predictions + out_predictions])
    is_out = np.array([False] * len(in_predictions) + [True] * len(out_predictions))
    figures: dict[str, Any] = {
        "in_scope": len(in_predictions), "out_of_scope": len(out_predictions),
        "in_scope_accuracy": _pct(right.mean()),
        "ece": round(100 * expected_calibration_error(confidence[~is_out], right), 2),
        "auroc": {"confidence": _pct(roc_auc_score(is_out, -confidence))},
    }
    if in_predictions and in_predictions[0].rarity is not None:
        rarity = np.array([p.rarity for p in in_predictions + out_predictions])
        figures["auroc"]["distance"] = _pct(roc_auc_score(is_out, -rarity))
        figures["novelty"] = [{"share": share,
                               "in_scope_accuracy": _pct((right & (rarity[~is_out] >= share)).mean()),
                               "out_of_scope_recall": _pct((rarity[is_out] < share).mean())}
                              for share in NOVELTY_SHARES]
    return figures


def _intent_scores(label: str, confusion: Counter) -> dict[str, Any]:
    true_positive = confusion[(label, label)]
    support = sum(n for (gold, _), n in confusion.items() if gold == label)
    predicted = sum(n for (_, guess), n in confusion.items() if guess == label)
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": _pct(precision), "recall": _pct(recall), "f1": _pct(f1), "support": support}


def _pct(value: float) -> float:
    return round(100 * value, 2)


def confusion_png(metrics: dict, path: Path, title: str) -> None:
    """Draw the intent confusion matrix (rows: true intent, columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    labels, counts = metrics["confusion"]["labels"], metrics["confusion"]["counts"]
    size = max(4.0, 0.45 * len(labels) + 2)
    figure, axes = pyplot.subplots(figsize=(size, size))
    image = axes.imshow(counts, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("true intent")
    axes.set_title(title, fontsize=9)
    peak = max((max(row) for row in counts), default=0)
    for row, values in enumerate(counts):
        for column, value in enumerate(values):
            if value:
                axes.text(column, row, str(value), ha="center", va="center", fontsize=6,
                          color="white" if value > peak / 2 else "black")
    figure.colorbar(image, ax=axes, fraction=0.046)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)
