"""The HTTP API's request and response bodies: one model per direction, one shape per answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from faqbot.text import has_text, lone_surrogate, normalize_question, visible_pattern

MAX_QUESTION_CHARS = 1000
MAX_PAGE_CHARS = 2048
MAX_HISTORY = 10
MAX_HISTORY_ANSWER_CHARS = 4000


class HistoryTurn(BaseModel):
    """An earlier turn of the conversation, as the client kept it."""

    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="What the reader asked.")
    answer: StrictStr | None = Field(None, max_length=MAX_HISTORY_ANSWER_CHARS, description="What the bot answered.")
    source_id: StrictStr | None = Field(
        None, max_length=200, description="The `id` of the answer's first source (absent for a decline or small talk)."
    )


def _question_schema(schema: dict[str, Any]) -> None:
    """The question's limits, as validated below, published in the schema (made when it is asked for)."""
    schema.update({"minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": visible_pattern()})


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "What is green AI?", "top_k": 3}]}
    )

    # The limits are validated below (with plain messages); they are also published in the schema.
    question: StrictStr = Field(
        description="The reader's question: 1 to 1,000 characters, not only spaces, control characters or "
        "characters that show nothing (zero-width spaces, joiners, variation selectors).",
        json_schema_extra=_question_schema,
    )
    top_k: StrictInt = Field(3, ge=1, le=10, description="How many sources to return (1 to 10).")
    page: StrictStr | None = Field(
        default=None,
        max_length=MAX_PAGE_CHARS,
        description="The path (or URL) of the page the reader asks from; the widget sends it. It says which "
        "article a question about 'this page' or 'this article' means.",
    )
    history: list[HistoryTurn] | None = Field(
        default=None,
        max_length=MAX_HISTORY,
        description="The conversation's earlier turns, oldest first, at most 10: a follow-up ('why?', 'and "
        "privacy?') is answered about what the conversation is about. The server keeps no conversation state. "
        "Null or absent: the question opens the conversation.",
    )
    conversation_id: StrictStr | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="A random id the client gives a conversation, recorded with each turn for the report.",
    )

    @field_validator("top_k", mode="before")
    @classmethod
    def _integral_number(cls, value: object) -> object:
        # JSON Schema counts 5.0 as an integer; strings and booleans stay refused.
        return int(value) if isinstance(value, float) and value.is_integer() else value

    @field_validator("question")
    @classmethod
    def _question_has_text(cls, value: str) -> str:
        if lone_surrogate(value):  # "\\ud800" is valid JSON but no text: the encoder failed on it
            raise ValueError("must be text: it holds half of a UTF-16 surrogate pair")
        if not has_text(normalize_question(value)):
            raise ValueError("must not be empty or blank")
        if len(value) > MAX_QUESTION_CHARS:
            raise ValueError(f"must be at most {MAX_QUESTION_CHARS} characters (got {len(value)})")
        return value


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: Literal["faq", "passage"]
    title: str = Field(description="The article's title (or 'FAQ').")
    section: str = Field(description="The section title, or the FAQ question.")
    url: str = Field(description="A deep link: the article URL with the section's anchor.")
    text: str
    score: float


class AskResponse(BaseModel):
    """The same shape whether the bot answered or declined."""

    model_config = ConfigDict(from_attributes=True)

    answered: bool
    answer: str = Field(
        description="The answer as plain text (an FAQ answer's Markdown without its markup, a list item a line), "
        "or a polite decline when answered is false."
    )
    answer_html: str | None = Field(
        None,
        description="The answer as HTML: an FAQ answer's Markdown (links, lists, emphasis, code) rendered, or a "
        "passage's excerpt laid out as in its article (its lists as lists, its links as links); sanitised by a strict "
        "allow-list (p, br, ul, ol, li, a, em, strong, code, pre, blockquote; links keep only href and title, with "
        "rel='noopener noreferrer'). Null for small talk and declines.",
    )
    confidence: float = Field(ge=0.0, le=1.0)
    kind: Literal["faq", "passage", "smalltalk", "none"] = Field(
        description="faq or passage: answered from that source; smalltalk: a greeting, thanks... (no sources); "
        "none: declined."
    )
    answer_id: str = Field(description="Identifies this answer, for POST /api/feedback.")
    sources: list[SourceOut] = Field(description="The top_k closest matches, also when the bot declined.")
    suggestions: list[str] = Field(
        description="When declined: the closest FAQ questions ('did you mean'). When answered: another match that "
        "came nearly as close, if one did."
    )
    index_version: str
    interpreted_as: str | None = Field(
        None, description="What the question was taken to mean, when the conversation's earlier turns changed it."
    )
    follow_ups: list[str] = Field(
        default_factory=list, description="Up to 3 questions a reader is likely to ask next (not yet asked)."
    )


class FaqEntryOut(BaseModel):
    id: str
    question: str
    answer: str = Field(description="The answer as plain text.")
    answer_html: str | None = Field(None, description="The answer as sanitised HTML (as in POST /api/ask).")
    url: str
    alternates: list[str] = []


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    helpful: StrictBool
    comment: StrictStr | None = Field(None, max_length=2000)


class FeedbackResponse(BaseModel):
    recorded: bool


class WidgetConfig(BaseModel):
    contact_url: str | None = Field(
        None, description="Where 'talk to a person' sends readers (FAQBOT_CONTACT_URL or data/smalltalk.yaml)."
    )


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    ready: bool
    index_version: str | None = None
    model: str | None = None
    counts: dict[str, int] | None = None
    reason: str | None = None
    last_reload_error: str | None = None


class ErrorBody(BaseModel):
    error: str = Field(description="What is wrong, in one sentence.")
    details: list[dict[str, object]] = []


# The errors every API route may answer with, for the OpenAPI schema.
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "The body could not be read (not UTF-8 or not parseable)."},
    413: {"model": ErrorBody, "description": "The body is larger than the limit (FAQBOT_MAX_BODY_BYTES)."},
    422: {"model": ErrorBody, "description": "The request is malformed: the message says what is wrong."},
    429: {"model": ErrorBody, "description": "Too many requests from this client: see the Retry-After header."},
    503: {"model": ErrorBody, "description": "No index is loaded yet."},
}
