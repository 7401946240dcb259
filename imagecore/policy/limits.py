"""The limits in force for one member: the bot's defaults, the server's settings and the
member's roles merged in one place, for admission and for /imagine-quota alike."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imagecore.policy.guild_settings import BotDefaults, GuildSettings

__all__ = ["EffectiveLimits", "effective_limits"]


@dataclass(frozen=True, slots=True)
class EffectiveLimits:
    """What holds for this member now. For a member with the server's exempt role the
    per-member limits are already lifted (no cooldown, no daily count); ``exempt`` says why.
    The server's daily cap and the queue's pending limit hold for everyone."""

    cooldown_seconds: int
    max_pending_per_user: int
    user_daily_images: int | None  # None: no daily limit
    guild_daily_images: int | None
    exempt: bool = False

    @property
    def needs_usage(self) -> bool:
        """Whether admission needs today's counts at all (reading them costs a query)."""
        return self.user_daily_images is not None or self.guild_daily_images is not None


def effective_limits(
    defaults: BotDefaults, server: GuildSettings, role_ids: Collection[int]
) -> EffectiveLimits:
    """The server's value where it set one, else the bot's."""
    exempt = server.exempt_role_id is not None and server.exempt_role_id in role_ids
    pending = defaults.max_pending_per_user
    if server.max_pending_per_user is not None:
        # The queue enforces the bot's limit anyway; a server can only lower it, even if
        # the bot's was lowered after the server stored a higher one.
        pending = min(server.max_pending_per_user, pending)
    cooldown = _first(server.cooldown_seconds, defaults.cooldown_seconds) or 0
    user_daily = _first(server.user_daily_images, defaults.user_daily_images)
    return EffectiveLimits(
        cooldown_seconds=0 if exempt else cooldown,
        max_pending_per_user=pending,
        user_daily_images=None if exempt else user_daily,
        guild_daily_images=_first(server.guild_daily_images, defaults.guild_daily_images),
        exempt=exempt,
    )


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)
