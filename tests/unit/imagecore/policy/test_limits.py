"""One merge of the bot's limits, the server's and the member's roles."""

from __future__ import annotations

from imagecore.policy.guild_settings import BotDefaults, GuildSettings
from imagecore.policy.limits import EffectiveLimits, effective_limits

BOT = BotDefaults(
    size="1328*1328",
    negative_prompt="",
    prompt_extend=True,
    watermark=False,
    model="qwen-image",
    max_pending_per_user=3,
    cooldown_seconds=10,
    user_daily_images=20,
    guild_daily_images=500,
)


def test_the_bots_limits_where_the_server_set_none():
    assert effective_limits(BOT, GuildSettings(), ()) == EffectiveLimits(
        cooldown_seconds=10,
        max_pending_per_user=3,
        user_daily_images=20,
        guild_daily_images=500,
        exempt=False,
    )


def test_the_servers_limits_where_it_set_them():
    server = GuildSettings(
        cooldown_seconds=0, max_pending_per_user=1, user_daily_images=5, guild_daily_images=50
    )
    limits = effective_limits(BOT, server, ())
    # 0 is a setting ("no cooldown here"), not "unset".
    assert (limits.cooldown_seconds, limits.max_pending_per_user) == (0, 1)
    assert (limits.user_daily_images, limits.guild_daily_images) == (5, 50)


def test_the_exempt_role_lifts_the_per_member_limits_only():
    server = GuildSettings(user_daily_images=5, guild_daily_images=50, exempt_role_id=7)
    limits = effective_limits(BOT, server, (4, 7))
    assert limits.exempt
    assert (limits.cooldown_seconds, limits.user_daily_images) == (0, None)
    assert (limits.max_pending_per_user, limits.guild_daily_images) == (3, 50)
    assert not effective_limits(BOT, server, (4,)).exempt


def test_counts_are_needed_only_when_a_daily_limit_holds():
    none = BotDefaults("1328*1328", "", True, False, "qwen-image", 3)
    assert not effective_limits(none, GuildSettings(), ()).needs_usage
    assert effective_limits(none, GuildSettings(guild_daily_images=9), ()).needs_usage
