"""The two ways into an edit besides /imagine-edit: 🖌️ Edit under a result (the result's
own image is the input) and the message menu "Edit image" on any message holding a
picture. Both answer the click with a form asking for the instruction (and, for a message
with several pictures, which one); submitting it runs the edit as /imagine-edit would,
with a link back to the message."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from cogs.imagine import edit_words
from cogs.imagine.edit_sources import EditSource, images_of
from cogs.imagine.options import EditOptions
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import RESTARTING, SETTINGS_UNAVAILABLE
from cogs.utils.voices import private_language
from imagecore.api.request import MAX_PROMPT
from imagecore.i18n import Language
from imagecore.storage import StorageUnavailable

if TYPE_CHECKING:
    from bot import ImageBot
    from cogs.imagine.edit_command import ImageEditing

__all__ = ["EDIT_MENU_NAME", "EditButton", "EditModal", "build_edit_menu", "edit_buttons"]

log = logging.getLogger(__name__)

EDIT_MENU_NAME = "Edit image"
FORM_MINUTES = 15  # as long as the interaction token that opened it
MAX_CHOICES = 25  # a select's options; a message holds at most 10 attachments anyway


def editing_of(interaction: discord.Interaction[ImageBot]) -> ImageEditing | None:
    cog = interaction.client.get_cog("ImagineCog")
    return getattr(cog, "editing", None)


class EditButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"imagine:edit:(?P<key>[0-9a-f]{16}):(?P<number>[1-9]|10)",
):
    """🖌️ Edit (or 🖌️ 1 … 🖌️ 4 on a result of several): the result's image ``number``."""

    def __init__(self, key: str, number: int, label: str = "🖌️") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"imagine:edit:{key}:{number}",
            )
        )
        self.key = key
        self.number = number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[ImageBot],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> EditButton:
        return cls(match["key"], int(match["number"]))

    async def callback(self, interaction: discord.Interaction[ImageBot]) -> None:
        editing = editing_of(interaction)
        if editing is None:  # the cog is being unloaded: the bot is stopping
            await tell_privately(interaction, RESTARTING)
            return
        message = interaction.message
        images = images_of(message) if message is not None else []
        if message is None or self.number > len(images):
            await tell_privately(interaction, edit_words.RESULT_IMAGE_GONE)
            return
        await open_form(editing, interaction, message, [images[self.number - 1]])


def edit_buttons(key: str, images: int, language: Language) -> list[EditButton]:
    """One 🖌️ Edit for a single image; 🖌️ 1 … 🖌️ n for several."""
    if images <= 0:
        return []
    if images == 1:
        return [EditButton(key, 1, language.say(edit_words.BUTTON_EDIT))]
    return [EditButton(key, n, f"🖌️ {n}") for n in range(1, min(images, 10) + 1)]


def build_edit_menu(config_allow_dms: bool) -> app_commands.ContextMenu:
    """Apps → Edit image, on any message."""

    @app_commands.allowed_contexts(guilds=True, dms=config_allow_dms, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def edit_image(
        interaction: discord.Interaction[ImageBot], message: discord.Message
    ) -> None:
        editing = editing_of(interaction)
        if editing is None:
            await tell_privately(interaction, RESTARTING)
            return
        images = images_of(message)
        if not images:
            await tell_privately(interaction, edit_words.NO_IMAGE_IN_MESSAGE)
            return
        await open_form(editing, interaction, message, images)

    return app_commands.ContextMenu(name=EDIT_MENU_NAME, callback=edit_image)


async def open_form(
    editing: ImageEditing,
    interaction: discord.Interaction[ImageBot],
    message: discord.Message,
    images: Sequence[discord.Attachment],
) -> None:
    """The form is the click's answer: anything that would refuse the edit anyway (editing
    switched off here, an API style that carries no pictures) is said now, not after the
    member has typed an instruction."""
    if editing.style_refusal is not None:
        await tell_privately(interaction, editing.style_refusal)
        return
    try:
        async with asyncio.timeout(editing.cog.storage_budget):
            server = await editing.cog.bot.settings_cache.get(interaction.guild_id)
    except (StorageUnavailable, TimeoutError) as exc:
        log.warning("settings unavailable for an edit form: %s", exc or "timed out")
        await tell_privately(interaction, SETTINGS_UNAVAILABLE)
        return
    if not editing.cog.bot.defaults.editing_for(server):
        await tell_privately(interaction, edit_words.EDITING_OFF)
        return
    sources = [EditSource.of(image) for image in images]
    language = private_language(interaction)
    form = EditModal(editing, sources, edited_from=message.jump_url, language=language)
    await interaction.response.send_modal(form)


class EditModal(discord.ui.Modal):
    def __init__(
        self,
        editing: ImageEditing,
        sources: Sequence[EditSource],
        *,
        edited_from: str,
        language: Language,
    ) -> None:
        super().__init__(title=language.say(edit_words.FORM_TITLE), timeout=FORM_MINUTES * 60)
        self.editing = editing
        self.sources = tuple(sources)
        self.edited_from = edited_from
        self.instruction: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label=language.say(edit_words.FORM_INSTRUCTION),
            placeholder=language.say(edit_words.FORM_INSTRUCTION_HINT),
            style=discord.TextStyle.paragraph,
            max_length=MAX_PROMPT,
            custom_id="instruction",
        )
        self.add_item(self.instruction)
        self.which: discord.ui.Select[EditModal] | None = None
        if len(self.sources) > 1:
            self.which = discord.ui.Select(
                custom_id="which",
                options=[
                    discord.SelectOption(
                        label=f"{number} · {source.name}"[:100],
                        value=str(number),
                        default=number == 1,
                    )
                    for number, source in enumerate(self.sources[:MAX_CHOICES], 1)
                ],
                required=False,
            )
            label = language.say(edit_words.FORM_WHICH)
            self.add_item(discord.ui.Label(text=label, component=self.which))

    async def on_submit(self, interaction: discord.Interaction[ImageBot]) -> None:
        number = 1
        if self.which is not None and self.which.values:
            number = int(self.which.values[0])
        source = self.sources[number - 1]
        options = EditOptions(
            prompt=self.instruction.value, images=(source,), edited_from=self.edited_from
        )
        await self.editing.run(interaction, options)
