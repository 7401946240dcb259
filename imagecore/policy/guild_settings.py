"""What moderators set for their server, and how it merges with the bot's own defaults.

Precedence for image options: the member's option > the server's default > the bot's
`.env` default. ``None`` in a server's settings means "not set here: use the bot's".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from imagecore.api.request import ImageRequest
from imagecore.editing.capabilities import ModelCapabilities, capabilities_for
from imagecore.policy.options import ImagineOptions
from imagecore.policy.sizes import normalise_size

__all__ = [
    "BotDefaults",
    "EffectiveSetting",
    "GuildSettings",
    "SettingChange",
    "effective_settings",
]


@dataclass(frozen=True, slots=True)
class GuildSettings:
    # Image defaults
    size: str | None = None
    negative_prompt: str | None = None
    prompt_extend: bool | None = None
    watermark: bool | None = None
    model: str | None = None
    count: int | None = None  # images per /imagine when the member gives no count
    edit_model: str | None = None  # the model of /imagine-edit and the Edit buttons
    editing: bool | None = None  # False: no editing on this server
    # The language of public messages: "auto" or None follows the server's Discord locale.
    language: str | None = None
    # Limits (None: the bot's default, which for most is "no limit")
    cooldown_seconds: int | None = None
    max_pending_per_user: int | None = None
    user_daily_images: int | None = None
    guild_daily_images: int | None = None
    exempt_role_id: int | None = None
    # Where and by whom /imagine may be used (empty: everywhere / everyone)
    allowed_channel_ids: tuple[int, ...] = ()
    allowed_role_ids: tuple[int, ...] = ()
    blocked_words: tuple[str, ...] = ()
    log_channel_id: int | None = None

    def with_changes(self, **changes: Any) -> GuildSettings:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True, slots=True)
class SettingChange:
    """One recorded change: who changed what, when, from what to what."""

    guild_id: int
    actor_id: int
    name: str
    old: Any
    new: Any
    at: float  # Unix time


@dataclass(frozen=True, slots=True)
class EffectiveSetting:
    name: str
    value: Any
    source: str  # "server" or "bot default"


@dataclass(frozen=True, slots=True)
class BotDefaults:
    size: str
    negative_prompt: str
    prompt_extend: bool
    watermark: bool
    model: str
    max_pending_per_user: int
    cooldown_seconds: int = 0
    user_daily_images: int | None = None
    guild_daily_images: int | None = None
    models: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    count: int = 1
    max_images: int = 4  # MAX_IMAGES_PER_REQUEST: no count, given or default, goes past it
    edit_model: str = "qwen-image-edit-plus"
    edit_models: tuple[str, ...] = ()
    editing: bool = True
    language: str = "auto"
    # The self-hoster's overrides of what each model takes (IMAGE_MODEL_CAPABILITIES).
    capabilities: Mapping[str, ModelCapabilities] = field(default_factory=dict)

    def capabilities_of(self, model: str) -> ModelCapabilities:
        return capabilities_for(model, self.capabilities)

    def edit_model_for(self, server: GuildSettings) -> str:
        """The server's edit model while the bot still offers it, else the bot's."""
        offered = self.edit_models or (self.edit_model,)
        chosen = server.edit_model
        return chosen if chosen is not None and chosen in offered else self.edit_model

    def editing_for(self, server: GuildSettings) -> bool:
        return self.editing if server.editing is None else server.editing

    def resolve(self, server: GuildSettings, options: ImagineOptions) -> ImageRequest:
        """The member's option > the server's default > the bot's default. A server default
        the owner has since withdrawn (a size or model no longer offered) is skipped.

        Raises ValueError with a member-readable reason (a size not offered, a prompt too
        long...)."""
        size = normalise_size(options.size, self.sizes) if options.size else None
        server_size = server.size if server.size in self.sizes else None
        server_model = server.model if server.model in self.models else None
        return ImageRequest(
            prompt=options.prompt.strip(),
            model=server_model or self.model,
            size=size or server_size or self.size,
            prompt_extend=_first(options.prompt_extend, server.prompt_extend, self.prompt_extend),
            watermark=_first(options.watermark, server.watermark, self.watermark),
            negative_prompt=(
                options.negative_prompt or server.negative_prompt or self.negative_prompt
            ).strip(),
            seed=options.seed,
        )


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def effective_settings(server: GuildSettings, bot: BotDefaults) -> list[EffectiveSetting]:
    """Every setting with the value in force and where it comes from."""
    out = []
    for name in GuildSettings.names():
        value = getattr(server, name)
        if value is not None and value != ():
            out.append(EffectiveSetting(name, value, "server"))
        else:
            out.append(EffectiveSetting(name, getattr(bot, name, value), "bot default"))
    return out
