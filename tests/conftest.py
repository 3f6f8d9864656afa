from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from faqbot.answering import Answerer
from faqbot.build import build_index
from faqbot.embedding import Embedder, SentenceTransformerEmbedder
from faqbot.index_store import load_index
from faqbot.settings import DEFAULT_MODEL, Settings
from tests.fakes import HashingEmbedder

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_faqbot_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's FAQBOT_* settings."""
    import os

    for name in list(os.environ):
        if name.startswith("FAQBOT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the launch data, safe to edit."""
    target = tmp_path / "data"
    shutil.copytree(DATA / "articles", target / "articles")
    shutil.copytree(DATA / "faq", target / "faq")
    return target


@pytest.fixture
def fake_settings(tmp_path: Path, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, index_dir=tmp_path / "indexes", model="fake-model")


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def fake_factory(fake_embedder: HashingEmbedder) -> Callable[[str], Embedder]:
    return lambda model: fake_embedder


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    return SentenceTransformerEmbedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Settings:
    """The launch data built into a real index, once per session, with the real model."""
    settings = Settings(data_dir=DATA, index_dir=tmp_path_factory.mktemp("real") / "indexes")
    build_index(settings, embedder_factory=lambda model: real_embedder)
    return settings


@pytest.fixture(scope="session")
def real_answerer(real_settings: Settings, real_embedder: Embedder) -> Answerer:
    return Answerer(
        load_index(real_settings.index_dir, model=real_settings.model), real_embedder, threshold=real_settings.threshold
    )


@pytest.fixture(scope="session")
def question_set() -> dict[str, list[object]]:
    loaded: dict[str, list[object]] = yaml.safe_load((FIXTURES / "questions.yaml").read_text())
    return loaded
