"""The usual way to serve FAQ answers, for comparison: a sync FastAPI endpoint that calls
SentenceTransformer.encode and IndexFlatIP.search per request. Same corpus, same model.

Run: python bench/baseline_app.py DATA_DIR PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import faiss
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sentence_transformers import SentenceTransformer

from faqbot.content.corpus import load_corpus
from faqbot.embedding.embedder import resolve_model
from faqbot.settings import DEFAULT_MODEL


class Ask(BaseModel):
    question: str
    top_k: int = 3


def make_app(data_dir: Path) -> FastAPI:
    corpus = load_corpus(data_dir)
    texts = [f"{e.question} {e.answer}" for e in corpus.faq]
    texts += [p for a in corpus.articles for s in a.sections for p in s.paragraphs]
    model = SentenceTransformer(resolve_model(DEFAULT_MODEL), device="cpu")
    vectors = model.encode(texts, normalize_embeddings=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    app = FastAPI()

    @app.get("/readyz")
    def ready() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/api/ask")
    def ask(body: Ask) -> dict[str, object]:
        query = model.encode([body.question], normalize_embeddings=True)
        scores, ids = index.search(query, body.top_k)
        return {"answer": texts[int(ids[0][0])], "confidence": float(scores[0][0]), "sources": ids[0].tolist()}

    return app


if __name__ == "__main__":
    uvicorn.run(make_app(Path(sys.argv[1])), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
