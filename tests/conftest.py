from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.api_standin import APIStandIn

# Storage tests collected while PostgreSQL is off: they then ran on SQLite only.
SQLITE_ONLY = pytest.StashKey[int]()


@pytest.fixture
async def api() -> AsyncIterator[APIStandIn]:
    async with APIStandIn() as standin:
        yield standin


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _storage_test(item: pytest.Item) -> bool:
    # Backend-parametrized tests carry "sqlite" as a parameter; the path catches the rest.
    callspec = getattr(item, "callspec", None)
    return "storage" in item.path.parts or (
        callspec is not None and "sqlite" in callspec.params.values()
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[SQLITE_ONLY] = sum(map(_storage_test, session.items))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if not config.stash.get(SQLITE_ONLY, 0):
        return
    # Imported here: collecting a storage test has loaded it already, and a broken storage
    # package must not stop every other test from running.
    from tests.support.storage import POSTGRES_URL

    if not POSTGRES_URL:
        # Without it the PostgreSQL variants are not collected at all, so say so.
        terminalreporter.write_line(
            "PostgreSQL storage tests did not run: set TEST_POSTGRES_URL "
            "(bash .ci/start-postgres prints one)",
            yellow=True,
        )
