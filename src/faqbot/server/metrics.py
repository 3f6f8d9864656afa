"""Prometheus metrics, in a registry of the app's own (no global state, one per app)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "faqbot_http_requests", "HTTP requests by route and status.", ["endpoint", "status"], registry=self.registry
        )
        self.answer_latency = Histogram(
            "faqbot_answer_latency_seconds",
            "Time to answer one question, in the process.",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
            registry=self.registry,
        )
        self.answers = Counter("faqbot_answers", "Questions answered or declined.", ["outcome"], registry=self.registry)
        self.answer_cache_hits = Counter(
            "faqbot_answer_cache_hits", "Answers served from the answer cache.", registry=self.registry
        )
        self.feedback = Counter("faqbot_feedback", "Feedback received.", ["helpful"], registry=self.registry)
        self.index_info = Gauge(
            "faqbot_index_info", "The serving index (value 1).", ["version", "model"], registry=self.registry
        )
        self.index_documents = Gauge(
            "faqbot_index_documents", "Documents in the serving index.", ["kind"], registry=self.registry
        )

    def set_index(self, version: str, model: str, counts: dict[str, int]) -> None:
        self.index_info.clear()
        self.index_info.labels(version=version, model=model).set(1)
        for kind in ("faq", "passages", "articles", "vectors"):
            self.index_documents.labels(kind=kind).set(counts.get(kind, 0))

    def render(self) -> bytes:
        return generate_latest(self.registry)
