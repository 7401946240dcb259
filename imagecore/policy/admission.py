"""Whether a member may have an image right now: the server's rules, checked before any
API call (and before anything is queued or paid for)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from imagecore.policy.blocked_words import first_match
from imagecore.policy.guild_settings import GuildSettings

__all__ = ["Refusal", "RequestContext", "check_admission", "next_reset", "utc_day"]


@dataclass(frozen=True, slots=True)
class RequestContext:
    guild_id: int | None
    channel_id: int | None
    role_ids: Collection[int]
    prompt: str
    negative_prompt: str
    now: float  # Unix time
    last_job_at: float | None
    user_today: int  # delivered today
    guild_today: int
    pending: int  # this member's jobs queued or running


@dataclass(frozen=True, slots=True)
class Refusal:
    kind: str  # channel, role, blocked_word, cooldown, user_daily, guild_daily
    detail: str  # the rule, the wait, the limit: for the member's sentence and the log
    retry_at: float | None = None  # Unix time when asking again can work


def utc_day(now: float) -> date:
    return datetime.fromtimestamp(now, UTC).date()


def next_reset(now: float) -> float:
    """Daily budgets reset at 00:00 UTC."""
    tomorrow = utc_day(now) + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC).timestamp()


def check_admission(settings: GuildSettings, ctx: RequestContext) -> Refusal | None:
    """The first rule the request breaks, or None. Order: where, who, what, how often."""
    if settings.allowed_channel_ids and ctx.channel_id not in settings.allowed_channel_ids:
        return Refusal("channel", ",".join(map(str, settings.allowed_channel_ids)))
    if settings.allowed_role_ids and not set(settings.allowed_role_ids) & set(ctx.role_ids):
        return Refusal("role", ",".join(map(str, settings.allowed_role_ids)))
    rule = first_match(settings.blocked_words, ctx.prompt, ctx.negative_prompt)
    if rule is not None:
        return Refusal("blocked_word", rule)
    # The exempt role skips the per-member limits; the server's own cap still holds,
    # because that one protects what the owner pays.
    exempt = settings.exempt_role_id is not None and settings.exempt_role_id in ctx.role_ids
    if not exempt:
        cooldown = settings.cooldown_seconds or 0
        if cooldown and ctx.last_job_at is not None and ctx.now < ctx.last_job_at + cooldown:
            return Refusal("cooldown", str(cooldown), retry_at=ctx.last_job_at + cooldown)
        user_limit = settings.user_daily_images
        # Images still in the queue will count once delivered: count them now.
        if user_limit is not None and ctx.user_today + ctx.pending >= user_limit:
            return Refusal("user_daily", str(user_limit), retry_at=next_reset(ctx.now))
    guild_limit = settings.guild_daily_images
    if ctx.guild_id is not None and guild_limit is not None and ctx.guild_today >= guild_limit:
        return Refusal("guild_daily", str(guild_limit), retry_at=next_reset(ctx.now))
    return None
