"""All configuration in one place: one `Settings` object, read from `FAQBOT_*` variables.

Nothing here is instantiated at import time; the CLI builds a `Settings` and passes it down.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from faqbot.text import contact_problem

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The site's templates and static files (the widget among them) ship inside the package, so a
# plain `pip install` serves them too.
PACKAGE_WEB = Path(__file__).resolve().parent / "web"
RATE_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}

# The decline threshold on answer confidence: below it the bot declines instead of guessing.
# Chosen from data, not by hand: `faqbot eval` sweeps it and recommends the threshold with the most
# right answers while declining >= 95% of out-of-scope questions; 0.45 is where the whole quality
# suite answers most, with the launch set's out-of-scope questions 96% declined.
# Rerun it after changing the model, the corpus or retrieval, and update this one value (or
# FAQBOT_THRESHOLD).
DEFAULT_THRESHOLD = 0.45
# Rows of the question log held in memory while its database is unreachable: ~2 minutes of a
# saturated replica, ~50 MB at most.
DEFAULT_LOG_BUFFER_ROWS = 50_000


class Settings(BaseSettings):
    """faqbot's settings; every field can be set with the environment variable FAQBOT_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="FAQBOT_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Articles (articles/*.md) and FAQ files (faq/).")
    index_dir: Path = Field(Path("indexes"), description="Where built indexes are written and read.")
    model: str = Field(
        DEFAULT_MODEL,
        description="Embedding model: the bundled all-MiniLM-L6-v2, a local path, or a model name.",
    )
    embedder: str = Field(
        "",
        description="What embeds the documents at build time instead of the model: a callable module:name "
        "(precomputed vectors; bench/synthetic_embedder.py); empty: the model.",
    )
    encoder: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8",
        description="Query encoder a build prepares: the model exported to ONNX as int8 or fp32, or torch itself.",
    )
    threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="Threads per question encode (default 1); the server runs cores / this encoders side by side.",
    )
    index_type: Literal["auto", "flat", "hnsw", "ivf", "ivfpq"] = Field(
        "auto", description="FAISS index: exact flat while small, approximate beyond (auto), or forced."
    )
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0.0, le=1.0, description="Decline below this confidence.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    state_dir: Path = Field(Path("var"), description="Where feedback and logs are kept.")
    web_dir: Path = Field(PACKAGE_WEB, description="Templates and static files of the site and widget.")
    eval_set: Path = Field(Path("data/eval/launch.yaml"), description="The labelled questions for 'faqbot eval'.")
    eval_suite: Path = Field(Path("data/eval/suite.yaml"), description="The sets of 'faqbot eval --suite'.")
    benchmarks_dir: Path = Field(
        Path("benchmarks"), description="Public benchmarks brought in by 'make benchmarks' (StackFAQ, SQuAD)."
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="CORS origins for the widget's API calls."
    )
    site_name: str = Field(
        "", max_length=100, description="The site's name: home link, page titles, the widget's title."
    )
    contact_url: str = Field(
        "", description="Where 'talk to a person' sends readers (overrides data/smalltalk.yaml's contact)."
    )
    admin_token: SecretStr | None = Field(None, description="Bearer token for /admin/*; admin is off when unset.")
    reload_interval: float = Field(2.0, ge=0, description="Seconds between checks for a new index; 0 turns it off.")
    rate_limit: str = Field(
        "60/minute", description="Per client on /api/ask and /api/feedback, like 60/minute, or off."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Proxies (IPs or CIDRs) whose X-Forwarded-For is believed."
    )
    max_body_bytes: int = Field(16_384, ge=1024, description="Larger request bodies get 413 before parsing.")
    log_format: str = Field("text", pattern="^(text|json)$", description="text, or json (one object per line).")
    log_questions: bool = Field(True, description="Record questions and feedback in the state directory (off: no).")
    retention_days: int | None = Field(None, ge=1, description="Delete logged questions older than this.")
    database_url: SecretStr | None = Field(
        None,
        description="PostgreSQL for the question log and feedback, shared by replicas (postgresql://user:pw@host/db);"
        " unset: SQLite in the state directory.",
    )
    log_buffer_rows: int = Field(
        DEFAULT_LOG_BUFFER_ROWS,
        ge=100,
        description="Log rows held in memory while the database is unreachable; beyond, dropped (counted in /metrics).",
    )
    rerank: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Re-rank the best matches token by token (~25 KB of disk a passage; auto: to 3,000,000 tokens).",
    )
    window_sentences: int = Field(3, ge=1, le=20, description="Sentences per passage window.")
    window_stride: int = Field(2, ge=1, le=20, description="Sentences between the starts of two windows.")

    @field_validator("model")
    @classmethod
    def _model_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("FAQBOT_MODEL must name a model or a path")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _database_is_postgresql(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("FAQBOT_DATABASE_URL must be a postgresql:// URL (unset it for the SQLite log)")
        return value

    @field_validator("contact_url")
    @classmethod
    def _contact_is_no_script(cls, value: str) -> str:
        problem = contact_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_readable(cls, value: str) -> str:
        parse_rate(value)  # raises ValueError with the accepted forms
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        # Checked here, not per request: a typo ("localhost") made every request a 500.
        for proxy in value:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"{proxy!r} is not an IP address or network (as 10.0.0.1, 10.0.0.0/8)") from None
        return value

    @field_validator("state_dir")
    @classmethod
    def _state_dir_is_a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} is a file, not a folder")
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins_as_browsers_send_them(cls, value: list[str]) -> list[str]:
        # A browser's Origin is scheme://host[:port], in lower case, with no path: "https://Shop.example/"
        # as configured never matched one (every request from the site was refused).
        origins = [o if o == "*" else o.rstrip("/").lower() for o in value]
        for origin in origins:
            if origin != "*" and not re.fullmatch(r"https?://[^/\s?#]+", origin):
                raise ValueError(f"{origin!r} is no origin: scheme and host (and port), as https://shop.example")
        return origins

    @field_validator("allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # Accept a comma-separated list as well as JSON, which is what people type in a shell.
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError('a JSON list, as ["https://shop.example"], or a comma-separated list') from None
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value


def parse_rate(text: str) -> tuple[int, float] | None:
    """'60/minute' -> (60, 60.0) requests per seconds; 'off' -> None. Raises ValueError otherwise."""
    if text.strip().lower() == "off":
        return None
    count, _, period = text.strip().lower().partition("/")
    if not count.isdigit() or int(count) < 1 or period.rstrip("s") not in RATE_PERIODS:
        raise ValueError(f"rate limit {text!r} must look like 60/minute (per second, minute or hour) or be 'off'")
    return int(count), RATE_PERIODS[period.rstrip("s")]
