"""Build a domain's knowledge index (`dialogue train`): at training time, with torch for the encoder's export."""

from __future__ import annotations

from pathlib import Path

from dialogue.domains.schema import Domain
from dialogue.nlu.artifacts import MANIFEST, write_manifest
from dialogue.nlu.knowledge.index import Item, KnowledgeIndex, index_folder, knowledge_hash, knowledge_items

ENCODER_FOLDER = "sentence-encoder"
"""Under the models folder: the sentence encoder in ONNX, exported once and copied into each index."""


def sentence_encoder(root: Path) -> Path:
    """The exported sentence encoder under `root`, exported now if it is not there yet."""
    folder = root / ENCODER_FOLDER
    if not (folder / MANIFEST).exists():
        from dialogue.nlu.knowledge.export import export_encoder

        export_encoder(folder)
        write_manifest(folder, encoder="all-MiniLM-L6-v2")
    return folder


def build_index(folder: Path, items: list[Item], texts: list[tuple[int, str]], root: Path, **info: object) -> Path:
    """An index of the items in `folder`, unless it is there already."""
    if not (folder / MANIFEST).exists():
        KnowledgeIndex.build(folder, items, texts, sentence_encoder(root), **info)
    return folder


def build_domain_index(domain: Domain, root: Path) -> Path | None:
    """The index of the domain's current knowledge under `root`, built if it is not there yet; None without
    knowledge."""
    if not domain.knowledge.present:
        return None
    items, texts = knowledge_items(domain)
    digest = knowledge_hash(items, texts)
    return build_index(index_folder(root, domain.name, digest), items, texts, root, domain=domain.name,
                       knowledge_hash=digest)
