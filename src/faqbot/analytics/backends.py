"""Which store keeps the question log: SQLite in the state directory when no database URL is set,
else PostgreSQL (`FAQBOT_DATABASE_URL`), which every replica writes to and `faqbot report` reads
from any machine."""

from __future__ import annotations

from pathlib import Path

from faqbot.analytics.store import DB_NAME, LogStore
from faqbot.settings import Settings


def open_store(state_dir: Path, database_url: str | None) -> LogStore:
    """The log's store; nothing is opened or created until it is first used."""
    if database_url:
        from faqbot.analytics.postgres_store import PostgresStore  # psycopg is imported only when used

        return PostgresStore(database_url)
    from faqbot.analytics.sqlite_store import SqliteStore

    return SqliteStore(state_dir / DB_NAME)


def store_for(settings: Settings) -> LogStore:
    """The store the settings name (as `faqbot serve` writes it)."""
    return open_store(settings.state_dir, database_url(settings))


def database_url(settings: Settings) -> str | None:
    return settings.database_url.get_secret_value() if settings.database_url else None
