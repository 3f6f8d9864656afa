"""The HTTP contract, through the real app."""

import gzip
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from faqbot.answering.answerer import Answerer
from faqbot.answering.conversation import Turn
from faqbot.embedding.embedder import Embedder
from faqbot.index.build import build_index
from faqbot.server.app import create_app
from faqbot.server.fast_path import FastJsonRoutes
from faqbot.server.routes.ask import AskContext
from faqbot.settings import Settings

ASK_KEYS = {
    "answered",
    "answer",
    "confidence",
    "kind",
    "answer_id",
    "sources",
    "suggestions",
    "index_version",
    "interpreted_as",
    "follow_ups",
    "answer_html",
}
SOURCE_KEYS = {"id", "kind", "title", "section", "url", "text", "score"}


@pytest.fixture(scope="module")
def client(real_settings: Settings, real_embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(real_settings, embedder_factory=lambda m: real_embedder)) as test_client:
        yield test_client


@pytest.fixture
def fake_client(fake_settings: Settings, fake_factory: Callable[[str], Embedder]) -> Iterator[TestClient]:
    """The app on the fake embedder: for what does not depend on which answer comes back."""
    build_index(fake_settings, embedder_factory=fake_factory)
    with TestClient(create_app(fake_settings, embedder_factory=fake_factory)) as test_client:
        yield test_client


@pytest.mark.model
def test_ask_answers_green_ai_from_the_sustainability_section(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "What is green AI?"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ASK_KEYS
    assert body["answered"] is True and body["kind"] == "passage"
    assert len(body["sources"]) == 3 and all(set(s) == SOURCE_KEYS for s in body["sources"])
    assert body["sources"][0]["url"].endswith("#the-role-of-sustainability-in-ai")
    assert body["index_version"] == client.get("/readyz").json()["index_version"]


@pytest.mark.model
def test_a_follow_up_over_http_is_answered_as_in_process(client: TestClient, real_answerer: Answerer) -> None:
    # Over HTTP the batcher encodes the question in context; in process, the answerer itself.
    asked = "What are the economic implications of open source AI?"
    first = client.post("/api/ask", json={"question": asked}).json()
    history = [{"question": asked, "answer": first["answer"], "source_id": first["sources"][0]["id"]}]
    body = client.post("/api/ask", json={"question": "and who profits from that?", "history": history}).json()
    turns = [Turn(t["question"], t["answer"], t["source_id"]) for t in history]
    local = real_answerer.answer("and who profits from that?", history=turns)
    assert body["interpreted_as"] == local.interpreted_as is not None
    assert body["answered"] == local.answered and body["confidence"] == pytest.approx(local.confidence, abs=1e-3)
    assert [s["id"] for s in body["sources"]] == [s.id for s in local.sources]


@pytest.mark.model
def test_a_decline_has_the_same_shape(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "Who won the football world cup in 2022?", "top_k": 5}).json()
    assert set(body) == ASK_KEYS
    assert body["answered"] is False and body["kind"] == "none"
    assert len(body["sources"]) == 5 and body["suggestions"]


@pytest.mark.model
def test_the_page_asked_from_says_what_this_page_is(client: TestClient) -> None:
    question = {"question": "What is this page about?", "page": "/articles/future-of-open-source-ai-models"}
    body = client.post("/api/ask", json=question).json()
    assert body["answered"] is True and body["sources"][0]["url"].endswith("#introduction")
    assert client.post("/api/ask", json={**question, "page": None}).json()["answered"] is True  # optional


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ('{"question": ""}', "application/json", "question: must not be empty or blank"),
        ('{"question": "   \\n\\t "}', "application/json", "question: must not be empty or blank"),
        ('{"question": "\\u200b\\ufeff"}', "application/json", "question: must not be empty or blank"),
        ('{"question": "green \\ud800"}', "application/json", "question: must be text: it holds half of a UTF-16"),
        ('{"question": "' + "a" * 1001 + '"}', "application/json", "at most 1000 characters"),
        ('{"question": 42}', "application/json", "question: Input should be a valid string"),
        ('{"question": "x", "top_k": 0}', "application/json", "top_k: Input should be greater than or equal to 1"),
        ('{"question": "x", "top_k": 11}', "application/json", "top_k: Input should be less than or equal to 10"),
        ('{"question": "x", "top_k": "3"}', "application/json", "top_k: Input should be a valid integer"),
        ('{"question": "x", "extra": 1}', "application/json", "extra: Extra inputs are not permitted"),
        ('{"question": "x", "page": 7}', "application/json", "page: Input should be a valid string"),
        (
            '{"question": "x", "page": "/' + "a" * 2048 + '"}',
            "application/json",
            "page: String should have at most 2048",
        ),
        ("{}", "application/json", "question: Field required"),
        ('{"question": "x",', "application/json", "the body is not valid JSON"),
        ("[1, 2]", "application/json", "the body must be a JSON object"),
        ("", "application/json", "the request needs a JSON body"),
        ("question=hello", "application/x-www-form-urlencoded", "the body must be a JSON object"),
    ],
)
def test_bad_requests_get_a_4xx_json_error_that_says_what_is_wrong(
    fake_client: TestClient, body: str, content_type: str, message: str
) -> None:
    response = fake_client.post("/api/ask", content=body, headers={"content-type": content_type})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert message in response.json()["error"]


def test_a_body_not_in_utf8_is_named_so(fake_client: TestClient) -> None:
    """JSON sent in Latin-1 ("café" as one byte 0xe9): FastAPI's "error parsing the body" said nothing of why."""
    body = '{"question": "caf\u00e9?"}'.encode("latin-1")
    for path in ("/api/ask", "/api/feedback"):
        response = fake_client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400 and response.headers["content-type"] == "application/json"
        assert response.json()["error"].startswith("the body is not UTF-8 text (byte 17 cannot be read)")


def test_bodies_that_cannot_be_read_say_why(fake_client: TestClient) -> None:
    json_type = {"content-type": "application/json"}
    deep = fake_client.post("/api/ask", content=b'{"question":' + b"[" * 5000 + b"]" * 5000 + b"}", headers=json_type)
    assert deep.status_code == 400 and deep.json()["error"] == "the body's JSON is nested too deeply to read"
    packed = gzip.compress(b'{"question": "hi"}')
    zipped = fake_client.post("/api/ask", content=packed, headers={**json_type, "content-encoding": "gzip"})
    assert zipped.status_code == 415 and "Content-Encoding: gzip" in zipped.json()["error"]
    trailing = fake_client.post("/api/ask", content=b'{"question": "chain?"} x', headers=json_type)
    assert trailing.json()["details"] == [{"field": "", "message": "the body is not valid JSON"}]  # not "22"


def test_allowed_origins_are_matched_as_browsers_send_them(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    """ "https://Shop.example/" as configured is the Origin "https://shop.example"; a refused request
    header is named."""
    settings = fake_settings.model_copy(update={"allowed_origins": ["https://Shop.example/"]})
    settings = Settings.model_validate(settings.model_dump())
    build_index(settings, embedder_factory=fake_factory)
    ask = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(settings, embedder_factory=fake_factory)) as c:
        allowed = c.options("/api/ask", headers={**ask, "Access-Control-Request-Headers": "content-type"})
        refused = c.options("/api/ask", headers={**ask, "Access-Control-Request-Headers": "content-type, x-token"})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert refused.status_code == 400 and "the header x-token may not be sent" in refused.json()["error"]


@pytest.mark.model
def test_faq_health_ready_and_docs(client: TestClient) -> None:
    faq = client.get("/api/faq").json()
    assert len(faq) == 5 and {"id", "question", "answer", "url"} <= set(faq[0])
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["ready"] is True and ready["model"] == "all-MiniLM-L6-v2" and ready["counts"]["faq"] == 5
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/ask" in spec["paths"] and "AskResponse" in spec["components"]["schemas"]


def test_the_api_docs_load_everything_from_this_server(fake_client: TestClient) -> None:
    """No CDN: an offline site's /docs must not come up blank."""
    html = fake_client.get("/docs").text
    assert "/openapi.json" in html
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", html), "the page loads something from elsewhere"
    urls = re.findall(r"[\"'](/docs-assets/[^\"']+\.(?:js|css))[\"']", html)
    assert len(urls) == 2  # Swagger UI's script and style sheet
    for url in urls:
        response = fake_client.get(url)
        assert response.status_code == 200 and len(response.content) > 10_000


def test_without_an_index_ready_and_ask_say_why_with_503(
    tmp_path: Path, fake_factory: Callable[[str], Embedder]
) -> None:
    settings = Settings(data_dir=tmp_path, index_dir=tmp_path / "none", model="fake-model")
    with TestClient(create_app(settings, embedder_factory=fake_factory)) as c:
        ready = c.get("/readyz")
        assert ready.status_code == 503 and "run 'faqbot build' first" in ready.json()["error"]
        ask = c.post("/api/ask", json={"question": "What is green AI?"})
        assert ask.status_code == 503 and "not ready" in ask.json()["error"]
        assert c.get("/healthz").status_code == 200


def test_an_index_of_another_model_is_a_clear_error(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    other = fake_settings.model_copy(update={"model": "another-model"})
    with TestClient(create_app(other, embedder_factory=fake_factory)) as c:
        response = c.post("/api/ask", json={"question": "What is green AI?"})
        assert response.status_code == 503
        assert "built with model 'fake-model'" in response.json()["error"]


def test_the_fast_path_answers_exactly_as_the_route_does(fake_client: TestClient) -> None:
    """An application/json request is answered before routing, by the route's own function; another
    JSON type goes through FastAPI's routing (and so its dependencies) to the same function."""
    from faqbot.server.routes.ask import ask, get_context

    app = fake_client.app
    fast_path = app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(fast_path, FastJsonRoutes):
        fast_path = fast_path.app
    assert [(key, r.endpoint) for key, r in fast_path.routes.items()] == [(("POST", "/api/ask"), ask)]
    routed_calls: list[str] = []

    async def counted(request: Request) -> object:
        routed_calls.append("routed")
        state = request.app.state
        return AskContext.from_state(state, request.state.client)

    app.dependency_overrides[get_context] = counted  # type: ignore[attr-defined]
    question = b'{"question": "What does the article say about green AI?", "top_k": 2}'
    fast = fake_client.post("/api/ask", content=question, headers={"Content-Type": "application/json"})
    assert routed_calls == []
    routed = fake_client.post("/api/ask", content=question, headers={"Content-Type": "application/vnd.faqbot+json"})
    assert routed_calls == ["routed"] and fast.status_code == routed.status_code == 200
    a, b = fast.json(), routed.json()
    assert a.pop("answer_id") != b.pop("answer_id") and a == b
    for name in ("content-type", "x-content-type-options", "content-security-policy"):
        assert fast.headers[name] == routed.headers[name]
    assert fast.headers["x-request-id"] and fast.headers["x-request-id"] != routed.headers["x-request-id"]
    assert int(fast.headers["content-length"]) == len(fast.content)
    metrics = fake_client.get("/metrics").text
    assert 'faqbot_http_requests_total{endpoint="/api/ask",status="200"} 2.0' in metrics


def test_a_malformed_json_request_gets_the_routes_own_message(fake_client: TestClient) -> None:
    for body, expected in (
        (b'{"question": "green ai", "top_k": 99}', "top_k"),
        (b'{"question": "green ai", "extra": 1}', "extra"),
        (b'{"question": ', "JSON"),
    ):
        response = fake_client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 422), body
        assert expected.lower() in response.text.lower() and "Traceback" not in response.text


def test_history_is_validated_like_the_question(fake_client: TestClient) -> None:
    turn = {"question": "What is green AI?", "answer": "Energy-efficient AI.", "source_id": "p-1"}
    for body, expected in (
        ({"question": "why?", "history": [turn] * 11}, "history"),
        ({"question": "why?", "history": [{"answer": "x"}]}, "history.0.question"),
        ({"question": "why?", "history": [{"question": 3}]}, "history.0.question"),
        ({"question": "why?", "history": [{**turn, "extra": 1}]}, "extra"),
        ({"question": "why?", "conversation_id": "not an id!"}, "conversation_id"),
    ):
        response = fake_client.post("/api/ask", json=body)
        assert response.status_code == 422 and expected in response.json()["error"], (body, response.text)
    ok = fake_client.post("/api/ask", json={"question": "why?", "history": [turn], "conversation_id": "c-1"})
    assert ok.status_code == 200 and set(ok.json()) == ASK_KEYS
    # A serializer's None for "no conversation yet" opens one, as an absent history does.
    opening = fake_client.post("/api/ask", json={"question": "why?", "history": None, "conversation_id": "c-2"})
    assert opening.status_code == 200 and opening.json() == {
        **fake_client.post("/api/ask", json={"question": "why?"}).json(),
        "answer_id": opening.json()["answer_id"],
    }
    schema = fake_client.get("/openapi.json").json()["components"]["schemas"]
    assert "history" in schema["AskRequest"]["properties"] and "HistoryTurn" in schema


def test_small_talk_and_the_widget_config_over_http(
    fake_settings: Settings, fake_factory: Callable[[str], Embedder]
) -> None:
    build_index(fake_settings, embedder_factory=fake_factory)
    settings = fake_settings.model_copy(update={"contact_url": "https://example.org/contact"})
    with TestClient(create_app(settings, embedder_factory=fake_factory)) as client:
        hello = client.post("/api/ask", json={"question": "Hello!"}).json()
        assert hello["kind"] == "smalltalk" and hello["answered"] and hello["sources"] == []
        human = client.post("/api/ask", json={"question": "can I talk to a person?"}).json()
        assert "https://example.org/contact" in human["answer"]
        assert client.get("/api/widget").json() == {"contact_url": "https://example.org/contact"}


@pytest.mark.model
def test_history_questions_that_show_nothing_or_are_no_text_are_no_topic(client: TestClient) -> None:
    """History is context: a blank entry is left out, not refused (the question itself must show: 422);
    one holding half a UTF-16 pair is refused, as anywhere in a request, and never reaches the encoder."""

    def ask(history_question: str) -> httpx.Response:
        body = {"question": "why does it matter?", "history": [{"question": history_question}]}
        return client.post("/api/ask", content=json.dumps(body), headers={"content-type": "application/json"})

    blank = ask("\u200b\u00ad")
    assert blank.status_code == 200 and blank.json()["interpreted_as"] is None
    assert ask("green \ud800").status_code == 422
