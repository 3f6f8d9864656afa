"""Exporting the embedding model to ONNX at build time, offline, so serving can skip torch.

The transformer is traced with `torch.onnx.export`, its attention and normalisation fused by
ONNX Runtime's transformer optimiser, and (for int8) its matrix products and attention
projections quantized per channel with dynamic activation ranges: per channel is what keeps the
vectors close to torch's (per-tensor int8 of every op drifts too far). The model is traced with
its plain ("eager") attention: the optimiser recognises that pattern and fuses each layer's
attention into one op, which PyTorch's fused attention kernel (what transformers uses by
default) hides from it. Each export
is checked against the torch model on the corpus's own texts, and a precision that drifts too
far is not used.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from faqbot.embedding.onnx_encoder import MODEL_FILE, TOKENIZER_FILE, EncoderConfig, OnnxEmbedder
from faqbot.errors import FaqbotError
from faqbot.text import content_hash

EXPORT_VERSION = 2  # bump when the export recipe changes, so cached exports are redone
# The least cosine to the torch vector any checked text may have, per precision.
MIN_COSINE = {"fp32": 0.999, "int8": 0.98}
CHECK_TEXTS = 64


class ExportUnsupported(FaqbotError):
    """The model cannot be served through ONNX here; torch serves it instead."""


@dataclass(frozen=True)
class EncoderCheck:
    precision: str
    min_cosine: float
    texts: int

    @property
    def passed(self) -> bool:
        return self.min_cosine >= MIN_COSINE[self.precision]


def export_key(model: str, location: str) -> str:
    """What an export depends on; read from package metadata, so no torch import just to ask."""
    from importlib.metadata import version

    versions = [version(name) for name in ("torch", "sentence-transformers", "transformers", "onnxruntime")]
    return content_hash(str(EXPORT_VERSION), model, location, *versions, length=16)


def export_encoder(st_model: Any, model: str, target: Path, precision: str) -> Path:
    """Write an encoder directory for `st_model` (a SentenceTransformer) at `target`."""
    modules = list(st_model)
    names = [type(m).__name__ for m in modules]
    if names[:2] != ["Transformer", "Pooling"] or names[2:] not in ([], ["Normalize"]):
        raise ExportUnsupported(f"modules {names} (only Transformer, Pooling[, Normalize] are exported)")
    transformer, pooling = modules[0], modules[1]
    mode = pooling.get_config_dict().get("pooling_mode", "mean")
    if mode not in ("mean", "cls"):
        raise ExportUnsupported(f"pooling {mode!r} (mean and cls are exported)")
    tokenizer = transformer.tokenizer
    if not getattr(tokenizer, "is_fast", False) and not hasattr(tokenizer, "backend_tokenizer"):
        raise ExportUnsupported("the tokenizer has no fast (tokenizers) form")
    inputs = [n for n in tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]

    with tempfile.TemporaryDirectory(prefix="faqbot-export-") as scratch, _quiet():
        traced = Path(scratch) / "traced.onnx"
        with _eager_attention(transformer.auto_model):
            _trace(transformer.auto_model, tokenizer, inputs, traced)
        fused = Path(scratch) / "fused.onnx"
        _fuse(traced, fused, transformer.auto_model.config)
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if precision == "int8":
            _quantize(fused, tmp / MODEL_FILE)
        else:
            shutil.copyfile(fused, tmp / MODEL_FILE)
    tokenizer.backend_tokenizer.save(str(tmp / TOKENIZER_FILE))
    EncoderConfig(
        model=model,
        precision=precision,
        dimension=int(st_model.get_embedding_dimension()),
        max_seq_length=int(transformer.max_seq_length),
        pooling=mode,
        normalize=names[2:] == ["Normalize"],
        inputs=inputs,
        pad_id=int(tokenizer.pad_token_id or 0),
    ).save(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


@contextmanager
def _eager_attention(auto_model: Any) -> Iterator[None]:
    """The model with its plain attention for the trace (same results), as it was afterwards."""
    config = auto_model.config
    before = getattr(config, "_attn_implementation", None)
    setter = getattr(auto_model, "set_attn_implementation", None)
    if before in (None, "eager") or setter is None:
        yield
        return
    try:
        setter("eager")
    except (ValueError, ImportError):  # a model without an eager form traces as it is
        yield
        return
    try:
        yield
    finally:
        setter(before)


@contextmanager
def _quiet() -> Iterator[None]:
    """The exporter and quantizer warn about tracing details that do not apply to this use."""
    loggers = [logging.getLogger(), logging.getLogger("onnxruntime")]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)


def check_encoder(directory: Path, texts: Sequence[str], reference: np.ndarray) -> EncoderCheck:
    """How close the exported encoder comes to the torch vectors of `texts`."""
    encoder = OnnxEmbedder(directory, threads=1)
    vectors = encoder.encode(list(texts))
    cosines = (vectors * reference).sum(axis=1) if len(texts) else np.ones(1)
    return EncoderCheck(encoder.precision, round(float(cosines.min()), 4), len(texts))


def _trace(auto_model: Any, tokenizer: Any, inputs: list[str], path: Path) -> None:
    import torch

    class Wrapped(torch.nn.Module):
        # Keyword arguments, because the model's positional order changes between versions.
        def __init__(self) -> None:
            super().__init__()
            self.inner = auto_model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            hidden: torch.Tensor = self.inner(**dict(zip(inputs, tensors, strict=True))).last_hidden_state
            return hidden

    sample = tokenizer(
        ["an example question", "a second, somewhat longer example text"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(
            Wrapped().eval(),
            tuple(sample[name] for name in inputs),
            str(path),
            input_names=inputs,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _fuse(source: Path, target: Path, config: Any) -> None:
    """Fuse attention and layer norms where ONNX Runtime knows the architecture; else keep as is."""
    from onnxruntime.transformers.optimizer import optimize_model

    heads, hidden = getattr(config, "num_attention_heads", 0), getattr(config, "hidden_size", 0)
    if getattr(config, "model_type", "") not in ("bert", "roberta", "xlm-roberta", "mpnet") or not heads:
        shutil.copyfile(source, target)
        return
    optimized = optimize_model(str(source), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1)
    optimized.save_model_to_file(str(target))


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Attention"],
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
