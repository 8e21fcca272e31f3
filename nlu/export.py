"""Export a trained joint model to ONNX: fp32 with fused transformer ops, and int8 for the CPU."""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from pathlib import Path

import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from onnxruntime.transformers import optimizer

from dialogue.nlu.artifacts import FP32, INT8, LABELS, TOKENIZER
from dialogue.nlu.data import Labels
from dialogue.nlu.model import JointModel


def export(model: JointModel, tokenizer: Path, labels: Labels, folder: Path) -> None:
    """Write model.onnx, model.int8.onnx, tokenizer.json and labels.json into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    config = model.encoder.config
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        # The TorchScript exporter warns that it is deprecated and that it traces Python conditions;
        # its graph is the one ONNX Runtime's transformer optimizer fuses, and the tests check its outputs.
        warnings.simplefilter("ignore")
        raw = Path(scratch) / "raw.onnx"
        ids = torch.ones((2, 8), dtype=torch.long)
        model.eval()
        answers = ["answer_logits"] if model.answer_head is not None else []
        torch.onnx.export(
            model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(raw), dynamo=False, opset_version=17,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["intent_logits", "tag_logits", "sentence", *answers],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "token_type_ids": {0: "batch", 1: "tokens"}, "intent_logits": {0: "batch"},
                          "tag_logits": {0: "batch", 1: "tokens"}, "sentence": {0: "batch"},
                          **{name: {0: "batch"} for name in answers}})
        fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                                         hidden_size=config.hidden_size)
        fused.save_model_to_file(str(folder / FP32))
    quantize(folder)
    shutil.copyfile(tokenizer, folder / TOKENIZER)
    labels.save(folder / LABELS)


def quantize(folder: Path) -> None:
    """Write model.int8.onnx, model.onnx's weights in int8 (dynamic quantisation, for the CPU)."""
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # the quantizer suggests pre-processing, which fusion already did
    try:
        quantize_dynamic(str(folder / FP32), str(folder / INT8), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        logging.getLogger().setLevel(quiet)
