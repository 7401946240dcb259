"""What a job does with Discord once its request is acknowledged: edit or delete the
response (``@original``), tell the member privately, and know who asked and where.

Two kinds: ``InteractionResponse`` wraps the live interaction; ``WebhookResponse`` is the
interaction's webhook rebuilt from a stored job (``imagecore.storage.live_jobs``) by a
process that never saw the interaction. Both speak to the same webhook, so a resumed job
looks to the member exactly as a live one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import discord
from discord.utils import MISSING

from cogs.imagine.history import Origin
from cogs.utils.replies import MESSAGE_LIMIT, NO_MENTIONS, tell_privately
from cogs.utils.voices import Voices
from imagecore.delivery.text_limits import clip
from imagecore.i18n import N_

if TYPE_CHECKING:
    from imagecore.i18n import Message
    from imagecore.storage.live_jobs import InteractionToken

__all__ = ["InteractionResponse", "JobResponse", "WebhookResponse"]

log = logging.getLogger(__name__)

# Translators: who asked, on a result card, when the member's name can't be looked up.
SOMEONE = N_("a member")

# Discord's name for an interaction's original response; discord.py types message ids int.
ORIGINAL = cast("int", "@original")


class JobResponse:
    """The acknowledged response of one request. ``edit`` and ``delete`` raise what
    discord.py raises; ``tell`` is best effort (a refusal is logged, never raised).
    ``voices``: the member's language for ``tell``, the server's for what ``edit`` shows."""

    def __init__(
        self, origin: Origin, *, filesize_limit: int, voices: Voices | None = None
    ) -> None:
        self.origin = origin
        self.filesize_limit = filesize_limit  # bytes one upload may take
        self.voices = voices or Voices.english()

    @property
    def user_id(self) -> int:
        return self.origin.user_id

    @property
    def guild_id(self) -> int | None:
        return self.origin.guild_id

    async def edit(
        self,
        *,
        content: str | None,
        embed: discord.Embed | None = MISSING,
        attachments: Sequence[discord.File] = MISSING,
        view: discord.ui.View | None = MISSING,
    ) -> int:
        """Edit the response; returns its message id."""
        raise NotImplementedError

    async def delete(self) -> None:
        raise NotImplementedError

    async def requester(self) -> str:
        """The member's name as the result card shows it."""
        raise NotImplementedError

    async def tell(self, sentence: str | Message) -> None:
        raise NotImplementedError


class InteractionResponse(JobResponse):
    def __init__(self, interaction: discord.Interaction[Any], voices: Voices) -> None:
        super().__init__(
            Origin.of(interaction), filesize_limit=interaction.filesize_limit, voices=voices
        )
        self.interaction = interaction

    async def edit(
        self,
        *,
        content: str | None,
        embed: discord.Embed | None = MISSING,
        attachments: Sequence[discord.File] = MISSING,
        view: discord.ui.View | None = MISSING,
    ) -> int:
        message = await self.interaction.edit_original_response(
            content=content,
            embed=embed,
            attachments=attachments,
            view=view,
            allowed_mentions=NO_MENTIONS,
        )
        return message.id

    async def delete(self) -> None:
        await self.interaction.delete_original_response()

    async def requester(self) -> str:
        return self.interaction.user.display_name

    async def tell(self, sentence: str | Message) -> None:
        await tell_privately(self.interaction, sentence)


class WebhookResponse(JobResponse):
    """The interaction webhook of a stored job (``/webhooks/{application id}/{token}``):
    it needs no gateway event, only the bot's HTTP session, and works until the token's
    15 minutes are over."""

    def __init__(
        self,
        client: discord.Client,
        origin: Origin,
        *,
        application_id: int,
        token: InteractionToken,
        voices: Voices | None = None,
    ) -> None:
        # The server's own limit came with the interaction; Discord's default fits all.
        super().__init__(
            origin, filesize_limit=discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES, voices=voices
        )
        self._client = client
        self._name: str | None = None
        self._webhook = discord.Webhook.partial(application_id, token.reveal(), client=client)
        # An interaction's webhook: it may send ephemeral messages (as Interaction.followup).
        self._webhook.type = discord.WebhookType.application

    async def edit(
        self,
        *,
        content: str | None,
        embed: discord.Embed | None = MISSING,
        attachments: Sequence[discord.File] = MISSING,
        view: discord.ui.View | None = MISSING,
    ) -> int:
        message = await self._webhook.edit_message(
            ORIGINAL,
            content=content,
            embed=embed,
            attachments=attachments,
            view=view,
            allowed_mentions=NO_MENTIONS,
        )
        return message.id

    async def delete(self) -> None:
        await self._webhook.delete_message(ORIGINAL)

    async def requester(self) -> str:
        if self._name is None:
            user = self._client.get_user(self.user_id)
            try:
                user = user or await self._client.fetch_user(self.user_id)
            except (discord.HTTPException, OSError, aiohttp.ClientError, TimeoutError) as exc:
                log.debug("could not look up user %s: %s", self.user_id, exc)
                return self.voices.public.say(SOMEONE)
            self._name = user.display_name
        return self._name

    async def tell(self, sentence: str | Message) -> None:
        text = clip(self.voices.private.say(sentence), MESSAGE_LIMIT)
        try:
            await self._webhook.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not tell user %s: HTTP %s", self.user_id, exc.status)
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("could not tell user %s: %s", self.user_id, type(exc).__name__)
