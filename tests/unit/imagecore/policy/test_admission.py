from __future__ import annotations

from datetime import UTC, datetime

import pytest

from imagecore.policy.admission import RequestContext, check_admission, next_reset, utc_day
from imagecore.policy.blocked_words import InvalidRule, compile_rule, first_match
from imagecore.policy.guild_settings import BotDefaults, GuildSettings

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
    base = dict(
        guild_id=1,
        channel_id=10,
        role_ids=[],
        prompt="a cat",
        negative_prompt="",
        now=NOON,
        last_job_at=None,
        user_today=0,
        guild_today=0,
        pending=0,
    )
    return RequestContext(**(base | overrides))


def test_nothing_set_lets_everything_through():
    assert check_admission(GuildSettings(), ctx()) is None


def test_channel_allow_list():
    settings = GuildSettings(allowed_channel_ids=(11, 12))
    assert check_admission(settings, ctx()).kind == "channel"
    assert check_admission(settings, ctx(channel_id=12)) is None


def test_role_allow_list():
    settings = GuildSettings(allowed_role_ids=(5,))
    assert check_admission(settings, ctx(role_ids=[4])).kind == "role"
    assert check_admission(settings, ctx(role_ids=[4, 5])) is None


def test_blocked_words_name_the_rule_and_check_the_negative_prompt_too():
    settings = GuildSettings(blocked_words=("gore", "re:^nsfw"))
    assert check_admission(settings, ctx(prompt="lots of GORE")).detail == "gore"
    assert check_admission(settings, ctx(prompt="gorey")) is None  # whole words only
    assert (
        check_admission(settings, ctx(prompt="x", negative_prompt="nsfw stuff")).detail
        == "re:^nsfw"
    )


def test_cooldown_and_its_exempt_role():
    settings = GuildSettings(cooldown_seconds=30, exempt_role_id=7)
    refusal = check_admission(settings, ctx(last_job_at=NOON - 10))
    assert refusal.kind == "cooldown" and refusal.retry_at == NOON + 20
    assert check_admission(settings, ctx(last_job_at=NOON - 31)) is None
    assert check_admission(settings, ctx(last_job_at=NOON - 10, role_ids=[7])) is None


def test_daily_limits_count_pending_jobs_and_reset_at_utc_midnight():
    settings = GuildSettings(user_daily_images=5, guild_daily_images=100, exempt_role_id=7)
    refusal = check_admission(settings, ctx(user_today=3, pending=2))
    assert refusal.kind == "user_daily"
    assert refusal.retry_at == datetime(2026, 11, 26, tzinfo=UTC).timestamp()
    assert check_admission(settings, ctx(user_today=3, pending=1)) is None
    assert check_admission(settings, ctx(user_today=9, role_ids=[7])) is None
    # The server's cap holds even for the exempt role: it is what the owner pays.
    assert check_admission(settings, ctx(guild_today=100, role_ids=[7])).kind == "guild_daily"


def test_bot_limits_apply_where_the_server_set_none():
    limits = BOT.limits_for(GuildSettings())
    assert limits.max_pending_per_user == 3
    assert BOT.limits_for(GuildSettings(max_pending_per_user=9)).max_pending_per_user == 9


def test_precedence_member_then_server_then_bot():
    server = GuildSettings(
        size="1664*928", negative_prompt="text", prompt_extend=False, model="qwen-image-plus"
    )
    request = BOT.resolve(
        server,
        prompt=" cat ",
        negative_prompt=None,
        size=None,
        prompt_extend=None,
        watermark=None,
        seed=None,
    )
    assert (request.size, request.negative_prompt, request.prompt_extend, request.model) == (
        "1664*928",
        "text",
        False,
        "qwen-image-plus",
    )
    assert request.watermark is False and request.prompt == "cat"
    request = BOT.resolve(
        server,
        prompt="cat",
        negative_prompt="blur",
        size="1328*1328",
        prompt_extend=True,
        watermark=True,
        seed=3,
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
    request = BOT.resolve(
        server,
        prompt="cat",
        negative_prompt=None,
        size=None,
        prompt_extend=None,
        watermark=None,
        seed=None,
    )
    assert (request.size, request.model) == ("1328*1328", "qwen-image")


@pytest.mark.parametrize("rule", ["re:(a+)+$", "re:(", "re:.*", "", "re:", "x" * 101])
def test_bad_rules_are_refused_with_a_reason(rule):
    with pytest.raises(InvalidRule):
        compile_rule(rule)


def test_a_slow_rule_already_stored_cannot_hang_matching():
    # Stored before validation existed, say: matching still returns promptly.
    assert first_match(("re:(a+)+$",), "a" * 5000 + "!") is None


def test_utc_day_and_reset():
    assert str(utc_day(NOON)) == "2026-11-25"
    assert next_reset(NOON) - NOON == 12 * 3600
