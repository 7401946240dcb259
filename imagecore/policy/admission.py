"""Whether a member may have an image right now: the server's rules, checked before any
API call (and before anything is queued or paid for)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from imagecore.policy.blocked_words import Verdict
from imagecore.policy.guild_settings import GuildSettings
from imagecore.policy.limits import EffectiveLimits
from imagecore.policy.rule_book import RuleBook

__all__ = [
    "REFUSAL_KINDS",
    "Admission",
    "Refusal",
    "RequestContext",
    "decide",
    "next_reset",
    "utc_day",
]

# "unchecked": the blocked-word rules could not all be tried on the prompt in time (or a
# stored rule is broken), so it is refused rather than let through unchecked.
REFUSAL_KINDS = (
    "channel",
    "role",
    "blocked_word",
    "unchecked",
    "cooldown",
    "user_daily",
    "guild_daily",
)


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
    pending: int  # this member's images queued, being made or being posted
    guild_pending: int = 0  # the same for the whole server
    images: int = 1  # how many images this request asks for


@dataclass(frozen=True, slots=True)
class Refusal:
    kind: str  # one of REFUSAL_KINDS
    detail: str  # the rule, the wait, the limit: for the member's sentence and the log
    retry_at: float | None = None  # Unix time when asking again can work
    # A daily budget with some images left, fewer than asked for: how many are left.
    left: int | None = None


def utc_day(now: float) -> date:
    return datetime.fromtimestamp(now, UTC).date()


def next_reset(now: float) -> float:
    """Daily budgets reset at 00:00 UTC."""
    tomorrow = utc_day(now) + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC).timestamp()


def _where_and_who(settings: GuildSettings, ctx: RequestContext) -> Refusal | None:
    if settings.allowed_channel_ids and ctx.channel_id not in settings.allowed_channel_ids:
        return Refusal("channel", ",".join(map(str, settings.allowed_channel_ids)))
    if settings.allowed_role_ids and not set(settings.allowed_role_ids) & set(ctx.role_ids):
        return Refusal("role", ",".join(map(str, settings.allowed_role_ids)))
    return None


def _how_often(limits: EffectiveLimits, ctx: RequestContext) -> Refusal | None:
    # An exempt member's limits arrive already lifted; the server's cap still holds,
    # because that one protects what the owner pays.
    cooldown = limits.cooldown_seconds
    if cooldown and ctx.last_job_at is not None and ctx.now < ctx.last_job_at + cooldown:
        return Refusal("cooldown", str(cooldown), retry_at=ctx.last_job_at + cooldown)
    user_limit = limits.user_daily_images
    # Images still in the queue will count once delivered: count them now.
    if user_limit is not None:
        refused = _over("user_daily", user_limit, ctx.user_today + ctx.pending, ctx)
        if refused is not None:
            return refused
    guild_limit = limits.guild_daily_images
    # The server's images still on their way count too: a burst can't pass the cap.
    if ctx.guild_id is not None and guild_limit is not None:
        return _over("guild_daily", guild_limit, ctx.guild_today + ctx.guild_pending, ctx)
    return None


def _over(kind: str, limit: int, used: int, ctx: RequestContext) -> Refusal | None:
    """Refused when the request's images don't all fit in what is left of the budget; a
    request that can't have all its images gets none of them."""
    if used + ctx.images <= limit:
        return None
    left = max(0, limit - used)
    return Refusal(kind, str(limit), retry_at=next_reset(ctx.now), left=left or None)


def _what(verdict: Verdict) -> Refusal | None:
    if verdict.kind == "blocked":
        return Refusal("blocked_word", verdict.detail)
    if verdict.kind == "unchecked":
        return Refusal("unchecked", verdict.detail)
    return None


def decide(
    settings: GuildSettings, limits: EffectiveLimits, ctx: RequestContext, verdict: Verdict
) -> Refusal | None:
    """The first rule the request breaks, or None, once the blocked-word verdict is known.
    Order: where, who, what, how often."""
    return _where_and_who(settings, ctx) or _what(verdict) or _how_often(limits, ctx)


class Admission:
    """Admission for every server: owns the compiled blocked-word rules (one entry per
    server), so keep one for the bot's lifetime."""

    def __init__(self, rule_book: RuleBook | None = None) -> None:
        self.rule_book = rule_book if rule_book is not None else RuleBook()

    async def check(
        self, settings: GuildSettings, limits: EffectiveLimits, ctx: RequestContext
    ) -> Refusal | None:
        """The first rule the request breaks, or None. The prompt is matched in a worker
        thread, and only if the channel and role rules let it through."""
        early = _where_and_who(settings, ctx)
        if early is not None:
            return early
        verdict = await self.rule_book.check(
            ctx.guild_id, settings.blocked_words, ctx.prompt, ctx.negative_prompt
        )
        return decide(settings, limits, ctx, verdict)
