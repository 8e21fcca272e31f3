"""Versioned model folders: <root>/<name>/<data hash>-<config hash>/ with a manifest.

A domain is trained again only when the NLU data or the training settings change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FP32 = "model.onnx"
INT8 = "model.int8.onnx"
TOKENIZER = "tokenizer.json"
LABELS = "labels.json"


def config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def model_folder(root: Path, name: str, data_hash: str, config: dict[str, Any]) -> Path:
    return root / name / f"{data_hash[:12]}-{config_hash(config)[:8]}"


def write_manifest(folder: Path, **info: Any) -> None:
    info["created"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (folder / MANIFEST).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def latest_model(root: Path, name: str, data_hash: str | None = None) -> Path | None:
    """The newest complete model folder for `name` (trained on `data_hash`, if given)."""
    candidates = []
    for manifest in (root / name).glob(f"*/{MANIFEST}"):
        info = json.loads(manifest.read_text(encoding="utf-8"))
        if data_hash is None or info.get("data_hash") == data_hash:
            candidates.append((info.get("created", ""), manifest.parent))
    return max(candidates)[1] if candidates else None
