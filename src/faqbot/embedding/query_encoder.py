"""Which encoder turns questions into vectors: chosen at build time, recorded in the manifest.

Documents are always embedded by the sentence-transformers (torch) model, the reference. For
questions, a build exports that model to ONNX (`FAQBOT_ENCODER`: onnx-int8, the default, or
onnx for fp32), checks it against the torch vectors of the corpus's texts, and puts it in the
build directory as `encoder/`. A precision that drifts past its limit falls back to the next
one (int8 -> fp32 -> torch), and the manifest says which was chosen and why, so the server
loads exactly what the build checked.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from faqbot.embedding.embedder import Embedder, resolve_model
from faqbot.embedding.onnx_encoder import CONFIG_FILE, OnnxEmbedder
from faqbot.settings import Settings

ENCODER_DIR = "encoder"
log = logging.getLogger("faqbot.encoder")


def _precisions(setting: str) -> list[str]:
    return {"onnx-int8": ["int8", "fp32"], "onnx": ["fp32"]}.get(setting, [])


def prepare_encoder(
    setting: str,
    model: str,
    cache_dir: Path,
    get_embedder: Callable[[], Embedder],
    texts: Sequence[str],
    reference: np.ndarray,
) -> tuple[dict[str, Any], Path | None]:
    """The manifest's `encoder` entry, and the checked export to copy into the build (None: torch)."""
    if not _precisions(setting):
        return {"backend": "torch", "reason": f"FAQBOT_ENCODER={setting}"}, None
    from faqbot.embedding.onnx_export import ExportUnsupported, check_encoder, export_encoder, export_key

    reasons = []
    key = export_key(model, resolve_model(model))
    for precision in _precisions(setting):
        target = cache_dir / "encoders" / f"{key}-{precision}"
        try:
            if not (target / CONFIG_FILE).exists():
                st_model = getattr(get_embedder(), "sentence_transformer", None)
                if st_model is None:
                    raise ExportUnsupported("the embedder is not a sentence-transformers model")
                export_encoder(st_model, model, target, precision)
            check = check_encoder(target, texts, reference)
        except ExportUnsupported as exc:
            return {"backend": "torch", "reason": f"not exportable: {exc}"}, None
        except Exception as exc:  # an export that fails must not fail the build: torch still serves
            reasons.append(f"{precision}: {type(exc).__name__}: {exc}")
            continue
        if check.passed:
            entry = {"backend": "onnx", "precision": precision, "min_cosine": check.min_cosine, "texts": check.texts}
            if reasons:
                entry["fallback_reason"] = "; ".join(reasons)
            return entry, target
        reasons.append(f"{precision}: least cosine to torch {check.min_cosine} on {check.texts} texts")
    return {"backend": "torch", "reason": "; ".join(reasons)}, None


def describe_encoder(entry: dict[str, Any]) -> str:
    if entry.get("backend") == "onnx":
        text = f"ONNX {entry['precision']} (least cosine to torch {entry['min_cosine']} on {entry['texts']} texts)"
        return text + (f"; fell back because {entry['fallback_reason']}" if "fallback_reason" in entry else "")
    return f"torch ({entry.get('reason', 'no ONNX export')})"


def install_encoder(source: Path, build: Path) -> None:
    """Give the build its own `encoder/` (hard links to the cached export: no copy, no extra disk)."""
    target = build / ENCODER_DIR
    target.mkdir()
    for path in source.iterdir():
        try:
            os.link(path, target / path.name)
        except OSError:
            shutil.copyfile(path, target / path.name)


def load_query_encoder(
    settings: Settings,
    build: Path,
    chosen: dict[str, Any],
    *,
    torch_factory: Callable[[str], Embedder],
    previous: Embedder | None = None,
) -> Embedder:
    """The encoder the build in `build` chose (its manifest's `chosen` entry), or torch when
    FAQBOT_ENCODER says so; the `previous` one when it is the same."""
    if chosen.get("backend") == "onnx" and settings.encoder != "torch":
        if isinstance(previous, OnnxEmbedder) and _same_files(previous.directory, build / ENCODER_DIR):
            return previous
        return OnnxEmbedder(build / ENCODER_DIR, threads=settings.threads)
    if previous is not None and not isinstance(previous, OnnxEmbedder):
        return previous
    return torch_factory(settings.model)


def _same_files(a: Path, b: Path) -> bool:
    try:
        return all((a / name).stat().st_ino == (b / name).stat().st_ino for name in os.listdir(b))
    except OSError:
        return False
