"""until(): returns once a condition holds, and says what never happened."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.waiting import until


async def test_until_returns_once_the_condition_holds() -> None:
    flag = asyncio.Event()
    asyncio.get_running_loop().call_soon(flag.set)
    await until(flag.is_set, limit=5)
    assert flag.is_set()


async def test_until_awaits_an_async_condition() -> None:
    calls = 0

    async def third_time() -> bool:
        nonlocal calls
        calls += 1
        return calls == 3

    await until(third_time, limit=5)
    assert calls == 3


async def test_until_names_what_never_happened() -> None:
    with pytest.raises(TimeoutError, match=r"the purge did not hold within 0\.05 s"):
        await until(lambda: False, limit=0.05, what="the purge")
