from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from faqbot.answering.answerer import Answerer
from faqbot.embedding.embedder import Embedder, SentenceTransformerEmbedder
from faqbot.index.build import build_index
from faqbot.index.store import load_index
from faqbot.settings import DEFAULT_MODEL, Settings
from tests.fakes import HashingEmbedder
from tests.support import CHROMIUM, CHROMIUM_ARGS, require_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The tests' own copy of the launch site: a site owner's edits to data/ never break them.
SITE = FIXTURES / "site"
LAUNCH_SET = REPO / "data" / "eval" / "launch.yaml"
BENCHMARKS = REPO / "benchmarks"  # brought in by `make benchmarks`; never committed


def require_benchmark(name: str, file: str) -> Path:
    """A public benchmark's file: skipped with the reason on a plain clone, a failure in CI (which
    runs `make benchmarks` first, so every benchmark test runs there)."""
    path = BENCHMARKS / name / file
    if not path.is_file():
        message = f"benchmark {name} is not in {BENCHMARKS}: run 'make benchmarks' to bring it in"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _no_faqbot_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's FAQBOT_* settings."""
    for name in list(os.environ):
        if name.startswith("FAQBOT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the launch data, safe to edit."""
    target = tmp_path / "data"
    shutil.copytree(SITE / "articles", target / "articles")
    shutil.copytree(SITE / "faq", target / "faq")
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
    settings = Settings(data_dir=SITE, index_dir=tmp_path_factory.mktemp("real") / "indexes")
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


REAL_MODEL_FIXTURES = {"real_embedder", "real_settings", "real_answerer"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that loads the real model must say so (`-m "not model"` is the fast loop)."""
    unmarked = [
        item.nodeid
        for item in items
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("model") is None
    ]
    if unmarked:
        raise pytest.UsageError("tests that load the real model need @pytest.mark.model: " + ", ".join(unmarked))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright, one per test module (skips, or fails under CI, without it)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
