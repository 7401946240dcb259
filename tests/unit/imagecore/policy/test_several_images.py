"""Several images per request: budgets count images (pending ones too), the pending limit
counts requests, and every image has a seed of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from imagecore.api.request import MAX_SEED, ImageRequest
from imagecore.policy.admission import Admission, RequestContext
from imagecore.policy.guild_settings import BotDefaults, GuildSettings
from imagecore.policy.limits import effective_limits
from imagecore.policy.pending import PendingJobs
from imagecore.policy.seeds import new_job_key, with_seeds

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp()
BOT = BotDefaults(
    size="1328*1328",
    negative_prompt="",
    prompt_extend=True,
    watermark=False,
    model="qwen-image",
    max_pending_per_user=3,
)
REQUEST = ImageRequest("a cat", "qwen-image", "1328*1328", True, False)


def context(**overrides: object) -> RequestContext:
    base: dict[str, object] = {
        "guild_id": 1,
        "channel_id": 10,
        "role_ids": [],
        "prompt": "a cat",
        "negative_prompt": "",
        "now": NOON,
        "last_job_at": None,
        "user_today": 0,
        "guild_today": 0,
        "pending": 0,
    }
    return RequestContext(**(base | overrides))  # type: ignore[arg-type]


async def admit(settings: GuildSettings, ctx: RequestContext):
    return await Admission().check(settings, effective_limits(BOT, settings, ()), ctx)


async def test_a_request_for_more_images_than_left_is_refused_saying_how_many_are_left():
    settings = GuildSettings(user_daily_images=5)
    assert await admit(settings, context(user_today=1, images=4)) is None
    refusal = await admit(settings, context(user_today=1, pending=1, images=4))
    assert refusal is not None
    assert (refusal.kind, refusal.left) == ("user_daily", 3)
    # Nothing left: the plain daily-limit refusal, with no count.
    spent = await admit(settings, context(user_today=5, images=1))
    assert spent is not None and (spent.kind, spent.left) == ("user_daily", None)


async def test_the_servers_cap_counts_the_requests_images_too():
    settings = GuildSettings(guild_daily_images=10)
    refusal = await admit(settings, context(guild_today=6, guild_pending=2, images=3))
    assert refusal is not None and (refusal.kind, refusal.left) == ("guild_daily", 2)
    assert await admit(settings, context(guild_today=6, guild_pending=2, images=2)) is None


def test_a_four_image_request_is_four_pending_images_and_one_pending_request():
    pending = PendingJobs()
    four = pending.hold(7, 100, images=4)
    pending.hold(7, 100)
    assert (pending.for_user(7), pending.requests_of(7), pending.for_guild(100)) == (5, 2, 5)
    four.release()
    four.release()
    assert (pending.for_user(7), pending.requests_of(7), pending.for_guild(100)) == (1, 1, 1)
    with pytest.raises(ValueError):
        pending.hold(7, 100, images=0)


def test_without_a_seed_every_image_gets_a_random_one_of_its_own():
    requests = with_seeds(REQUEST, 4)
    seeds = [r.seed for r in requests]
    assert all(s is not None and 0 <= s <= MAX_SEED for s in seeds)
    assert len(set(seeds)) == 4  # four independent draws of 2^31: equal ones are ~1e-8
    assert {(r.prompt, r.size) for r in requests} == {("a cat", "1328*1328")}


def test_a_members_seed_is_the_first_and_the_next_follow_it():
    assert [r.seed for r in with_seeds(replace(REQUEST, seed=7), 3)] == [7, 8, 9]
    assert [r.seed for r in with_seeds(replace(REQUEST, seed=MAX_SEED), 2)] == [MAX_SEED, 0]


def test_job_keys_are_sixteen_hex_digits():
    keys = {new_job_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == 16 and int(k, 16) >= 0 for k in keys)
