"""A generated help centre of any size, written as a site owner's data directory (bench/scale_e2e.py).

Text: real English words at their real frequencies (pyspellchecker's English list, the one the
speller already ships), mixed with topic words: every article has a topic, 200 mid-frequency words
with a Zipf distribution of their own, so documents on one topic share a vocabulary as a real site's
do. Articles: 6-14 sections of 4-12 sentences of 8-24 words, so about 3.5 passages a section (faqbot
cuts 3-sentence windows, 2 apart). FAQ entries: one for every FAQ_EVERY passages, a question
("How do I ...?") with 1-4 sentences of answer and up to two other phrasings, in JSON files of 2,000.
Questions: reader questions about FAQ entries and passages (shortened, reworded) and off-topic ones.

Run: .venv/bin/python bench/scale_corpus.py PASSAGES DATA_DIR QUESTIONS_FILE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

GENERAL_WORDS = 20_000
TOPIC_WORDS = 200
TOPIC_SHARE = 0.35  # of a sentence's words
FAQ_EVERY = 20
STARTS = ["How do I", "How can I", "What is", "What are", "Can I", "Why does", "When should I", "Where can I find"]


class Words:
    """The vocabulary and the samplers over it."""

    def __init__(self, rng: np.random.Generator, topics: int):
        from spellchecker import SpellChecker

        counts = SpellChecker(language="en").word_frequency.dictionary
        ranked = sorted(
            ((c, w) for w, c in counts.items() if w.isalpha() and len(w) > 1 or w in ("a", "i")), reverse=True
        )
        self.words = np.array([w for _, w in ranked[:GENERAL_WORDS]], dtype=object)
        weights = np.array([c for c, _ in ranked[:GENERAL_WORDS]], dtype=np.float64) ** 0.9
        self.general = np.cumsum(weights / weights.sum())
        # Topic words: mid-frequency words (not function words), each topic its own Zipf over 200.
        pool = np.arange(200, 12_000)
        self.topics = np.stack([rng.choice(pool, TOPIC_WORDS, replace=False) for _ in range(topics)])
        zipf = 1 / np.arange(1, TOPIC_WORDS + 1)
        self.within = np.cumsum(zipf / zipf.sum())
        self.rng = rng

    def sentences(self, topics: np.ndarray, low: int = 8, high: int = 24) -> list[str]:
        """One sentence per entry of `topics` (a topic number each)."""
        rng = self.rng
        lengths = rng.integers(low, high + 1, len(topics))
        total = int(lengths.sum())
        owner = np.repeat(topics, lengths)
        ids = np.searchsorted(self.general, rng.random(total)).clip(0, GENERAL_WORDS - 1)
        topical = rng.random(total) < TOPIC_SHARE
        ranks = np.searchsorted(self.within, rng.random(int(topical.sum()))).clip(0, TOPIC_WORDS - 1)
        ids[topical] = self.topics[owner[topical], ranks]
        words = self.words[ids].tolist()
        out, at = [], 0
        for n in lengths.tolist():
            text = " ".join(words[at : at + n])
            out.append(text[0].upper() + text[1:] + ".")
            at += n
        return out

    def topic_phrase(self, topic: int, low: int, high: int) -> str:
        count = int(self.rng.integers(low, high + 1))
        ranks = np.searchsorted(self.within, self.rng.random(count)).clip(0, TOPIC_WORDS - 1)
        return " ".join(self.words[self.topics[topic, ranks]].tolist())


def windows(sentences: int) -> int:
    """How many passages faqbot cuts from a section of this many sentences (faqbot.content.passages)."""
    if sentences <= 3:
        return 1
    starts = len(range(0, sentences - 2, 2))
    return starts + (1 if (starts - 1) * 2 + 3 < sentences else 0)


def generate(passages: int, data: Path, questions_file: Path, seed: int = 0) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    topics = int(np.clip(passages // 250, 40, 4000))
    words = Words(rng, topics)
    (data / "articles").mkdir(parents=True, exist_ok=True)
    (data / "faq").mkdir(parents=True, exist_ok=True)
    made, article, asked = 0, 0, []
    while made < passages:
        topic = int(rng.integers(topics))
        lengths = rng.integers(4, 13, int(rng.integers(6, 15)))
        title = words.topic_phrase(topic, 3, 6).title()
        text = [f"---\ntitle: {title} ({article})\nslug: a-{article:07d}\n---\n"]
        sentences = words.sentences(np.full(int(lengths.sum()), topic))
        at = 0
        for number, count in enumerate(lengths.tolist()):
            body = sentences[at : at + count]
            at += count
            text.append(f"## {words.topic_phrase(topic, 2, 5).title()} {number}\n\n" + " ".join(body) + "\n")
            made += windows(count)
            if rng.random() < 0.05:
                asked.append(_passage_question(rng, body[int(rng.integers(len(body)))]))
        shard = data / "articles" / f"{article // 1000:04d}"
        shard.mkdir(exist_ok=True)
        (shard / f"a-{article:07d}.md").write_text("\n".join(text), encoding="utf-8")
        article += 1
    entries = passages // FAQ_EVERY
    for first in range(0, entries, 2000):
        batch = []
        for n in range(first, min(entries, first + 2000)):
            topic = int(rng.integers(topics))
            question = f"{STARTS[int(rng.integers(len(STARTS)))]} {words.topic_phrase(topic, 2, 6)}?"
            alternates = [f"{STARTS[int(rng.integers(len(STARTS)))]} {words.topic_phrase(topic, 2, 5)}?"]
            answer = " ".join(words.sentences(np.full(int(rng.integers(1, 5)), topic)))
            batch.append(
                {"id": f"faq-{n:07d}", "question": question, "answer": answer, "alternates": alternates[: n % 3]}
            )
            if rng.random() < 0.2:
                asked.append(_faq_question(rng, question))
        (data / "faq" / f"faq-{first // 2000:04d}.json").write_text(json.dumps(batch, indent=0), encoding="utf-8")
    off_topic = [" ".join(words.words[np.searchsorted(words.general, rng.random(6))].tolist()) + "?" for _ in range(80)]
    rng.shuffle(asked)
    chosen = asked[:520] + off_topic
    rng.shuffle(chosen)
    questions_file.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    return {"passages": made, "articles": article, "faq": entries, "questions": len(chosen)}


def _passage_question(rng: np.random.Generator, sentence: str) -> str:
    words = sentence.rstrip(".").lower().split()
    start = int(rng.integers(0, max(1, len(words) - 6)))
    return (
        f"{STARTS[int(rng.integers(len(STARTS)))].lower()} {' '.join(words[start : start + int(rng.integers(3, 7))])}?"
    )


def _faq_question(rng: np.random.Generator, question: str) -> str:
    words = question.rstrip("?").split()
    if len(words) > 4:
        del words[int(rng.integers(3, len(words)))]
    return " ".join(words).lower() + "?"


if __name__ == "__main__":
    print(json.dumps(generate(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))))
