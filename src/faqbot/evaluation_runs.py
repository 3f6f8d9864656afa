"""Where `faqbot eval` gets its answerer: the built index, or a FAQ set built on the side."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from faqbot.answering import Answerer
from faqbot.build import build_index
from faqbot.embedding import Embedder, load_embedder
from faqbot.errors import DataError
from faqbot.evaluation import Report, evaluate, load_questions
from faqbot.index_store import LoadedIndex, load_index
from faqbot.query_encoder import load_query_encoder
from faqbot.settings import Settings
from faqbot.stackfaq import convert

EVAL_INDEXES = "eval"


def _evaluate(answerer: Answerer, questions_file: Path, progress: bool) -> Report:
    questions = load_questions(questions_file)
    with tqdm(total=len(questions), desc="questions", disable=not progress, leave=False) as bar:
        return evaluate(answerer, questions, progress=bar.update)


def _answerer(settings: Settings, index: LoadedIndex, embedder_factory: Callable[[str], Embedder]) -> Answerer:
    """An answerer encoding questions as the server would (the index's chosen encoder)."""
    encoder = load_query_encoder(settings, index, torch_factory=embedder_factory)
    return Answerer(index, encoder, threshold=settings.threshold)


def evaluate_index(
    settings: Settings, *, progress: bool = False, embedder_factory: Callable[[str], Embedder] = load_embedder
) -> Report:
    """The evaluation set against the index `faqbot build` made."""
    index = load_index(settings.index_dir, model=settings.model)
    return _evaluate(_answerer(settings, index, embedder_factory), settings.eval_set, progress)


def evaluate_external(
    settings: Settings,
    faq_file: Path,
    queries_file: Path,
    *,
    progress: bool = False,
    embedder_factory: Callable[[str], Embedder] = load_embedder,
) -> Report:
    """A FAQ file of its own, imported and built like any site's FAQ, then its queries."""
    if not faq_file.is_file():
        raise DataError(faq_file, "no such FAQ file")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        (data_dir / "faq").mkdir(parents=True)
        shutil.copy(faq_file, data_dir / "faq" / faq_file.name)
        # Kept under the index directory so a rerun reuses the embedding cache.
        eval_settings = settings.model_copy(
            update={"data_dir": data_dir, "index_dir": settings.index_dir / EVAL_INDEXES / faq_file.stem}
        )
        build_index(eval_settings, embedder_factory=embedder_factory, progress=progress)
    index = load_index(eval_settings.index_dir, model=settings.model)
    return _evaluate(_answerer(settings, index, embedder_factory), queries_file, progress)


def evaluate_stackfaq(
    settings: Settings, *, progress: bool = False, embedder_factory: Callable[[str], Embedder] = load_embedder
) -> Report:
    source = settings.benchmarks_dir / "stackfaq" / "stackExchange-FAQ.json"
    with tempfile.TemporaryDirectory() as tmp:
        faq_file, queries_file = Path(tmp) / "stackfaq.json", Path(tmp) / "stackfaq-queries.yaml"
        convert(source, faq_file, queries_file)
        return evaluate_external(settings, faq_file, queries_file, progress=progress, embedder_factory=embedder_factory)
