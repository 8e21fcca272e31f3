"""Knowledge retrieval: the domain's FAQ and documents, searched with sentence embeddings and BM25
(docs/knowledge.md)."""
