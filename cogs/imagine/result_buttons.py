"""The buttons under every delivered result: Re-roll, Remix, Use revised prompt, Details
and Delete (and, on a second row, Edit: see edit_entry).

Each is a DynamicItem whose custom_id carries the request's job key, and nothing else: the
click is answered from the job's history row, so it works for any member, after a restart
and from any bot process sharing the database."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from cogs.imagine.edit_entry import edit_buttons
from cogs.imagine.words import (
    BUTTON_DELETE,
    BUTTON_DETAILS,
    BUTTON_REMIX,
    BUTTON_REROLL,
    BUTTON_REVISED,
)
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import RESTARTING
from imagecore.i18n import Catalogs, Language

if TYPE_CHECKING:
    from bot import ImageBot
    from cogs.imagine.actions import ResultActions

__all__ = [
    "RESULT_BUTTONS",
    "DeleteButton",
    "DetailsButton",
    "RemixButton",
    "RerollButton",
    "RevisedButton",
    "result_view",
]

KEY = r"(?P<key>[0-9a-f]{16})"
ROW = 5


def actions_of(interaction: discord.Interaction[ImageBot]) -> ResultActions | None:
    cog = interaction.client.get_cog("ImagineCog")
    return getattr(cog, "actions", None)


class _ResultButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"imagine:x:"):
    action: ClassVar[str]
    label: ClassVar[str]
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init__(self, key: str, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or self.label,
                style=self.style,
                custom_id=f"imagine:{self.action}:{key}",
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[ImageBot],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> _ResultButton:
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction[ImageBot]) -> None:
        actions = actions_of(interaction)
        if actions is None:  # the cog is being unloaded: the bot is stopping
            await tell_privately(interaction, RESTARTING)
            return
        await self.act(actions, interaction)

    async def act(self, actions: ResultActions, interaction: discord.Interaction[ImageBot]) -> None:
        raise NotImplementedError


class RerollButton(_ResultButton, template=rf"imagine:reroll:{KEY}"):
    action, label = "reroll", BUTTON_REROLL
    style = discord.ButtonStyle.primary

    async def act(self, actions: ResultActions, interaction: discord.Interaction[ImageBot]) -> None:
        await actions.rerun(interaction, self.key, revised=False)


class RemixButton(_ResultButton, template=rf"imagine:remix:{KEY}"):
    action, label = "remix", BUTTON_REMIX

    async def act(self, actions: ResultActions, interaction: discord.Interaction[ImageBot]) -> None:
        await actions.open_remix(interaction, self.key)


class RevisedButton(_ResultButton, template=rf"imagine:revised:{KEY}"):
    action, label = "revised", BUTTON_REVISED

    async def act(self, actions: ResultActions, interaction: discord.Interaction[ImageBot]) -> None:
        await actions.rerun(interaction, self.key, revised=True)


class DetailsButton(_ResultButton, template=rf"imagine:details:{KEY}"):
    action, label = "details", BUTTON_DETAILS

    async def act(self, actions: ResultActions, interaction: discord.Interaction[ImageBot]) -> None:
        await actions.details(interaction, self.key)


class DeleteButton(_ResultButton, template=rf"imagine:delete:{KEY}"):
    action, label = "delete", BUTTON_DELETE
    style = discord.ButtonStyle.danger

    async def act(self, actions: ResultActions, interaction: discord.Interaction[ImageBot]) -> None:
        await actions.delete(interaction, self.key)


RESULT_BUTTONS = (RerollButton, RemixButton, RevisedButton, DetailsButton, DeleteButton)


def result_view(
    key: str, *, revised: bool, images: int = 1, language: Language | None = None
) -> discord.ui.View:
    """Five buttons on the first row, in the server's language ("Use revised prompt" only
    when the model revised the prompt into something else); the Edit buttons, one per
    image, on the second (none with ``images`` 0: edits can't be made)."""
    language = language or Catalogs.english_only().language(None)
    view = discord.ui.View(timeout=None)
    for button in RESULT_BUTTONS:
        if button is RevisedButton and not revised:
            continue
        view.add_item(button(key, language.say(button.label)))
    for place, edit in enumerate(edit_buttons(key, images, language)):
        edit.row = 1 + place // ROW  # five to a row, as Discord allows
        view.add_item(edit)
    return view
