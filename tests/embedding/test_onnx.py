"""The ONNX query encoder: as good as torch on our questions, chosen and checked by the build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from faqbot.answering.answerer import Answerer
from faqbot.answering.engine import load_engine
from faqbot.embedding import onnx_export
from faqbot.embedding.embedder import Embedder, SentenceTransformerEmbedder
from faqbot.embedding.onnx_encoder import OnnxEmbedder
from faqbot.embedding.query_encoder import ENCODER_DIR
from faqbot.index.build import build_index
from faqbot.index.store import load_index
from faqbot.settings import Settings
from tests.conftest import LAUNCH_SET, SITE
from tests.fakes import HashingEmbedder

pytestmark = pytest.mark.model  # every test here exports or runs the real model


@pytest.fixture(scope="module")
def eval_questions() -> list[str]:
    data = yaml.safe_load((LAUNCH_SET).read_text())
    return [q["q"] for q in data["in_scope"] + data["out_of_scope"]]


@pytest.fixture(scope="module")
def fp32_encoder(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> Path:
    target = tmp_path_factory.mktemp("fp32") / "encoder"
    return onnx_export.export_encoder(real_embedder.sentence_transformer, "all-MiniLM-L6-v2", target, "fp32")


def test_the_default_build_serves_questions_with_a_checked_int8_encoder(real_settings: Settings) -> None:
    index = load_index(real_settings.index_dir)
    encoder = index.manifest.encoder
    assert encoder["backend"] == "onnx" and encoder["precision"] == "int8"
    assert encoder["min_cosine"] >= 0.98 and encoder["texts"] >= 50
    assert (index.directory / ENCODER_DIR / "model.onnx").stat().st_size > 1_000_000
    engine = load_engine(real_settings)
    assert isinstance(engine.embedder, OnnxEmbedder) and engine.embedder.precision == "int8"


@pytest.mark.parametrize(("precision", "least"), [("fp32", 0.999), ("int8", 0.98)])
def test_onnx_vectors_match_torch_on_every_evaluation_question(
    precision: str,
    least: float,
    fp32_encoder: Path,
    real_settings: Settings,
    real_embedder: Embedder,
    eval_questions: list[str],
) -> None:
    directory = fp32_encoder if precision == "fp32" else load_index(real_settings.index_dir).directory / ENCODER_DIR
    onnx = OnnxEmbedder(directory)
    reference = real_embedder.encode(eval_questions)
    one_by_one = np.stack([onnx.encode([q])[0] for q in eval_questions])
    batched = onnx.encode(eval_questions)  # padding must not change a vector
    for vectors in (one_by_one, batched):
        cosines = (vectors * reference).sum(axis=1)
        worst = int(cosines.argmin())
        assert cosines.min() >= least, f"{eval_questions[worst]!r}: cosine {cosines.min():.4f}"
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_onnx_and_torch_give_the_same_answers_to_the_evaluation_questions(
    real_settings: Settings, real_embedder: Embedder, real_answerer: Answerer
) -> None:
    """In scope: the same first source (its section: two overlapping windows of one section can tie
    to the third decimal, and int8 may break the tie the other way). Out of scope the first source
    is noise; the decline must agree."""
    data = yaml.safe_load((LAUNCH_SET).read_text())
    onnx = load_engine(real_settings).answerer
    assert onnx is not None and isinstance(onnx.embedder, OnnxEmbedder)
    assert real_answerer.embedder is real_embedder
    differ = []
    for item in data["in_scope"]:
        first_torch, first_onnx = (a.index.docs[a.rank(item["q"])[0].doc] for a in (real_answerer, onnx))
        if first_torch.url != first_onnx.url:
            differ.append(item["q"])
    for item in data["out_of_scope"]:
        if real_answerer.answer(item["q"]).answered != onnx.answer(item["q"]).answered:
            differ.append(item["q"])
    assert differ == []


def test_serving_with_onnx_never_imports_torch(real_settings: Settings, tmp_path: Path) -> None:
    script = f"""
import json, sys
from fastapi.testclient import TestClient
from faqbot.server.app import create_app
from faqbot.settings import Settings
settings = Settings(index_dir={str(real_settings.index_dir)!r}, state_dir={str(tmp_path)!r}, reload_interval=0)
with TestClient(create_app(settings)) as client:
    body = client.post("/api/ask", json={{"question": "What is green AI?"}}).json()
print(json.dumps({{"kind": body["kind"], "torch": "torch" in sys.modules,
                  "st": "sentence_transformers" in sys.modules}}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"kind": "passage", "torch": False, "st": False}


def test_faqbot_encoder_torch_serves_with_torch_and_builds_no_export(
    tmp_path: Path, real_settings: Settings, real_embedder: Embedder
) -> None:
    settings = Settings(data_dir=SITE, index_dir=tmp_path / "indexes", encoder="torch")
    build_index(settings, embedder_factory=lambda model: real_embedder)
    index = load_index(settings.index_dir)
    assert index.manifest.encoder == {"backend": "torch", "reason": "FAQBOT_ENCODER=torch"}
    assert not (index.directory / ENCODER_DIR).exists()
    # And an ONNX index is served with torch when the operator asks for torch.
    forced = load_engine(real_settings.model_copy(update={"encoder": "torch"}), lambda model: real_embedder)
    assert forced.embedder is real_embedder


def test_an_int8_export_that_drifts_falls_back_to_fp32(
    tmp_path: Path, real_embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(onnx_export.MIN_COSINE, "int8", 1.01)  # no int8 export can pass this
    settings = Settings(data_dir=SITE, index_dir=tmp_path / "indexes")
    build_index(settings, embedder_factory=lambda model: real_embedder)
    encoder = load_index(settings.index_dir).manifest.encoder
    assert encoder["backend"] == "onnx" and encoder["precision"] == "fp32" and encoder["min_cosine"] >= 0.999
    assert "int8: least cosine to torch" in encoder["fallback_reason"]


def test_a_model_that_cannot_be_exported_is_served_by_its_own_encoder(fake_settings: Settings) -> None:
    fake = HashingEmbedder()
    build_index(fake_settings, embedder_factory=lambda model: fake)
    encoder = load_index(fake_settings.index_dir).manifest.encoder
    assert encoder["backend"] == "torch" and "not exportable" in encoder["reason"]
    assert load_engine(fake_settings, lambda model: fake).embedder is fake


def test_a_damaged_encoder_is_refused_with_one_line(tmp_path: Path, real_settings: Settings) -> None:
    import shutil

    index_dir = tmp_path / "indexes"
    shutil.copytree(real_settings.index_dir, index_dir, symlinks=True)
    (load_index(index_dir).directory / ENCODER_DIR / "model.onnx").write_bytes(b"not a model")
    engine = load_engine(real_settings.model_copy(update={"index_dir": index_dir}))
    assert engine.answerer is None
    assert engine.reason is not None and "cannot load the ONNX encoder" in engine.reason
    assert "\n" not in engine.reason


def test_the_export_fuses_attention_and_quantizes_it(fp32_encoder: Path, real_settings: Settings) -> None:
    """Traced with eager attention, each layer's attention is one op (and one quantized op in int8)."""
    import onnx

    def ops(directory: Path) -> list[str]:
        return [node.op_type for node in onnx.load(str(directory / "model.onnx")).graph.node]

    fp32, int8 = ops(fp32_encoder), ops(load_index(real_settings.index_dir).directory / ENCODER_DIR)
    assert fp32.count("Attention") == 6 and "Softmax" not in fp32  # six layers of MiniLM-L6
    assert int8.count("QAttention") == 6 and "Attention" not in int8
