"""Fixtures of the storage tests: every database backend there is to test (a SQLite file,
and PostgreSQL when TEST_POSTGRES_URL is set), a hand-moved clock, and a storage on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from imagecore.storage import Storage
from tests.support.clock import FakeClock
from tests.support.storage import BACKENDS, START, database_url_for


@pytest.fixture(params=BACKENDS)
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database_url_for(request.param, tmp_path) as database_url:
        yield database_url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def storage(url: str, clock: FakeClock) -> AsyncIterator[Storage]:
    opened = await Storage.open(url, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()
