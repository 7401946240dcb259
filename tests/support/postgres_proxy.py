"""TEST_POSTGRES_URL's server behind a TCPProxy, for end-to-end tests that make the
database unreachable or silent while the bot runs."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from tests.support.tcp_proxy import TCPProxy

__all__ = ["POSTGRES_URL", "postgres_behind_proxy"]

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


@contextlib.asynccontextmanager
async def postgres_behind_proxy() -> AsyncIterator[tuple[TCPProxy, str]]:
    """The proxy and the database URL through it, on an empty schema (the bot migrates it)."""
    assert POSTGRES_URL is not None, "only for tests defined when TEST_POSTGRES_URL is set"
    url = urlsplit(POSTGRES_URL)
    assert url.hostname is not None
    await _fresh_schema(POSTGRES_URL)
    async with TCPProxy(url.hostname, url.port or 5432) as proxy:
        netloc = f"{url.username or 'postgres'}@127.0.0.1:{proxy.port}"
        yield proxy, url._replace(netloc=netloc).geturl()


async def _fresh_schema(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
