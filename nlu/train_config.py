"""How a model is trained: the settings `dialogue train` and the training functions share (no torch here, so
the command line can show them as its defaults)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TrainConfig:
    encoder: str | None = None
    layers: int | None = None
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    warmup: float = 0.1
    max_tokens: int = 96
    seed: int = 0
    max_steps: int | None = None
    min_steps: int = 300
    """Small domains train for at least this many steps (a few hundred examples at 10 epochs is too few updates)."""
    ema_decay: float = 0.999
    copies: int = 3
    """Augmented variants of each annotated example (slot values swapped for others)."""
    teacher: str | None = None
    """A trained model folder on the same labels whose outputs the new model also learns (distillation)."""
    distill_weight: float = 1.0
    temperature: float = 2.0
    bf16: bool = False
    """The forward pass's matrix products in bfloat16 where the CPU computes it natively (AVX512-BF16), fp32
    elsewhere; the weights, their average and the losses stay fp32."""

    def as_dict(self) -> dict:
        return asdict(self)
