"""A realistic session for the analytics report, and what logging costs per answer.

Builds the launch index in a temp dir, asks every evaluation question plus a batch of off-topic
ones through the real app (logging on), prints the report, and times the same questions with
logging off and on. Run: .venv/bin/python bench/report_session.py [--html report.html]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from faqbot.analytics.report import build_report, format_report, render_html
from faqbot.embedding.embedder import load_embedder
from faqbot.evaluation.questions import load_questions
from faqbot.index.build import build_index
from faqbot.server.app import create_app
from faqbot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OFF_TOPIC = [
    "How do I reset my password?",
    "forgot my password",
    "password reset email never arrived",
    "Where is my order?",
    "track my delivery",
    "my package has not arrived yet",
    "Do you ship to Canada?",
    "shipping costs to Europe",
    "What are your opening hours?",
    "are you open on sundays",
    "How do I unsubscribe from the newsletter?",
    "stop sending me emails",
]


def timed(client: TestClient, questions: list[str]) -> list[float]:
    out = []
    for q in questions:
        started = time.perf_counter()
        assert client.post("/api/ask", json={"question": q}).status_code == 200
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    base = Settings(
        data_dir=ROOT / "data", index_dir=tmp / "indexes", state_dir=tmp / "state", rate_limit="off", reload_interval=0
    )
    embedder = load_embedder(base.model)
    build_index(base, embedder_factory=lambda m: embedder)
    questions = [q.q for q in load_questions(ROOT / "data" / "eval" / "launch.yaml")] + OFF_TOPIC

    timings: dict[str, list[float]] = {"off": [], "on": []}
    for mode in ("off", "on", "off", "on"):
        settings = base.model_copy(update={"log_questions": mode == "on", "state_dir": tmp / f"state-{mode}"})
        with TestClient(create_app(settings, embedder_factory=lambda m: embedder)) as client:
            timings[mode] += timed(client, questions)
    for mode, values in timings.items():
        print(f"logging {mode}: median {statistics.median(values):.2f} ms per answer over {len(values)} requests")
    added = statistics.median(timings["on"]) - statistics.median(timings["off"])
    print(f"added by logging: {added:+.2f} ms per answer (median)\n")

    app = create_app(base, embedder_factory=lambda m: embedder)
    with TestClient(app) as client:
        for q in questions:
            answer = client.post("/api/ask", json={"question": q}).json()
            if "economy" in q.lower() and answer["answered"]:
                client.post(
                    "/api/feedback", json={"answer_id": answer["answer_id"], "helpful": False, "comment": "too short"}
                )
        app.state.question_log.flush()
        answerer = app.state.engine.answerer
        report = build_report(app.state.question_log.store, answerer)
    print(format_report(report))
    if args.html:
        args.html.write_text(render_html(report, base.web_dir / "templates"), encoding="utf-8")


if __name__ == "__main__":
    main()
