from __future__ import annotations

from datetime import UTC, datetime

import pytest

from imagecore.policy.admission import (
    Admission,
    Refusal,
    RequestContext,
    decide,
    next_reset,
    utc_day,
)
from imagecore.policy.blocked_words import BlockedWords, InvalidRule, compile_rule
from imagecore.policy.guild_settings import BotDefaults, GuildSettings
from imagecore.policy.limits import effective_limits
from imagecore.policy.options import ImagineOptions

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp()
BOT = BotDefaults(
    size="1328*1328",
    negative_prompt="",
    prompt_extend=True,
    watermark=False,
    model="qwen-image",
    max_pending_per_user=3,
    models=("qwen-image", "qwen-image-plus"),
    sizes=("1328*1328", "1664*928"),
)


def ctx(**overrides) -> RequestContext:
    base = {
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
    return RequestContext(**(base | overrides))


async def admit(settings: GuildSettings, context: RequestContext) -> Refusal | None:
    limits = effective_limits(BOT, settings, context.role_ids)
    return await Admission().check(settings, limits, context)


def refused(refusal: Refusal | None) -> Refusal:
    assert refusal is not None, "expected a refusal, the request was let through"
    return refusal


async def test_nothing_set_lets_everything_through():
    assert await admit(GuildSettings(), ctx()) is None


async def test_channel_allow_list():
    settings = GuildSettings(allowed_channel_ids=(11, 12))
    assert refused(await admit(settings, ctx())).kind == "channel"
    assert await admit(settings, ctx(channel_id=12)) is None


async def test_role_allow_list():
    settings = GuildSettings(allowed_role_ids=(5,))
    assert refused(await admit(settings, ctx(role_ids=[4]))).kind == "role"
    assert await admit(settings, ctx(role_ids=[4, 5])) is None


async def test_blocked_words_name_the_rule_and_check_the_negative_prompt_too():
    settings = GuildSettings(blocked_words=("gore", "re:^nsfw"))
    assert refused(await admit(settings, ctx(prompt="lots of GORE"))).detail == "gore"
    assert await admit(settings, ctx(prompt="gorey")) is None  # whole words only
    assert (
        refused(await admit(settings, ctx(prompt="x", negative_prompt="nsfw stuff"))).detail
        == "re:^nsfw"
    )


async def test_cooldown_and_its_exempt_role():
    settings = GuildSettings(cooldown_seconds=30, exempt_role_id=7)
    refusal = refused(await admit(settings, ctx(last_job_at=NOON - 10)))
    assert refusal.kind == "cooldown" and refusal.retry_at == NOON + 20
    assert await admit(settings, ctx(last_job_at=NOON - 31)) is None
    assert await admit(settings, ctx(last_job_at=NOON - 10, role_ids=[7])) is None


async def test_daily_limits_count_pending_jobs_and_reset_at_utc_midnight():
    settings = GuildSettings(user_daily_images=5, guild_daily_images=100, exempt_role_id=7)
    refusal = refused(await admit(settings, ctx(user_today=3, pending=2)))
    assert refusal.kind == "user_daily"
    assert refusal.retry_at == datetime(2026, 11, 26, tzinfo=UTC).timestamp()
    assert await admit(settings, ctx(user_today=3, pending=1)) is None
    assert await admit(settings, ctx(user_today=9, role_ids=[7])) is None
    # The server's cap holds even for the exempt role: it is what the owner pays.
    assert refused(await admit(settings, ctx(guild_today=100, role_ids=[7]))).kind == "guild_daily"


def test_bot_limits_apply_where_the_server_set_none():
    limits = effective_limits(BOT, GuildSettings(), ())
    assert limits.max_pending_per_user == 3
    # A server can only lower the bot's pending limit: the queue enforces the bot's anyway.
    assert (
        effective_limits(BOT, GuildSettings(max_pending_per_user=2), ()).max_pending_per_user == 2
    )
    assert (
        effective_limits(BOT, GuildSettings(max_pending_per_user=9), ()).max_pending_per_user == 3
    )


def test_precedence_member_then_server_then_bot():
    server = GuildSettings(
        size="1664*928", negative_prompt="text", prompt_extend=False, model="qwen-image-plus"
    )
    request = BOT.resolve(server, ImagineOptions(" cat "))
    assert (request.size, request.negative_prompt, request.prompt_extend, request.model) == (
        "1664*928",
        "text",
        False,
        "qwen-image-plus",
    )
    assert request.watermark is False and request.prompt == "cat"
    request = BOT.resolve(
        server,
        ImagineOptions(
            "cat",
            negative_prompt="blur",
            size="1328*1328",
            prompt_extend=True,
            watermark=True,
            seed=3,
        ),
    )
    assert (
        request.size,
        request.negative_prompt,
        request.prompt_extend,
        request.watermark,
        request.seed,
    ) == ("1328*1328", "blur", True, True, 3)


def test_a_withdrawn_server_default_falls_back_to_the_bot():
    server = GuildSettings(size="1472*1140", model="qwen-image-max")
    request = BOT.resolve(server, ImagineOptions("cat"))
    assert (request.size, request.model) == ("1328*1328", "qwen-image")


@pytest.mark.parametrize("rule", ["re:(a+)+$", "re:(", "re:.*", "", "re:", "x" * 101])
def test_bad_rules_are_refused_with_a_reason(rule):
    with pytest.raises(InvalidRule):
        compile_rule(rule)


def test_a_slow_rule_already_stored_cannot_hang_matching():
    # Stored before validation existed, say: matching still returns, and says it could not
    # decide rather than letting the prompt through.
    verdict = BlockedWords.compile(("re:(a+)+$",)).match("a" * 5000 + "!")
    assert verdict.kind == "unchecked" and "re:(a+)+$" in verdict.detail


def test_the_servers_images_on_their_way_count_toward_its_cap():
    settings = GuildSettings(guild_daily_images=5)
    limits = effective_limits(BOT, settings, ())
    verdict = BlockedWords.compile(()).match("a cat")
    assert decide(settings, limits, ctx(guild_today=3, guild_pending=1), verdict) is None
    late = decide(settings, limits, ctx(guild_today=3, guild_pending=2), verdict)
    assert refused(late).kind == "guild_daily"


def test_utc_day_and_reset():
    assert str(utc_day(NOON)) == "2026-11-25"
    assert next_reset(NOON) - NOON == 12 * 3600
