"""What the result buttons do. Every click that makes an image goes through the cog's
``handle``: the same admission, queue, status edits and Cancel as /imagine, charged to the
member who clicked, posted as a new message."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from cogs.imagine.details import details_text
from cogs.imagine.edit_words import EDITING_OFF
from cogs.imagine.embed import differing_revision
from cogs.imagine.planned import Planned, is_edit, request_from
from cogs.imagine.remix_modal import RemixModal
from cogs.imagine.words import (
    DELETE_FAILED,
    DELETE_REFUSED,
    DELETED,
    JOB_UNAVAILABLE,
    NO_REVISED_PROMPT,
    UNKNOWN_JOB,
)
from cogs.utils.replies import tell_privately
from cogs.utils.voices import private_language
from imagecore.i18n import Message, SayableError
from imagecore.storage import JobRecord, StorageUnavailable

if TYPE_CHECKING:
    from bot import ImageBot
    from cogs.imagine.command import ImagineCog
    from imagecore.api.request import ImageRequest
    from imagecore.policy.guild_settings import GuildSettings

__all__ = ["ResultActions"]

log = logging.getLogger(__name__)

# Details and Delete answer after a deferral, so their read may take longer than the
# 3-second window; still bounded, so the member always hears back.
DEFERRED_READ_BUDGET = 10.0


class ResultActions:
    def __init__(self, cog: ImagineCog) -> None:
        self.cog = cog

    @property
    def unknown(self) -> Message:
        return Message(UNKNOWN_JOB, {"days": self.cog.bot.config.history_days})

    async def _find(self, key: str, budget: float) -> JobRecord | str | Message:
        try:
            async with asyncio.timeout(budget):
                record = await self.cog.bot.ledger.find_job(key)
        except (StorageUnavailable, TimeoutError) as exc:
            log.warning("could not read job %s for a button: %s", key, exc or "timed out")
            return JOB_UNAVAILABLE
        return self.unknown if record is None else record

    # -- buttons that make images ----------------------------------------------------------

    async def rerun(
        self, interaction: discord.Interaction[ImageBot], key: str, *, revised: bool
    ) -> None:
        defaults = self.cog.bot.defaults

        async def build(server: GuildSettings) -> Planned | str | Message:
            record = await self.cog.bot.ledger.find_job(key)
            if record is None:
                return self.unknown
            kept = await self._edit_inputs(record, server)
            if isinstance(kept, Message):
                return kept
            edit_model = defaults.edit_model_for(server)
            count = record.image_count or 1
            try:
                if not revised:
                    request = request_from(
                        record, defaults, edit_inputs=kept, edit_model=edit_model
                    )
                    return Planned(request, count)
                text = _revision(record)
                if text is None:
                    return NO_REVISED_PROMPT
                request = request_from(
                    record,
                    defaults,
                    edit_inputs=kept,
                    edit_model=edit_model,
                    prompt=text,
                    prompt_extend=False,
                )
                return Planned(request, count)
            except ValueError as exc:
                return _cannot_draw(exc)

        await self.cog.handle(interaction, build)

    async def open_remix(self, interaction: discord.Interaction[ImageBot], key: str) -> None:
        # The form is the click's answer, so the row is read within the 3-second window.
        found = await self._find(key, self.cog.storage_budget)
        if not isinstance(found, JobRecord):
            await tell_privately(interaction, found)
            return
        language = private_language(interaction)
        modal = RemixModal(self, found, self.cog.bot.config.image_sizes, language)
        await interaction.response.send_modal(modal)

    async def run_remix(
        self,
        interaction: discord.Interaction[ImageBot],
        record: JobRecord,
        *,
        prompt: str,
        negative_prompt: str,
        size: str,
    ) -> None:
        defaults = self.cog.bot.defaults

        async def build(server: GuildSettings) -> Planned | str | Message:
            kept = await self._edit_inputs(record, server)
            if isinstance(kept, Message):
                return kept
            if kept is None:
                offered = size in defaults.sizes
            else:  # an edit: any size its model takes
                offered = defaults.capabilities_of(kept.model).accepts_size(size)
            try:
                request = request_from(
                    record,
                    defaults,
                    edit_inputs=kept,
                    edit_model=defaults.edit_model_for(server),
                    prompt=prompt,
                    negative_prompt=negative_prompt.strip(),
                    size=size if offered else record.size,
                )
            except ValueError as exc:
                return _cannot_draw(exc)
            return Planned(request, record.image_count or 1)

        await self.cog.handle(interaction, build)

    async def _edit_inputs(
        self, record: JobRecord, server: GuildSettings
    ) -> ImageRequest | Message | None:
        """For an edit, the request as its job kept it, input pictures and all (kept with
        the job's row for a day); None when there is none (or for a generation); or why it
        can't be run here."""
        defaults = self.cog.bot.defaults
        if not is_edit(record, defaults):
            return None
        if not defaults.editing_for(server):
            return Message(EDITING_OFF)
        if self.cog.editing.style_refusal is not None:
            return Message(self.cog.editing.style_refusal)
        if record.job_key is None:
            return None
        kept = await self.cog.bot.storage.live_jobs.find(record.job_key)
        return kept.requests[0] if kept is not None else None

    # -- buttons that answer privately ---------------------------------------------------

    async def details(self, interaction: discord.Interaction[ImageBot], key: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self._find(key, DEFERRED_READ_BUDGET)
        await tell_privately(
            interaction, details_text(found) if isinstance(found, JobRecord) else found
        )

    async def delete(self, interaction: discord.Interaction[ImageBot], key: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        # A moderator needs no row: they may delete any message here.
        if not interaction.permissions.manage_messages:
            found = await self._find(key, DEFERRED_READ_BUDGET)
            if not isinstance(found, JobRecord):
                await tell_privately(interaction, found)
                return
            if found.user_id != interaction.user.id:
                await tell_privately(interaction, DELETE_REFUSED)
                return
        message = interaction.message
        if message is None:  # a button always comes with its message; nothing to delete
            await tell_privately(interaction, DELETE_FAILED)
            return
        try:
            await message.delete()
        except discord.HTTPException as exc:
            log.info("could not delete a result message: %s", exc)
            await tell_privately(interaction, DELETE_FAILED)
            return
        await tell_privately(interaction, DELETED)


def _revision(record: JobRecord) -> str | None:
    """The first image's revision that says something else than the prompt."""
    revisions = [r.revised_prompt for r in record.results] or [record.revised_prompt]
    return next((r for r in revisions if differing_revision(record.prompt, r)), None)


def _cannot_draw(exc: ValueError) -> str | Message:
    if isinstance(exc, SayableError):
        return exc.message
    sentence = str(exc)
    return sentence if sentence.endswith(".") else f"That request can't be drawn: {sentence}."
