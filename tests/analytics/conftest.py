"""The question log's two backends, for tests that run on both: SQLite, and a PostgreSQL of the
session's own (initdb into a temp dir; tests.services), one fresh database per test."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from faqbot.analytics.store import DB_NAME
from tests.services import Postgres, postgres, postgres_bin, require

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    require("PostgreSQL (Debian's postgresql package)", postgres_bin())
    with postgres() as server:
        yield server


@dataclass
class Backend:
    """Where a test's question log is, and plain SQL against it."""

    name: str
    state_dir: Path
    url: str | None  # FAQBOT_DATABASE_URL; None for SQLite
    server: Postgres | None = None
    database: str = ""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.server is not None:
            return self.server.execute(sql, self.database)
        with sqlite3.connect(self.state_dir / DB_NAME) as db:
            return db.execute(sql).fetchall()

    def log_exists(self) -> bool:
        if self.server is not None:
            return bool(self.query("SELECT to_regclass('questions') IS NOT NULL")[0][0])
        return (self.state_dir / DB_NAME).exists()

    @property
    def env(self) -> dict[str, str]:
        return {"FAQBOT_STATE_DIR": str(self.state_dir), **({"FAQBOT_DATABASE_URL": self.url} if self.url else {})}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    state_dir = tmp_path / "state"
    if request.param == "sqlite":
        return Backend("sqlite", state_dir, None)
    server: Postgres = request.getfixturevalue("postgres_server")
    name = f"test_{next(_databases)}"
    return Backend("postgresql", state_dir, server.create_database(name), server, name)
