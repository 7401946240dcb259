"""Shared pieces of the storage tests: real databases only.

Every storage test runs on a SQLite file in tmp_path, and also on PostgreSQL when
TEST_POSTGRES_URL is set (CI starts one with .ci/start-postgres). Each PostgreSQL test gets
a schema of its own (``search_path`` in the URL), dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from imagecore.storage import JobRecord

__all__ = [
    "BACKENDS",
    "POSTGRES_URL",
    "START",
    "database_url_for",
    "job",
    "postgres_schema",
    "with_query",
]

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]

# 23:59:00 UTC: a minute before the daily counters roll over. The storage tests'
# clock is ``FakeClock(START)`` (tests/support/clock.py).
START = datetime(2026, 3, 1, 23, 59, tzinfo=UTC).timestamp()


def with_query(url: str, **params: str) -> str:
    joined = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}{'&' if '?' in url else '?'}{joined}"


@contextlib.asynccontextmanager
async def postgres_schema(base_url: str = POSTGRES_URL) -> AsyncIterator[str]:
    """A URL whose connections use a fresh, empty schema of their own."""
    schema = f"storage_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(base_url)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield with_query(base_url, search_path=schema)
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


@contextlib.asynccontextmanager
async def database_url_for(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        # A folder that doesn't exist yet: opening must create it.
        yield f"sqlite:///{tmp_path / 'data' / 'bot.db'}"
    else:
        async with postgres_schema() as url:
            yield url


def job(user_id: int = 7, guild_id: int | None = 100, **fields: Any) -> JobRecord:
    values: dict[str, Any] = {
        "guild_id": guild_id,
        "channel_id": 555 if guild_id is not None else None,
        "user_id": user_id,
        "prompt": "a lighthouse in fog",
        "negative_prompt": "",
        "model": "qwen-image",
        "size": "1328*1328",
        "prompt_extend": True,
        "watermark": False,
        "seed": None,
        "created_at": START,
    }
    values.update(fields)
    return JobRecord(**values)
