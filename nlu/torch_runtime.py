"""The joint model run by PyTorch (eager): to judge epochs while training, and as the latency baseline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from dialogue.nlu.artifacts import LABELS, TOKENIZER, read_manifest
from dialogue.nlu.data import Labels
from dialogue.nlu.encoding import load_tokenizer
from dialogue.nlu.model import JointModel, encoder_folder
from dialogue.nlu.runtime import MAX_TOKENS, JointModelBase, Outputs

TORCH_WEIGHTS = "model.pt"


class TorchJointModel(JointModelBase):
    def __init__(self, model: JointModel, labels: Labels, tokenizer: Tokenizer):
        super().__init__(labels, tokenizer)
        self.model = model

    @classmethod
    def from_folder(cls, folder: Path) -> TorchJointModel:
        """The weights a dataset training kept (model.pt), on the encoder its manifest names."""
        torch.set_num_threads(os.cpu_count() or 1)
        labels = Labels.load(folder / LABELS)
        settings = read_manifest(folder)["settings"]
        model = JointModel.from_encoder(encoder_folder(settings["encoder"]), len(labels.intents), len(labels.tags),
                                        settings["layers"], answers=len(labels.answers))
        model.load_state_dict(torch.load(folder / TORCH_WEIGHTS))
        model.eval()
        return cls(model, labels, load_tokenizer(folder / TOKENIZER, MAX_TOKENS))

    def infer(self, ids: np.ndarray, mask: np.ndarray, segments: np.ndarray) -> Outputs:
        with torch.inference_mode():
            outputs = self.model(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(segments))
        intents, tags, sentences = (output.numpy() for output in outputs[:3])
        return intents, tags, sentences, outputs[3].numpy() if len(outputs) > 3 else None
