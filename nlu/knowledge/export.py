"""Write the sentence encoder as ONNX (fp32 and int8), with its tokenizer: at training time, with torch."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import torch
from onnxruntime.transformers import optimizer
from transformers import AutoModel

from dialogue.nlu.artifacts import FP32, TOKENIZER
from dialogue.nlu.export import quantize
from dialogue.nlu.model import encoder_folder


class _Pooled(torch.nn.Module):
    """The encoder with sentence-transformers' pooling: the mean of the word pieces' vectors, made unit length."""

    def __init__(self, encoder: torch.nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=-1)


def export_encoder(folder: Path, encoder: str | None = None) -> None:
    """Write model.onnx, model.int8.onnx and tokenizer.json of the sentence encoder into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    source = encoder_folder(encoder)
    model = _Pooled(AutoModel.from_pretrained(source, attn_implementation="eager")).eval()  # eager fuses in ONNX
    config = model.encoder.config
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's warnings (see nlu/export.py)
        raw = Path(scratch) / "raw.onnx"
        ids = torch.ones((2, 8), dtype=torch.long)
        torch.onnx.export(model, (ids, torch.ones_like(ids)), str(raw), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask"], output_names=["sentence"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}, "sentence": {0: "batch"}})
        fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                                         hidden_size=config.hidden_size)
        fused.save_model_to_file(str(folder / FP32))
    quantize(folder)
    shutil.copyfile(source / TOKENIZER, folder / TOKENIZER)
