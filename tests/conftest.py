from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.api_standin import APIStandIn


@pytest.fixture
async def api() -> AsyncIterator[APIStandIn]:
    async with APIStandIn() as standin:
        yield standin


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session
