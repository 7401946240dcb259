"""The Remix form: the result's prompt, negative prompt and size, prefilled and editable;
submitting it runs the edited request as a new request of the member who submits it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from cogs.imagine.words import REMIX_NEGATIVE, REMIX_PROMPT, REMIX_SIZE, REMIX_TITLE
from imagecore.api.request import MAX_NEGATIVE_PROMPT, MAX_PROMPT
from imagecore.i18n.sizes import localized_size_label

if TYPE_CHECKING:
    from bot import ImageBot
    from cogs.imagine.actions import ResultActions
    from imagecore.i18n import Language
    from imagecore.storage import JobRecord

__all__ = ["RemixModal"]

FORM_MINUTES = 15  # as long as the interaction token that opened it


class RemixModal(discord.ui.Modal):
    def __init__(
        self,
        actions: ResultActions,
        record: JobRecord,
        sizes: tuple[str, ...],
        language: Language,
    ) -> None:
        say = language.say  # the member's own language: only they see the form
        super().__init__(
            title=say(REMIX_TITLE),
            custom_id=f"imagine:remix-form:{record.job_key}",
            timeout=FORM_MINUTES * 60,
        )
        self.actions = actions
        self.record = record
        self.prompt: discord.ui.TextInput[RemixModal] = discord.ui.TextInput(
            label=say(REMIX_PROMPT),
            style=discord.TextStyle.paragraph,
            default=record.prompt,
            max_length=MAX_PROMPT,
            custom_id="prompt",
        )
        self.negative: discord.ui.TextInput[RemixModal] = discord.ui.TextInput(
            label=say(REMIX_NEGATIVE),
            style=discord.TextStyle.paragraph,
            default=record.negative_prompt or None,
            required=False,
            max_length=MAX_NEGATIVE_PROMPT,
            custom_id="negative_prompt",
        )
        self.add_item(self.prompt)
        self.add_item(self.negative)
        offered = sizes if record.size in sizes else (record.size, *sizes)
        self.size: discord.ui.Select[RemixModal] | None = None
        if len(offered) > 1:
            # A select needs at least one option; Discord allows 25.
            self.size = discord.ui.Select(
                custom_id="size",
                options=[
                    discord.SelectOption(
                        label=localized_size_label(language, s), value=s, default=s == record.size
                    )
                    for s in offered[:25]
                ],
                required=False,
            )
            self.add_item(discord.ui.Label(text=say(REMIX_SIZE), component=self.size))

    async def on_submit(self, interaction: discord.Interaction[ImageBot]) -> None:
        size = self.size.values[0] if self.size is not None and self.size.values else None
        await self.actions.run_remix(
            interaction,
            self.record,
            prompt=self.prompt.value,
            negative_prompt=self.negative.value or "",
            size=size or self.record.size,
        )
