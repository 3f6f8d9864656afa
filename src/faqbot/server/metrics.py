"""Prometheus metrics, in a registry of the app's own (no global state, one per app)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

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

    def watch_question_log(self, stats: Callable[[], dict[str, Any]]) -> None:
        """Show the question log's counters (faqbot.analytics.question_log.QuestionLog.stats), read at each scrape."""
        self.registry.register(QuestionLogCollector(stats))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class QuestionLogCollector(Collector):
    """What the question log wrote, what waits for its database, and what it could not keep."""

    def __init__(self, stats: Callable[[], dict[str, Any]]):
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self._stats()
        written = CounterMetricFamily(
            "faqbot_question_log_rows_written", "Rows the question log wrote to its database.", labels=["table"]
        )
        for table, count in stats["written"].items():
            written.add_metric([table], count)
        lost = CounterMetricFamily(
            "faqbot_question_log_rows_lost",
            "Rows not kept: the buffer was full while the database was unreachable (buffer_full), the database"
            " refused them (refused), or it was unreachable when the server stopped (shutdown).",
            labels=["reason"],
        )
        for reason, count in stats["lost"].items():
            lost.add_metric([reason], count)
        yield written
        yield lost
        yield CounterMetricFamily(
            "faqbot_question_log_write_failures",
            "Writes that found the database unreachable (the rows wait and are tried again).",
            value=stats["write_failures"],
        )
        yield GaugeMetricFamily(
            "faqbot_question_log_rows_waiting", "Rows in memory waiting to be written.", value=stats["waiting"]
        )
        yield GaugeMetricFamily(
            "faqbot_question_log_database_up",
            "1 while the question log's last write reached its database, else 0.",
            value=int(stats["database_up"]),
        )
