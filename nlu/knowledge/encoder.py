"""The sentence encoder at serve time: all-MiniLM-L6-v2's embeddings (mean of the word pieces, unit length), in
ONNX Runtime. `dialogue.nlu.knowledge.export` writes it; torch is not needed here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dialogue.nlu.artifacts import TOKENIZER
from dialogue.nlu.encoding import load_tokenizer
from dialogue.nlu.runtime import open_session

MAX_TOKENS = 256
"""Word pieces of a text at most (the encoder was trained on up to 256); the rest is not read."""
BATCH = 32
"""Texts of similar length in one model call, with the fp32 encoder; the int8 one embeds each text alone."""


class SentenceEncoder:
    """Texts to unit vectors; similar meanings have a high dot product."""

    def __init__(self, folder: Path, *, threads: int | None = None):
        self.tokenizer = load_tokenizer(folder / TOKENIZER, MAX_TOKENS)
        self.session, self.quantized = open_session(folder, threads=threads)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, in batches of texts of similar length; with the int8 encoder, one text a call: it
        quantizes its activations with one scale a call, so a text's vector would depend on the texts beside it
        (the same words embedded alone and in a batch had a cosine of 0.97 to 0.99), and a question would not
        meet the very FAQ phrasing it repeats, indexed in a batch, at 1."""
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda index: len(encodings[index].ids))
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        size = 1 if self.quantized else BATCH
        for start in range(0, len(order), size):
            rows = order[start:start + size]
            longest = max(len(encodings[row].ids) for row in rows)
            ids = np.zeros((len(rows), longest), dtype=np.int64)
            mask = np.zeros((len(rows), longest), dtype=np.int64)
            for place, row in enumerate(rows):
                pieces = encodings[row].ids
                ids[place, :len(pieces)] = pieces
                mask[place, :len(pieces)] = 1
            vectors[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return vectors

    @property
    def dimensions(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1])
