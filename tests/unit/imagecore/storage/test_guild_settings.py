"""Guild settings on real databases: every field round-trips, changes are audited old to
new with their actor, bad changes write nothing, reset is a change like any other."""

from __future__ import annotations

import pytest

from imagecore.policy.guild_settings import GuildSettings
from imagecore.storage import Storage
from tests.support.clock import FakeClock

GUILD = 100
ALICE, BOB, CAROL = 7, 8, 9


async def test_an_unknown_guild_has_every_setting_unset(storage: Storage) -> None:
    assert await storage.guild_settings(12345) == GuildSettings()
    assert await storage.setting_changes(12345) == []


async def test_every_setting_round_trips_including_tuples(storage: Storage) -> None:
    values = {
        "size": "1664*928",
        "negative_prompt": "blurry, text",
        "prompt_extend": False,
        "watermark": True,
        "model": "qwen-image-plus",
        "count": 3,
        "edit_model": "qwen-image-edit-max",
        "editing": False,
        "language": "zh-TW",
        "cooldown_seconds": 45,
        "max_pending_per_user": 2,
        "user_daily_images": 20,
        "guild_daily_images": 300,
        "exempt_role_id": 2**62 + 1,  # Discord ids need 64 bits
        "allowed_channel_ids": (2**60 + 1, 2**60 + 2),
        "allowed_role_ids": [2**61 + 3],  # a list is taken as the tuple it means
        "blocked_words": ("gore", "naïve café", ""),
        "log_channel_id": 2**60 + 9,
    }
    assert set(values) == set(GuildSettings.names())
    changes = await storage.change_guild_settings(GUILD, ALICE, **values)
    assert [c.name for c in changes] == list(values)
    expected = GuildSettings(**{**values, "allowed_role_ids": (2**61 + 3,)})
    assert await storage.guild_settings(GUILD) == expected
    assert await storage.guild_settings(GUILD + 1) == GuildSettings()  # other guilds untouched


async def test_the_audit_records_only_real_changes_old_to_new_with_the_actor(
    storage: Storage, clock: FakeClock
) -> None:
    first = await storage.change_guild_settings(GUILD, ALICE, size="1024*1024")
    assert [(c.name, c.old, c.new, c.actor_id) for c in first] == [
        ("size", None, "1024*1024", ALICE)
    ]
    clock.advance(60)
    second = await storage.change_guild_settings(
        GUILD, BOB, size="1024*1024", allowed_role_ids=(1, 2), watermark=None
    )
    assert [(c.name, c.old, c.new, c.actor_id, c.at) for c in second] == [
        ("allowed_role_ids", (), (1, 2), BOB, clock.now)
    ]
    clock.advance(60)
    third = await storage.change_guild_settings(GUILD, CAROL, allowed_role_ids=(2,), size=None)
    assert {(c.name, c.old, c.new) for c in third} == {
        ("allowed_role_ids", (1, 2), (2,)),
        ("size", "1024*1024", None),
    }
    assert await storage.change_guild_settings(GUILD, CAROL, size=None) == []

    history = await storage.setting_changes(GUILD)
    assert [(c.name, c.actor_id) for c in history[:2]] == [(c.name, CAROL) for c in third][::-1]
    assert [(c.name, c.old, c.new, c.actor_id) for c in history[2:]] == [
        ("allowed_role_ids", (), (1, 2), BOB),
        ("size", None, "1024*1024", ALICE),
    ]
    assert [c.at for c in history] == sorted((c.at for c in history), reverse=True)
    assert len(await storage.setting_changes(GUILD, limit=2)) == 2
    assert await storage.setting_changes(GUILD + 1) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"cooldown_seconds": 10, "colour": "red"},  # one unknown name spoils the lot
        {"cooldown_seconds": "10"},
        {"prompt_extend": 1},
        {"cooldown_seconds": True},
        {"allowed_role_ids": ("123",)},
        {"blocked_words": "gore"},
    ],
)
async def test_a_bad_change_is_rejected_and_nothing_is_written(
    storage: Storage, changes: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        await storage.change_guild_settings(GUILD, ALICE, **changes)
    assert await storage.guild_settings(GUILD) == GuildSettings()
    assert await storage.setting_changes(GUILD) == []


async def test_reset_goes_back_to_defaults_audited(storage: Storage) -> None:
    await storage.change_guild_settings(GUILD, ALICE, model="m2", allowed_channel_ids=(5,))
    await storage.change_guild_settings(GUILD + 1, ALICE, model="m3")
    reset = await storage.reset_guild_settings(GUILD, BOB)
    assert {(c.name, c.old, c.new, c.actor_id) for c in reset} == {
        ("model", "m2", None, BOB),
        ("allowed_channel_ids", (5,), (), BOB),
    }
    assert await storage.guild_settings(GUILD) == GuildSettings()
    assert (await storage.guild_settings(GUILD + 1)).model == "m3"
    assert await storage.reset_guild_settings(GUILD, BOB) == []
    assert len(await storage.setting_changes(GUILD)) == 4
