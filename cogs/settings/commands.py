"""/imagine-settings: moderators tune their server from Discord. Every reply is private,
and every change is checked by the core's rules before it is stored."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs.settings.actions import guild_id_of
from cogs.settings.checks import own_channel, own_role
from cogs.settings.format import LANGUAGE_NAMES, describe_setting
from cogs.settings.lists import ListCommands
from cogs.settings.reset_view import RESET_QUESTION, KeepButton, ResetButton, reset_question
from cogs.utils.errors import InvalidInput
from cogs.utils.replies import tell_privately
from cogs.utils.voices import private_language
from imagecore.i18n import N_, Message
from imagecore.i18n.languages import SERVER_LANGUAGE_CHOICES
from imagecore.i18n.sizes import localized_size_label
from imagecore.policy.admission import utc_day
from imagecore.policy.guild_settings import effective_settings
from imagecore.policy.sizes import size_label
from imagecore.policy.validation import LIMIT_BOUNDS

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["SettingsCog", "setup"]

log = logging.getLogger(__name__)

DEFAULT_FIELDS = (
    "size",
    "negative_prompt",
    "prompt_extend",
    "watermark",
    "model",
    "count",
    "edit_model",
    "editing",
)
LIMIT_FIELDS = (*LIMIT_BOUNDS, "exempt_role_id")

# Discord names the permission "Manage Server"; say it as Discord does in your language.
ONLY_MODERATORS = N_("Only moderators with Manage Server can change these settings.")
GIVE_AN_OPTION = N_("Give at least one option to change.")
# Translators: {channel} is a channel mention; "Send Messages" is Discord's permission,
# named as Discord names it in your language.
CANT_SEND_THERE = N_("I can't send messages in {channel}; give me Send Messages there first.")
# Translators: /imagine-settings stats. {count} and the others are numbers of images.
STATS_TODAY = N_("**Images today:** {count}")
STATS_WEEK = N_("**Last 7 days:** {images} (of {requests} requests)")
# Translators: {members} is a list of member mentions, each with a number of images.
STATS_TOP = N_("**Top members (7 days):** {members}")
# Translators: {failures} lists kinds of failure (internal names such as ContentRejected),
# each with a count.
STATS_FAILURES = N_("**Failures (7 days):** {failures}")
NOBODY_YET = N_("nobody yet")
NO_FAILURES = N_("none")


def clear_choices(names: tuple[str, ...]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=n.replace("_", " "), value=n) for n in names]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(ListCommands, commands.GroupCog, group_name="imagine-settings"):
    """Server settings for /imagine (moderators)."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ResetButton, KeepButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ResetButton, KeepButton)

    async def interaction_check(self, interaction: discord.Interaction[ImageBot]) -> bool:
        # default_permissions only hides the command; the bot checks again.
        perms = interaction.permissions
        if interaction.guild is None or not (perms.manage_guild or perms.administrator):
            await tell_privately(interaction, ONLY_MODERATORS)
            return False
        if interaction.command is not None and interaction.command.name != "reset":
            # Acknowledge before touching the database: a locked one may take seconds.
            await interaction.response.defer(ephemeral=True, thinking=True)
        return True

    # -- show, stats, reset ---------------------------------------------------------

    @app_commands.command(name="show", description="Every setting in force and where it comes from")
    async def show(self, interaction: discord.Interaction[ImageBot]) -> None:
        settings = await self.bot.storage.guild_settings(guild_id_of(interaction))
        language = private_language(interaction)
        in_force = effective_settings(settings, self.bot.defaults)
        await tell_privately(interaction, [describe_setting(s, language) for s in in_force])

    @app_commands.command(
        name="stats", description="Images made today and this week, top members, failures"
    )
    async def stats(self, interaction: discord.Interaction[ImageBot]) -> None:
        stats = await self.bot.storage.guild_stats(
            guild_id_of(interaction), today=utc_day(self.bot.clock())
        )
        top = ", ".join(f"<@{user}> {count}" for user, count in stats.top_users_7d)
        failures = ", ".join(
            f"{name} {count}" for name, count in sorted(stats.failures_by_class_7d.items())
        )
        week = {"images": stats.images_7d, "requests": stats.jobs_7d}
        await tell_privately(
            interaction,
            [
                Message(STATS_TODAY, {"count": stats.images_today}),
                Message(STATS_WEEK, week),
                Message(STATS_TOP, {"members": top or Message(NOBODY_YET)}),
                Message(STATS_FAILURES, {"failures": failures or Message(NO_FAILURES)}),
            ],
        )

    @app_commands.command(name="reset", description="Put every setting back to the bot's defaults")
    async def reset(self, interaction: discord.Interaction[ImageBot]) -> None:
        language = private_language(interaction)
        await interaction.response.send_message(
            language.say(RESET_QUESTION),
            view=reset_question(self.bot.clock(), language),
            ephemeral=True,
        )

    # -- defaults, limits, log channel ---------------------------------------------

    @app_commands.command(
        name="defaults", description="Image options used when members leave them out"
    )
    @app_commands.describe(
        size="Default size",
        negative_prompt="Default negative prompt",
        prompt_extend="Let the model expand prompts",
        watermark="Add the provider's watermark",
        model="Model to use",
        count="Images per /imagine when the member gives no count",
        edit_model="Model for /imagine-edit and the Edit buttons",
        editing="Let members edit images (off: /imagine-edit and Edit are refused)",
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
        count: app_commands.Range[int, 1, 10] | None = None,
        edit_model: str | None = None,
        editing: bool | None = None,
        clear: str | None = None,
    ) -> None:
        given = {
            "size": size,
            "negative_prompt": negative_prompt,
            "prompt_extend": prompt_extend,
            "watermark": watermark,
            "model": model,
            "count": count,
            "edit_model": edit_model,
            "editing": editing,
        }
        await self.change_given(interaction, given, clear)

    @defaults.autocomplete("size")
    async def size_choices(
        self, interaction: discord.Interaction[ImageBot], current: str
    ) -> list[app_commands.Choice[str]]:
        language = private_language(interaction)
        labels = {s: localized_size_label(language, s) for s in self.bot.config.image_sizes}
        wanted = current.lower()
        return [
            app_commands.Choice(name=label, value=s)
            for s, label in labels.items()
            if wanted in label.lower() or wanted in size_label(s).lower() or current in s
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

    @defaults.autocomplete("edit_model")
    async def edit_model_choices(
        self, interaction: discord.Interaction[ImageBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=m, value=m)
            for m in self.bot.config.image_edit_models
            if current.lower() in m.lower()
        ][:25]

    @app_commands.command(
        name="language", description="The language of this server's status, results and logs"
    )
    @app_commands.describe(
        language="auto follows the server's Discord language; members' own answers stay theirs"
    )
    @app_commands.choices(
        language=[
            app_commands.Choice(name=LANGUAGE_NAMES[tag], value=tag)
            for tag in SERVER_LANGUAGE_CHOICES
        ]
    )
    async def language(self, interaction: discord.Interaction[ImageBot], language: str) -> None:
        await self.change(interaction, language=language)

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
        given = {
            "cooldown_seconds": cooldown_seconds,
            "max_pending_per_user": pending_per_user,
            "user_daily_images": user_daily,
            "guild_daily_images": server_daily,
            "exempt_role_id": own_role(interaction, exempt_role).id if exempt_role else None,
        }
        await self.change_given(interaction, given, clear)

    async def change_given(
        self, interaction: discord.Interaction, given: dict[str, Any], clear: str | None
    ) -> None:
        changes = {name: value for name, value in given.items() if value is not None}
        if clear is not None:
            changes[clear] = None
        if not changes:
            raise InvalidInput(GIVE_AN_OPTION)
        await self.change(interaction, **changes)

    @app_commands.command(
        name="log-channel",
        description="Where setting changes and refusals are posted (empty: nowhere)",
    )
    @app_commands.describe(channel="The channel for the log; leave it out to post nowhere")
    async def log_channel(
        self, interaction: discord.Interaction[ImageBot], channel: discord.TextChannel | None = None
    ) -> None:
        if channel is not None:
            own_channel(interaction, channel)
            if not channel.permissions_for(channel.guild.me).send_messages:
                raise InvalidInput(Message(CANT_SEND_THERE, {"channel": channel.mention}))
        await self.change(interaction, log_channel_id=channel.id if channel else None)


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(SettingsCog(bot))
