"""/imagine-settings: moderators tune their server from Discord. Every reply is ephemeral."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs.settings.format import describe_change, describe_setting
from cogs.utils.errors import InvalidInput
from cogs.utils.mod_log import post_mod_log
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import SETTINGS_UNAVAILABLE
from imagecore.api.request import MAX_NEGATIVE_PROMPT
from imagecore.policy.admission import utc_day
from imagecore.policy.blocked_words import MAX_RULES, InvalidRule, compile_rule
from imagecore.policy.guild_settings import GuildSettings, effective_settings
from imagecore.policy.sizes import size_label
from imagecore.storage import StorageUnavailable

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["SettingsCog", "setup"]

log = logging.getLogger(__name__)

LIMIT_BOUNDS = {
    "cooldown_seconds": (0, 86_400),
    "max_pending_per_user": (1, 100),
    "user_daily_images": (1, 100_000),
    "guild_daily_images": (1, 1_000_000),
}
DEFAULT_FIELDS = ("size", "negative_prompt", "prompt_extend", "watermark", "model")
LIMIT_FIELDS = (*LIMIT_BOUNDS, "exempt_role_id")


def clear_choices(names: tuple[str, ...]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=n.replace("_", " "), value=n) for n in names]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(commands.GroupCog, group_name="imagine-settings"):
    """Server settings for /imagine (moderators)."""

    channels = app_commands.Group(name="channels", description="Channels where /imagine works")
    roles = app_commands.Group(name="roles", description="Roles that may use /imagine")
    blocked = app_commands.Group(
        name="blocked-words", description="Words and patterns refused in prompts"
    )

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[ImageBot]) -> bool:  # type: ignore[override]
        # default_permissions only hides the command; the bot checks again.
        perms = interaction.permissions
        if interaction.guild is None or not (perms.manage_guild or perms.administrator):
            await tell_privately(
                interaction, "Only moderators with Manage Server can change these settings."
            )
            return False
        if interaction.command is not None and interaction.command.name != "reset":
            # Acknowledge before touching the database: a locked one may take seconds.
            await interaction.response.defer(ephemeral=True, thinking=True)
        return True

    # -- helpers ----------------------------------------------------------------------

    async def change(self, interaction: discord.Interaction[ImageBot], **changes: Any) -> None:
        assert interaction.guild_id is not None
        try:
            applied = await self.bot.storage.change_guild_settings(
                interaction.guild_id, interaction.user.id, **changes
            )
            self.bot.settings_cache.invalidate(interaction.guild_id)
            settings = await self.bot.storage.guild_settings(interaction.guild_id)
        except StorageUnavailable as exc:
            log.warning("settings change failed: %s", exc)
            await tell_privately(interaction, SETTINGS_UNAVAILABLE)
            return
        await self.report(interaction, applied, settings)

    async def report(
        self, interaction: discord.Interaction[ImageBot], applied: list, settings: GuildSettings
    ) -> None:
        if not applied:
            await tell_privately(
                interaction, "Nothing changed: the settings already were like that."
            )
            return
        lines = [describe_change(c) for c in applied]
        await tell_privately(interaction, "Changed:\n" + "\n".join(f"• {line}" for line in lines))
        await post_mod_log(
            self.bot,
            settings.log_channel_id,
            f"⚙️ <@{interaction.user.id}> changed /imagine settings:\n"
            + "\n".join(f"• {line}" for line in lines),
        )

    async def current(self, interaction: discord.Interaction[ImageBot]) -> GuildSettings | None:
        assert interaction.guild_id is not None
        try:
            return await self.bot.storage.guild_settings(interaction.guild_id)
        except StorageUnavailable as exc:
            log.warning("reading settings failed: %s", exc)
            await tell_privately(interaction, SETTINGS_UNAVAILABLE)
            return None

    # -- show, stats, reset ---------------------------------------------------------

    @app_commands.command(name="show", description="Every setting in force and where it comes from")
    async def show(self, interaction: discord.Interaction[ImageBot]) -> None:
        settings = await self.current(interaction)
        if settings is None:
            return
        lines = [describe_setting(s) for s in effective_settings(settings, self.bot.defaults)]
        await tell_privately(interaction, "\n".join(lines))

    @app_commands.command(
        name="stats", description="Images made today and this week, top members, failures"
    )
    async def stats(self, interaction: discord.Interaction[ImageBot]) -> None:
        assert interaction.guild_id is not None
        try:
            stats = await self.bot.storage.guild_stats(
                interaction.guild_id, today=utc_day(self.bot.clock())
            )
        except StorageUnavailable:
            await tell_privately(interaction, SETTINGS_UNAVAILABLE)
            return
        top = ", ".join(f"<@{user}> {count}" for user, count in stats.top_users_7d) or "nobody yet"
        failures = (
            ", ".join(
                f"{name} {count}" for name, count in sorted(stats.failures_by_class_7d.items())
            )
            or "none"
        )
        await tell_privately(
            interaction,
            f"**Images today:** {stats.images_today}\n**Last 7 days:** {stats.images_7d} "
            f"(of {stats.jobs_7d} requests)\n**Top members (7 days):** {top}\n"
            f"**Failures (7 days):** {failures}",
        )

    @app_commands.command(name="reset", description="Put every setting back to the bot's defaults")
    async def reset(self, interaction: discord.Interaction[ImageBot]) -> None:
        view = ConfirmReset(self)
        await interaction.response.send_message(
            "Reset every /imagine setting of this server to the bot's defaults?",
            view=view,
            ephemeral=True,
        )

    # -- defaults and limits --------------------------------------------------------

    @app_commands.command(
        name="defaults", description="Image options used when members leave them out"
    )
    @app_commands.describe(
        size="Default size",
        negative_prompt="Default negative prompt",
        prompt_extend="Let the model expand prompts",
        watermark="Add the provider's watermark",
        model="Model to use",
        clear="Put one of these back to the bot's default",
    )
    @app_commands.choices(clear=clear_choices(DEFAULT_FIELDS))
    async def defaults(
        self,
        interaction: discord.Interaction[ImageBot],
        size: str | None = None,
        negative_prompt: str | None = None,
        prompt_extend: bool | None = None,
        watermark: bool | None = None,
        model: str | None = None,
        clear: str | None = None,
    ) -> None:
        settings = self.bot.config
        changes: dict[str, Any] = {}
        if size is not None:
            size = size.strip().replace("x", "*").replace("×", "*")
            if size not in settings.image_sizes:
                raise InvalidInput(
                    f"Unknown size `{size}`. Choose one of: "
                    + ", ".join(size_label(s) for s in settings.image_sizes)
                    + "."
                )
            changes["size"] = size
        if negative_prompt is not None:
            if len(negative_prompt) > MAX_NEGATIVE_PROMPT:
                raise InvalidInput(
                    f"The negative prompt may be at most {MAX_NEGATIVE_PROMPT} characters."
                )
            changes["negative_prompt"] = negative_prompt.strip() or None
        if prompt_extend is not None:
            changes["prompt_extend"] = prompt_extend
        if watermark is not None:
            changes["watermark"] = watermark
        if model is not None:
            if model.strip() not in settings.image_models:
                raise InvalidInput(
                    f"Unknown model `{model}`. This bot offers: "
                    + ", ".join(settings.image_models)
                    + "."
                )
            changes["model"] = model.strip()
        if clear is not None:
            changes[clear] = None
        if not changes:
            raise InvalidInput("Give at least one option to change.")
        await self.change(interaction, **changes)

    @defaults.autocomplete("size")
    async def size_choices(
        self, interaction: discord.Interaction[ImageBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=size_label(s), value=s)
            for s in self.bot.config.image_sizes
            if current.lower() in size_label(s).lower() or current in s
        ][:25]

    @defaults.autocomplete("model")
    async def model_choices(
        self, interaction: discord.Interaction[ImageBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=m, value=m)
            for m in self.bot.config.image_models
            if current.lower() in m.lower()
        ][:25]

    @app_commands.command(name="limits", description="Cooldowns and daily budgets")
    @app_commands.describe(
        cooldown_seconds="Seconds a member waits between images (0: none)",
        pending_per_user="Images one member may have waiting at once",
        user_daily="Images per member per UTC day",
        server_daily="Images for the whole server per UTC day",
        exempt_role="Members with this role skip the per-member limits",
        clear="Put one of these back to the bot's default",
    )
    @app_commands.choices(clear=clear_choices(LIMIT_FIELDS))
    async def limits(
        self,
        interaction: discord.Interaction[ImageBot],
        cooldown_seconds: int | None = None,
        pending_per_user: int | None = None,
        user_daily: int | None = None,
        server_daily: int | None = None,
        exempt_role: discord.Role | None = None,
        clear: str | None = None,
    ) -> None:
        changes: dict[str, Any] = {}
        for name, value in (
            ("cooldown_seconds", cooldown_seconds),
            ("max_pending_per_user", pending_per_user),
            ("user_daily_images", user_daily),
            ("guild_daily_images", server_daily),
        ):
            if value is None:
                continue
            low, high = LIMIT_BOUNDS[name]
            if name == "max_pending_per_user":
                # The queue enforces the bot-wide limit; a server can only lower it.
                high = self.bot.config.max_pending_per_user
            if not low <= value <= high:
                raise InvalidInput(
                    f"{name.replace('_', ' ').capitalize()} must be between {low} and {high}."
                )
            changes[name] = value
        if exempt_role is not None:
            changes["exempt_role_id"] = self.own_role(interaction, exempt_role).id
        if clear is not None:
            changes[clear] = None
        if not changes:
            raise InvalidInput("Give at least one option to change.")
        await self.change(interaction, **changes)

    @app_commands.command(
        name="log-channel",
        description="Where setting changes and refusals are posted (empty: nowhere)",
    )
    async def log_channel(
        self, interaction: discord.Interaction[ImageBot], channel: discord.TextChannel | None = None
    ) -> None:
        if channel is not None:
            self.own_channel(interaction, channel)
            perms = channel.permissions_for(channel.guild.me)
            if not perms.send_messages:
                raise InvalidInput(
                    f"I can't send messages in {channel.mention}; give me Send Messages there first."
                )
        await self.change(interaction, log_channel_id=channel.id if channel else None)

    # -- lists ----------------------------------------------------------------------

    async def edit_list(
        self,
        interaction: discord.Interaction[ImageBot],
        name: str,
        add: Any = None,
        remove: Any = None,
    ) -> None:
        settings = await self.current(interaction)
        if settings is None:
            return
        values = list(getattr(settings, name))
        if add is not None:
            if add in values:
                raise InvalidInput("That is already on the list.")
            values.append(add)
        if remove is not None:
            if remove not in values:
                raise InvalidInput("That is not on the list.")
            values.remove(remove)
        await self.change(interaction, **{name: tuple(values)})

    @channels.command(
        name="add", description="Allow /imagine in this channel (the list empty: everywhere)"
    )
    async def channels_add(
        self, interaction: discord.Interaction[ImageBot], channel: discord.TextChannel
    ) -> None:
        await self.edit_list(
            interaction, "allowed_channel_ids", add=self.own_channel(interaction, channel).id
        )

    @channels.command(name="remove", description="Take a channel off the list")
    async def channels_remove(
        self, interaction: discord.Interaction[ImageBot], channel: discord.TextChannel
    ) -> None:
        await self.edit_list(interaction, "allowed_channel_ids", remove=channel.id)

    @channels.command(name="clear", description="Allow /imagine everywhere")
    async def channels_clear(self, interaction: discord.Interaction[ImageBot]) -> None:
        await self.change(interaction, allowed_channel_ids=())

    @roles.command(
        name="add", description="Allow members with this role (the list empty: everyone)"
    )
    async def roles_add(
        self, interaction: discord.Interaction[ImageBot], role: discord.Role
    ) -> None:
        await self.edit_list(
            interaction, "allowed_role_ids", add=self.own_role(interaction, role).id
        )

    @roles.command(name="remove", description="Take a role off the list")
    async def roles_remove(
        self, interaction: discord.Interaction[ImageBot], role: discord.Role
    ) -> None:
        await self.edit_list(interaction, "allowed_role_ids", remove=role.id)

    @roles.command(name="clear", description="Let everyone use /imagine")
    async def roles_clear(self, interaction: discord.Interaction[ImageBot]) -> None:
        await self.change(interaction, allowed_role_ids=())

    @blocked.command(
        name="add", description="Refuse prompts with this word, or re:<regular expression>"
    )
    @app_commands.describe(
        rule="A whole word or phrase (any case), or re: followed by a regular expression"
    )
    async def blocked_add(
        self, interaction: discord.Interaction[ImageBot], rule: app_commands.Range[str, 1, 200]
    ) -> None:
        try:
            compiled = compile_rule(rule)
        except InvalidRule as exc:
            raise InvalidInput(str(exc)) from None
        settings = await self.current(interaction)
        if settings is None:
            return
        if len(settings.blocked_words) >= MAX_RULES:
            raise InvalidInput(f"A server may have at most {MAX_RULES} rules.")
        await self.edit_list(interaction, "blocked_words", add=compiled.text)

    @blocked.command(name="remove", description="Remove a blocked-word rule")
    async def blocked_remove(self, interaction: discord.Interaction[ImageBot], rule: str) -> None:
        await self.edit_list(interaction, "blocked_words", remove=rule.strip())

    @blocked.command(name="list", description="Show the blocked-word rules")
    async def blocked_list(self, interaction: discord.Interaction[ImageBot]) -> None:
        settings = await self.current(interaction)
        if settings is None:
            return
        rules = (
            "\n".join(f"• `{r}`" for r in settings.blocked_words) or "No rules: nothing is blocked."
        )
        await tell_privately(interaction, rules)

    # -- validation ----------------------------------------------------------------

    @staticmethod
    def own_channel(
        interaction: discord.Interaction[ImageBot], channel: discord.abc.GuildChannel
    ) -> discord.abc.GuildChannel:
        if channel.guild.id != interaction.guild_id:
            raise InvalidInput("That channel belongs to another server.")
        return channel

    @staticmethod
    def own_role(interaction: discord.Interaction[ImageBot], role: discord.Role) -> discord.Role:
        guild = interaction.guild
        if guild is None or role.guild.id != guild.id or guild.get_role(role.id) is None:
            raise InvalidInput("That role is not (or no longer) a role of this server.")
        if role.is_default():
            raise InvalidInput("Choose a specific role, not @everyone.")
        return role


class ConfirmReset(discord.ui.View):
    def __init__(self, cog: SettingsCog) -> None:
        super().__init__(timeout=120)
        self.cog = cog

    @discord.ui.button(
        label="Reset everything",
        style=discord.ButtonStyle.danger,
        custom_id="imagine:settings:reset",
    )
    async def confirm(
        self, interaction: discord.Interaction[ImageBot], button: discord.ui.Button[ConfirmReset]
    ) -> None:
        assert interaction.guild_id is not None
        try:
            before = await self.cog.bot.storage.guild_settings(interaction.guild_id)
            applied = await self.cog.bot.storage.reset_guild_settings(
                interaction.guild_id, interaction.user.id
            )
            self.cog.bot.settings_cache.invalidate(interaction.guild_id)
        except StorageUnavailable:
            await interaction.response.edit_message(content=SETTINGS_UNAVAILABLE, view=None)
            return
        self.stop()
        await interaction.response.edit_message(
            content="Reset: every setting is back to the bot's default."
            if applied
            else "Nothing to reset.",
            view=None,
        )
        if applied:
            lines = "\n".join(f"• {describe_change(c)}" for c in applied)
            await post_mod_log(
                self.cog.bot,
                before.log_channel_id,
                f"⚙️ <@{interaction.user.id}> reset /imagine settings:\n{lines}",
            )

    @discord.ui.button(
        label="Keep", style=discord.ButtonStyle.secondary, custom_id="imagine:settings:keep"
    )
    async def keep(
        self, interaction: discord.Interaction[ImageBot], button: discord.ui.Button[ConfirmReset]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing was changed.", view=None)


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(SettingsCog(bot))
