"""Keep torch out of serving processes, even where it is installed (for training)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_torch() -> Iterator[None]:
    """Imports inside this block see torch as missing, unless it was already imported.

    spaCy's thinc imports torch (seconds and hundreds of MB) as soon as it is importable,
    though the parts of spaCy the NLU uses (tokens, matcher) never call it.
    """
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        yield
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
