"""Training a domain on the tiny encoder: the model folder, its manifest, and no retraining of unchanged data."""

from __future__ import annotations

import json

from dialogue.nlu.artifacts import latest_model, read_manifest
from dialogue.nlu.data import nlu_data_hash
from dialogue.nlu.training import held_out, train_domain


def test_model_folder_holds_everything(tiny_model, restaurant) -> None:
    _, report = tiny_model
    assert not report.reused
    names = {p.name for p in report.folder.iterdir()}
    assert {"model.onnx", "model.int8.onnx", "tokenizer.json", "labels.json", "manifest.json",
            "calibration.json", "novelty.npz"} <= names
    manifest = read_manifest(report.folder)
    assert manifest["data_hash"] == nlu_data_hash(restaurant)
    assert manifest["settings"]["holdout"] == 0.2
    assert set(manifest["metrics"]) == {"calibration", "fp32", "int8"}
    assert 0 <= manifest["metrics"]["int8"]["intent_accuracy"] <= 100
    assert manifest["counts"]["held_out"] == len(held_out(restaurant, report.folder))
    assert (report.folder / "model.int8.onnx").stat().st_size < (report.folder / "model.onnx").stat().st_size
    labels = json.loads((report.folder / "labels.json").read_text())
    assert set(labels["intents"]) == set(restaurant.intents)


def test_unchanged_data_is_not_trained_again(tiny_model, restaurant, tiny_config) -> None:
    root, report = tiny_model
    again = train_domain(restaurant, root, tiny_config)
    assert again.reused and again.folder == report.folder and again.metrics == report.metrics
    assert latest_model(root, "restaurant", nlu_data_hash(restaurant)) == report.folder


def test_changed_data_gets_a_new_folder(tiny_model, restaurant, tiny_config) -> None:
    root, report = tiny_model
    changed = restaurant.model_copy(deep=True)
    changed.intents["book_table"].examples.append("get me a table somewhere nice")
    trained = train_domain(changed, root, tiny_config.__class__(**{**tiny_config.as_dict(), "max_steps": 2}))
    assert not trained.reused and trained.folder != report.folder
    assert latest_model(root, "restaurant", nlu_data_hash(changed)) == trained.folder
    assert latest_model(root, "restaurant", nlu_data_hash(restaurant)) == report.folder


def test_a_small_domain_trains_for_at_least_the_minimum_steps(restaurant, tiny_config) -> None:
    from dataclasses import replace

    from dialogue.nlu.data import Labels, domain_examples, tag_example
    from dialogue.nlu.train import fit

    utterances = [tag_example(intent, example) for intent, example in domain_examples(restaurant)[:40]]
    steps: list[int] = []
    config = replace(tiny_config, max_steps=None, epochs=1, batch_size=32, min_steps=6)
    fit(utterances, Labels.for_domain(restaurant), config, lambda step, total, loss: steps.append(total))
    assert len(steps) == 6 and set(steps) == {6}, "2 batches an epoch, raised to the 6-step minimum"


def test_bf16_computes_in_bfloat16_where_the_cpu_does_and_keeps_the_weights_fp32(restaurant, tiny_config,
                                                                                 monkeypatch) -> None:
    from dataclasses import replace

    import torch

    from dialogue.nlu.data import Labels, domain_examples, tag_example
    from dialogue.nlu.train import fit

    utterances = [tag_example(intent, example) for intent, example in domain_examples(restaurant)[:40]]
    labels, config = Labels.for_domain(restaurant), replace(tiny_config, max_steps=3)
    computed: list[torch.dtype] = []
    hook = torch.nn.modules.module.register_module_forward_hook(
        lambda module, _, output: computed.append(output.dtype) if isinstance(module, torch.nn.Linear) else None)
    try:
        half = fit(utterances, labels, replace(config, bf16=True))
    finally:
        hook.remove()
    assert {parameter.dtype for parameter in half.parameters()} == {torch.float32}
    assert (torch.bfloat16 in computed) == torch.cpu._is_avx512_bf16_supported()
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)  # a CPU without it: plain fp32
    without, full = fit(utterances, labels, replace(config, bf16=True)), fit(utterances, labels, config)
    assert all(torch.equal(a, b) for a, b in zip(without.state_dict().values(), full.state_dict().values()))


def test_a_per_intent_sample_keeps_that_many_of_each_intent_in_order() -> None:
    from dialogue.nlu.data import TaggedUtterance
    from dialogue.nlu.training import per_intent_sample

    utterances = [TaggedUtterance((f"word{i}",), ("O",), f"intent{i % 3}") for i in range(30)]
    sample = per_intent_sample(utterances, 4, seed=1)
    assert sorted(u.intent for u in sample) == sorted(["intent0", "intent1", "intent2"] * 4)
    assert [utterances.index(u) for u in sample] == sorted(utterances.index(u) for u in sample)
    assert sample == per_intent_sample(utterances, 4, seed=1) != per_intent_sample(utterances, 4, seed=2)
    assert per_intent_sample(utterances, 50, seed=1) == utterances, "fewer than asked: all of them"


def test_a_domain_with_an_faq_gets_an_answer_head(tiny_model, restaurant) -> None:
    """Its ONNX model gives each FAQ entry's probability beside the intents (both the fp32 and the int8 one)."""
    import numpy as np

    from dialogue.nlu.data import NO_ENTRY
    from dialogue.nlu.runtime import OnnxJointModel

    _, report = tiny_model
    for quantized in (False, True):
        model = OnnxJointModel(report.folder, quantized=quantized)
        assert model.labels.answers == (*[entry.id for entry in restaurant.knowledge.faq], NO_ENTRY)
        prediction = model.predict([["is", "there", "parking"]], [()])[0]
        assert prediction.answer_scores is not None and prediction.answer_scores.shape == (len(model.labels.answers),)
        assert np.isclose(prediction.answer_scores.sum(), 1.0, atol=1e-5)


def test_a_batch_without_labels_adds_nothing_to_the_loss() -> None:
    """A batch of document sentences has no intents and no tags: their losses are 0, not NaN (cross-entropy over
    no labelled row is NaN), and labelled rows count as before."""
    import torch

    from dialogue.nlu.encoding import IGNORE
    from dialogue.nlu.train import _loss

    logits = torch.randn(3, 4, requires_grad=True)
    assert _loss(logits, torch.full((3,), IGNORE)).item() == 0.0
    labels = torch.tensor([1, IGNORE, 2])
    expected = torch.nn.functional.cross_entropy(logits[[0, 2]], labels[[0, 2]])
    assert torch.isclose(_loss(logits, labels), expected)


def test_rows_that_ask_no_entry_teach_the_answer_head_and_not_the_encoder() -> None:
    """The other intents' examples and the documents' sentences (NO_ENTRY) reach the head's weights only; an FAQ
    phrasing's row reaches the sentence vector too (the encoder learns the entries apart)."""
    from types import SimpleNamespace

    import torch

    from dialogue.nlu.train import _answer_logits, _loss

    head = torch.nn.Linear(4, 3)  # two entries, then NO_ENTRY
    model = SimpleNamespace(answer_head=head, dropout=torch.nn.Dropout(0.0))
    for label, reaches_encoder in ((2, False), (0, True)):
        pooled = torch.randn(1, 4, requires_grad=True)
        head.zero_grad()
        outputs = (None, None, pooled, head(pooled))
        _loss(_answer_logits(model, outputs, torch.tensor([label]), no_entry=2), torch.tensor([label])).backward()
        assert head.weight.grad is not None and head.weight.grad.abs().sum().item() > 0
        assert (pooled.grad is not None and pooled.grad.abs().sum().item() > 0) is reaches_encoder
