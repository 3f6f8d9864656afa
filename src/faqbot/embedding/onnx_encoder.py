"""The serving query encoder: an exported model run by ONNX Runtime, with no torch in the process.

An encoder directory (written by `faqbot.embedding.onnx_export` at build time) holds `model.onnx`, the
model's own `tokenizer.json` and `encoder.json` (pooling, normalisation, sequence length). It
reproduces what sentence-transformers computes: tokens -> transformer -> mean (or CLS) pooling
-> unit length, checked against the torch model when it is built (README, Performance).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from faqbot.embedding.embedder import Encoded, unit_tokens
from faqbot.errors import FaqbotError

if TYPE_CHECKING:  # imported when an encoder loads: `faqbot build --encoder torch` never needs them
    import onnxruntime
    from tokenizers import Encoding

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"


@dataclass(frozen=True)
class EncoderConfig:
    model: str  # the sentence-transformers model it was exported from
    precision: str  # "int8" or "fp32"
    dimension: int
    max_seq_length: int
    pooling: str  # "mean" or "cls"
    normalize: bool
    inputs: list[str]  # the ONNX graph's inputs, in the tokenizer's names
    pad_id: int

    def save(self, directory: Path) -> None:
        (directory / CONFIG_FILE).write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> EncoderConfig:
        data = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


# One thread per encode by default: concurrency comes from the server's encoders, one per core,
# and a short question's encode is faster on one thread than split over two (their hand-offs cost
# more than they share).
DEFAULT_THREADS = 1


class OnnxEmbedder:
    """Query (and text) embeddings from an exported encoder directory (safe to call from several threads)."""

    def __init__(self, directory: Path, *, threads: int | None = None):
        from tokenizers import Tokenizer

        try:
            self.config = EncoderConfig.read(directory)
            tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
            self._session = _session(directory, threads or DEFAULT_THREADS)
        except Exception as exc:  # a damaged or foreign directory: one clear line
            raise FaqbotError(f"cannot load the ONNX encoder in {directory}: {exc}") from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.config.max_seq_length)
        self._tokenizer = tokenizer
        self.directory = directory
        self.name = self.config.model
        self.dimension = self.config.dimension
        self.precision = self.config.precision

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        hidden, mask, _ = self._run(texts)
        return self._pool(hidden, mask)

    def encode_with_tokens(self, texts: Sequence[str], *, progress: bool = False) -> list[Encoded]:
        """Vectors and token embeddings (faqbot.search.rerank) from one run of the model."""
        if not texts:
            return []
        hidden, mask, encodings = self._run(texts)
        vectors = self._pool(hidden, mask)
        return [
            Encoded(vector, unit_tokens(hidden[row], [not special for special in e.special_tokens_mask]))
            for row, (vector, e) in enumerate(zip(vectors, encodings, strict=True))
        ]

    def _run(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[Encoding]]:
        """The model's last hidden states for a batch, its attention mask, and the tokenizations."""
        encodings = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        # Padding by hand (masked out) keeps the tokenizer free of per-call state.
        ids = np.full((len(encodings), width), self.config.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = 1
            types[row, :n] = e.type_ids
        available = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = self._session.run(None, {name: available[name] for name in self.config.inputs})[0]
        return hidden, mask, encodings

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.config.pooling == "cls":
            vectors = hidden[:, 0, :]
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if self.config.normalize:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _session(directory: Path, threads: int) -> onnxruntime.InferenceSession:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # Threads that spin between calls would take the CPU the event loop needs to serve HTTP.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    return onnxruntime.InferenceSession(str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"])
