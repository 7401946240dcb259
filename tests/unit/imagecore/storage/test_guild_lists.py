"""List settings edited in one locked transaction: concurrent moderators (in one process or
two) all land, the audit log replays to the stored list, and the cap holds under a race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from imagecore.policy.guild_settings import GuildSettings, SettingChange
from imagecore.storage import AlreadyListed, ListEditError, ListFull, NotListed, Storage
from tests.support.clock import FakeClock
from tests.support.storage import START

GUILD = 100
ALICE, BOB = 7, 8
CONCURRENT = 24


@pytest.fixture
async def two(url: str) -> AsyncIterator[tuple[Storage, Storage]]:
    """Two storages on one database: two bot processes, or a restart overlapping."""
    clock = FakeClock(START)
    # A generous lock wait: two dozen writers queue for one row.
    first = await Storage.open(url, clock=clock, busy_timeout_ms=30_000)
    second = await Storage.open(url, clock=clock, busy_timeout_ms=30_000)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def replay(changes: list[SettingChange], name: str) -> tuple[object, ...]:
    """The list the audit log describes: each change starts where the one before ended."""
    current: tuple[object, ...] = ()
    for change in sorted(changes, key=lambda c: c.at):
        assert change.name == name
        assert change.old == current, "an edit was based on a stale list"
        current = change.new
    return current


async def history(storage: Storage) -> list[SettingChange]:
    # Newest first; reversed, the order they were written in (same clock: by id).
    return (await storage.setting_changes(GUILD, limit=1000))[::-1]


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("allowed_channel_ids", [2**60 + n for n in range(CONCURRENT)]),
        ("blocked_words", [f"word{n}" for n in range(CONCURRENT)]),
    ],
)
async def test_concurrent_adds_all_land_and_the_audit_matches(
    two: tuple[Storage, Storage], name: str, values: list[int] | list[str]
) -> None:
    first, second = two
    results = await asyncio.gather(
        *(
            (first if n % 2 else second).edit_guild_list(GUILD, ALICE + n, name, add=value)
            for n, value in enumerate(values)
        )
    )
    assert all(len(applied) == 1 for applied in results)
    stored = getattr(await first.guild_settings(GUILD), name)
    assert sorted(stored) == sorted(values)  # none lost
    changes = await history(first)
    assert len(changes) == len(values)
    assert replay(changes, name) == stored
    assert [c.old for c in changes] == [stored[:n] for n in range(len(values))]


async def test_concurrent_adds_and_removes_interleave_without_loss(
    two: tuple[Storage, Storage],
) -> None:
    first, second = two
    kept, dropped = list(range(1, 9)), list(range(11, 19))
    for value in dropped:
        await first.edit_guild_list(GUILD, ALICE, "allowed_role_ids", add=value)
    await asyncio.gather(
        *(second.edit_guild_list(GUILD, BOB, "allowed_role_ids", add=v) for v in kept),
        *(first.edit_guild_list(GUILD, BOB, "allowed_role_ids", remove=v) for v in dropped),
    )
    stored = (await first.guild_settings(GUILD)).allowed_role_ids
    assert sorted(stored) == kept
    assert replay(await history(first), "allowed_role_ids") == stored


async def test_concurrent_adds_past_the_cap_never_exceed_it(two: tuple[Storage, Storage]) -> None:
    first, second = two
    limit = 5
    await first.edit_guild_list(GUILD, ALICE, "blocked_words", add="early", max_items=limit)
    outcomes = await asyncio.gather(
        *(
            (first if n % 2 else second).edit_guild_list(
                GUILD, BOB, "blocked_words", add=f"w{n}", max_items=limit
            )
            for n in range(CONCURRENT)
        ),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(o, ListFull) and o.limit == limit for o in refused), refused
    assert len(refused) == CONCURRENT - (limit - 1)
    stored = (await first.guild_settings(GUILD)).blocked_words
    assert len(stored) == limit and stored[0] == "early"
    changes = await history(first)
    assert len(changes) == limit  # a refused add leaves no audit row
    assert replay(changes, "blocked_words") == stored


async def test_refusals_say_why_and_write_nothing(url: str) -> None:
    storage = await Storage.open(url, clock=FakeClock(START))
    try:
        with pytest.raises(NotListed, match="not on the list"):
            await storage.edit_guild_list(GUILD, ALICE, "allowed_channel_ids", remove=5)
        # Nothing was written, not even an audit row.
        assert await storage.guild_settings(GUILD) == GuildSettings()
        assert await storage.setting_changes(GUILD) == []
        await storage.edit_guild_list(GUILD, ALICE, "allowed_channel_ids", add=5)
        with pytest.raises(AlreadyListed, match="already on the list") as already:
            await storage.edit_guild_list(GUILD, BOB, "allowed_channel_ids", add=5)
        assert (already.value.name, already.value.value) == ("allowed_channel_ids", 5)
        with pytest.raises(ListFull, match="at most 1") as full:
            await storage.edit_guild_list(GUILD, BOB, "allowed_channel_ids", add=6, max_items=1)
        assert full.value.limit == 1
        # Removing makes room within the same edit.
        [swap] = await storage.edit_guild_list(
            GUILD, BOB, "allowed_channel_ids", add=6, remove=5, max_items=1
        )
        assert (swap.old, swap.new, swap.actor_id) == ((5,), (6,), BOB)
        for refusal in (NotListed, AlreadyListed, ListFull):
            assert issubclass(refusal, ListEditError) and issubclass(refusal, ValueError)

        for bad in (
            {"name": "model", "add": "x"},  # not a list
            {"name": "allowed_role_ids", "add": "123"},  # ids are ints
            {"name": "allowed_role_ids", "add": True},
            {"name": "blocked_words", "add": 5},
            {"name": "blocked_words"},  # nothing to do
            {"name": "blocked_words", "add": "x", "max_items": -1},
        ):
            with pytest.raises(ValueError) as raised:
                await storage.edit_guild_list(GUILD, ALICE, **bad)  # type: ignore[arg-type]
            assert not isinstance(raised.value, ListEditError), bad
        assert (await storage.guild_settings(GUILD)).allowed_channel_ids == (6,)
        assert len(await storage.setting_changes(GUILD)) == 2
    finally:
        await storage.close()
