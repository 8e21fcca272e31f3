"""The knowledge index: the FAQ's phrasings and the documents' passages as sentence embeddings and a BM25 index,
built by `dialogue train` next to the NLU model and searched in process.

A folder per version of the knowledge, `<models>/<domain>.knowledge/<hash>/`, keyed by a hash of what is searched
(the FAQ's ids and phrasings, the passages), so unchanged knowledge is never indexed again. It holds the sentence
encoder (ONNX), the items, their texts' vectors and the BM25 index.

A search scores each item by the mean of its two texts most similar to the question (an FAQ entry has one text
per phrasing, a passage one), which rewards an entry that several phrasings match over a single lucky one; adds
BM25's score, scaled to the best hit's, at a small weight, which lifts rare words the embedding blurs; and ranks by
the sum. An item's reported score is its similarity alone, the scale the thresholds are set on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from dialogue.domains.documents import DocumentError
from dialogue.domains.interpretation import Found
from dialogue.domains.schema import Domain
from dialogue.domains.schema.knowledge import FaqEntry
from dialogue.nlu.artifacts import MANIFEST, write_manifest
from dialogue.nlu.knowledge.encoder import SentenceEncoder
from dialogue.nlu.knowledge.passages import Passage, domain_passages, titled

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself, and logs every index it builds

FORMAT = 2
"""The index's layout and how its vectors are made (2: each text embedded alone by the int8 encoder); a change makes
every domain's index be built again."""
BM25_WEIGHT = 0.1
"""BM25's share of the ranking (its scores scaled to the best hit's): chosen on CLINC150's dev split."""
RARE_ITEMS = 2
"""A word of the knowledge held by at most this many items names them (see `points_elsewhere`)."""
TOP_TEXTS = 2
"""An item's similarity is the mean of its this many texts most similar to the question."""
CANDIDATES = 64
"""Texts each ranking (embeddings, BM25) hands on to be scored as items."""
SEARCH_THREADS = 1
"""Threads of a question's embedding: one short text gains little from more, and a second thread would contend with
the NLU model's, which runs just before it (BENCHMARKS.md, "Knowledge answers")."""
ITEMS, VECTORS, BM25, ENCODER = "items.json", "vectors.npy", "bm25", "encoder"


@dataclass(frozen=True)
class Item:
    """What a search finds: an FAQ entry or a passage."""

    kind: str
    id: str
    text: str
    """The FAQ entry's question, or the passage's text."""
    title: str = ""
    source: str = ""

    @property
    def quoted(self) -> str:
        """The item as an LLM answer from it reads it: a passage after its headings."""
        return titled(self.title, self.text)


def knowledge_items(domain: Domain) -> tuple[list[Item], list[tuple[int, str]]]:
    """The domain's items, and the texts searched (each with its item's index)."""
    return items_of(domain.knowledge.faq, domain_passages(domain))


def items_of(faq: list[FaqEntry], passages: list[Passage]) -> tuple[list[Item], list[tuple[int, str]]]:
    items = [Item("faq", entry.id, entry.question) for entry in faq]
    texts = [(number, text) for number, entry in enumerate(faq) for text in entry.phrasings]
    for passage in passages:
        texts.append((len(items), passage.searched))
        items.append(Item("passage", passage.id, passage.text, passage.title, passage.source))
    return items, texts


def knowledge_hash(items: list[Item], texts: list[tuple[int, str]]) -> str:
    """What a search reads: the items and their texts (not the FAQ's answers, which it never reads)."""
    data = {"format": FORMAT, "items": [asdict(item) for item in items], "texts": texts}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def index_folder(root: Path, name: str, digest: str) -> Path:
    return root / f"{name}.knowledge" / digest[:16]


class KnowledgeIndex:
    """A built index, loaded once per process (`shared_index`) and searched by any thread."""

    def __init__(self, folder: Path, *, threads: int | None = None):
        stored = json.loads((folder / ITEMS).read_text(encoding="utf-8"))
        self.items = [Item(**item) for item in stored["items"]]
        self.owners = np.array(stored["owners"], dtype=np.int64)
        self.vectors = np.load(folder / VECTORS)
        self.encoder = SentenceEncoder(folder / ENCODER, threads=threads)
        self.bm25 = bm25s.BM25.load(str(folder / BM25))
        texts: dict[int, list[int]] = {}
        for text, owner in enumerate(self.owners.tolist()):
            texts.setdefault(owner, []).append(text)
        widest = max((len(numbers) for numbers in texts.values()), default=1)
        self._texts_of = np.full((len(self.items), widest), -1, dtype=np.int64)
        """Each item's texts (rows), padded with -1."""
        for owner, numbers in texts.items():
            self._texts_of[owner, :len(numbers)] = numbers
        self._number = {(item.kind, item.id): number for number, item in enumerate(self.items)}

    @classmethod
    def build(cls, folder: Path, items: list[Item], texts: list[tuple[int, str]], encoder: Path,
              **info: Any) -> None:
        """Write an index of the items into `folder`, with the sentence encoder found in `encoder` (a folder that
        `dialogue.nlu.knowledge.export` wrote), the manifest last."""
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(encoder, folder / ENCODER, dirs_exist_ok=True)
        vectors = SentenceEncoder(folder / ENCODER).embed([text for _, text in texts])
        np.save(folder / VECTORS, vectors.astype(np.float32))
        retriever = bm25s.BM25()
        retriever.index(_tokens([text for _, text in texts]), show_progress=False)
        retriever.save(str(folder / BM25))
        stored = {"items": [asdict(item) for item in items], "owners": [owner for owner, _ in texts]}
        (folder / ITEMS).write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
        write_manifest(folder, items=len(items), texts=len(texts), **info)

    def search(self, text: str, k: int = 5) -> list[Found]:
        """The `k` items most likely to answer the question, best first."""
        if not len(self.owners):
            return []
        similar = self.vectors @ self.encoder.embed([text])[0]
        top = _top(similar, CANDIDATES)
        keyword = np.zeros(len(self.owners), dtype=np.float32)
        words = _tokens([text])[0]
        if words:
            keyword = self.bm25.get_scores(words)
        best_keyword = float(keyword.max()) if len(keyword) else 0.0
        candidates = set(self.owners[top].tolist())
        if best_keyword > 0:
            matched = _top(keyword, CANDIDATES)
            candidates |= set(self.owners[matched[keyword[matched] > 0]].tolist())
        owners = np.array(sorted(candidates), dtype=np.int64)
        texts = self._texts_of[owners]
        present = texts >= 0
        similarities = np.where(present, similar[texts], -np.inf)
        best = -np.sort(-similarities, axis=1)[:, :TOP_TEXTS]
        counted = np.minimum(present.sum(axis=1), TOP_TEXTS)
        similarity = np.where(np.isfinite(best), best, 0.0).sum(axis=1) / counted
        lift = np.where(present, keyword[texts], 0.0).max(axis=1) / best_keyword if best_keyword > 0 else 0.0
        order = np.argsort(-(similarity + BM25_WEIGHT * lift), kind="stable")[:k]
        return [Found(kind=self.items[owners[i]].kind, id=self.items[owners[i]].id,  # type: ignore[arg-type]
                      score=round(float(similarity[i]), 4), source=self.items[owners[i]].source) for i in order]

    def points_elsewhere(self, found: Found, text: str) -> bool:
        """Whether the question says a word of the knowledge that only other items hold, and at most RARE_ITEMS
        of them: "PUK" of "where do I find my PUK code", which a passage about the PUK code holds, against the FAQ
        entry about the PAC code that the NLU's answer head was sure of. A few BM25 lookups, no embedding."""
        number = self._number.get((found.kind, found.id))
        for word in _tokens([text])[0]:
            holders = set(self.owners[self.bm25.get_scores([word]) > 0].tolist())
            if holders and len(holders) <= RARE_ITEMS and number not in holders:
                return True
        return False

    def item(self, found: Found) -> Item:
        """The item a search found."""
        return self.items[self._number[(found.kind, found.id)]]


def domain_index(domain: Domain, root: Path, *, threads: int | None = SEARCH_THREADS) -> KnowledgeIndex | None:
    """The index `dialogue train` built under `root` for the domain's current knowledge, loaded once per process;
    None when the domain has no knowledge, or it was not built yet (`dialogue train` says why when a document
    cannot be read)."""
    if not domain.knowledge.present:
        return None
    try:
        folder = index_folder(root, domain.name, knowledge_hash(*knowledge_items(domain)))
    except DocumentError:
        return None
    return shared_index(folder, threads) if (folder / MANIFEST).exists() else None


_SHARED: dict[tuple[Path, int | None], KnowledgeIndex] = {}
_LOCK = threading.Lock()


def shared_index(folder: Path, threads: int | None = None) -> KnowledgeIndex:
    """The index in `folder`, loaded once per process."""
    key = (folder.resolve(), threads)
    with _LOCK:
        if key not in _SHARED:
            _SHARED[key] = KnowledgeIndex(folder, threads=threads)
        return _SHARED[key]


def _tokens(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    if len(scores) <= count:
        return np.arange(len(scores))
    return np.argpartition(-scores, count)[:count]


