"""Property-based tests of the HTTP API from its own OpenAPI document: no 5xx, every response as documented."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import negative_data_rejection

from faqbot.answering.engine import load_engine
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.server.app import create_app
from faqbot.settings import Settings
from tests.conftest import REPO, SITE
from tests.fakes import HashingEmbedder

CASES: dict[str, int] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    root = tmp_path_factory.mktemp("schemathesis")
    embedder = HashingEmbedder()
    factory: Callable[[str], Embedder] = lambda model: embedder  # noqa: E731
    base = Settings(data_dir=SITE, index_dir=root / "indexes", model="fake-model", state_dir=root / "state")
    build_index(base, embedder_factory=factory)
    app = create_app(base.model_copy(update={"rate_limit": "off", "reload_interval": 0}), embedder_factory=factory)
    app.state.engine = load_engine(base, factory)  # what the lifespan would do
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def exercise(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        key = f"{case.method} {case.path} ({mode.value})"
        CASES[key] = CASES.get(key, 0) + 1
        # 413 (the size limit answers before validation) is a fine rejection of a bad body.
        response = case.call_and_validate(excluded_checks=[negative_data_rejection])
        # A query "page" given as a list of one value is, on the wire, that value: not negative at all; nor is
        # a parameter given as an (even nested) empty list, which sends nothing. What counts is what was sent.
        sent = [name for name, _ in parse_qsl(urlsplit(response.request.url).query, keep_blank_values=True)]
        wire_valid = case.path == "/api/faq" and sent == ["page"]
        if mode is schemathesis.GenerationMode.NEGATIVE and not wire_valid:
            assert response.status_code in (400, 401, 403, 404, 413, 422), response.text
        assert response.status_code < 500

    try:
        check()
    except Unsatisfiable:
        # An operation without a body or parameters has no input that could violate its schema.
        assert mode is schemathesis.GenerationMode.NEGATIVE and operation.path not in ("/api/ask", "/api/feedback")


def test_api_conforms_to_its_openapi(api_schema: schemathesis.BaseSchema) -> None:
    # Driven by hand rather than by @schema.parametrize: its pytest plugin does not run on this pytest.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:
        for mode in schemathesis.GenerationMode:
            exercise(operation, mode)
    assert {"POST /api/ask (positive)", "POST /api/ask (negative)", "POST /api/feedback (negative)"} <= set(CASES)
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    report = {"total": sum(CASES.values()), "per_operation": CASES}
    (artifacts / "schemathesis.json").write_text(json.dumps(report, indent=1))
    assert sum(CASES.values()) >= 500
