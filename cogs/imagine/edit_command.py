"""/imagine-edit: a member's pictures and an instruction, through the same admission, queue
and result as /imagine.

Two steps, on either side of Discord's 3-second window. Within it (``plan``, called by the
cog's ``handle`` before its admission): what the options and the attachments' metadata can
tell — the style takes input images, the files are not over the download cap, the size is
one the edit model takes — and the request as the member's limits and blocked words see it.
After the acknowledgement (``fetch_inputs``, run by the cog before the job takes its place
in the queue): each attachment downloaded on the bot's own session (size-capped,
time-limited), sniffed and fitted off the event loop, and sent as a data URI in order. Bad
input ends in a private sentence and no API call.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from cogs.imagine import edit_words
from cogs.imagine.edit_sources import EditSource
from cogs.imagine.planned import Planned
from cogs.utils.sentences import sentence_for
from imagecore.api.errors import StyleUnsupported
from imagecore.api.request import ImageRequest
from imagecore.editing.capabilities import ModelCapabilities
from imagecore.editing.input_download import (
    DOWNLOAD_TIMEOUT,
    MAX_DOWNLOAD_BYTES,
    DownloadProblem,
    InputDownloadFailed,
    download_input,
)
from imagecore.editing.input_images import (
    USELESS_SIDE,
    InputImageError,
    PreparedImage,
    Refusal,
    prepare_input,
)
from imagecore.i18n import Message, SayableError
from imagecore.policy.options import ImagineOptions

if TYPE_CHECKING:
    from bot import ImageBot
    from cogs.imagine.command import ImagineCog
    from cogs.imagine.options import EditOptions
    from imagecore.policy.guild_settings import GuildSettings

__all__ = ["ImageEditing", "shape_size", "style_refusal"]

log = logging.getLogger(__name__)

# The provider's default output for the edit models: about a megapixel, in the last input's
# shape. Sent explicitly, as generation sizes are, rather than left to the provider.
EDIT_PIXELS = 1024 * 1024
SIDE_STEP = 16

DOWNLOAD_SENTENCES = {
    DownloadProblem.DEAD_LINK: edit_words.DOWNLOAD_DEAD_LINK,
    DownloadProblem.TOO_LARGE: edit_words.DOWNLOAD_TOO_LARGE,
    DownloadProblem.TIMED_OUT: edit_words.DOWNLOAD_TIMED_OUT,
    DownloadProblem.UNREACHABLE: edit_words.DOWNLOAD_UNREACHABLE,
}
INPUT_SENTENCES = {
    Refusal.NOT_AN_IMAGE: edit_words.INPUT_NOT_AN_IMAGE,
    Refusal.UNSUPPORTED: edit_words.INPUT_UNSUPPORTED,
    Refusal.UNREADABLE: edit_words.INPUT_UNREADABLE,
    Refusal.TOO_SMALL: edit_words.INPUT_TOO_SMALL,
    Refusal.TOO_MANY_PIXELS: edit_words.INPUT_TOO_MANY_PIXELS,
    Refusal.EXTREME_ASPECT: edit_words.INPUT_EXTREME_ASPECT,
}


def shape_size(width: int, height: int, capabilities: ModelCapabilities) -> str:
    """A ``W*H`` of about EDIT_PIXELS in the shape of ``width``×``height``, each side a
    multiple of SIDE_STEP within the model's range (an extreme shape is clamped)."""
    low, high = capabilities.side_range
    aspect = width / height
    sides = (math.sqrt(EDIT_PIXELS * aspect), math.sqrt(EDIT_PIXELS / aspect))
    fitted = [min(high, max(low, round(side / SIDE_STEP) * SIDE_STEP)) for side in sides]
    return f"{fitted[0]}*{fitted[1]}"


class ImageEditing:
    def __init__(self, cog: ImagineCog) -> None:
        self.cog = cog
        self.style_refusal = style_refusal(cog.bot)
        self.download_seconds = DOWNLOAD_TIMEOUT  # for one attachment

    async def run(self, interaction: discord.Interaction[ImageBot], options: EditOptions) -> None:
        async def build(server: GuildSettings) -> Planned | Message | str:
            return self.plan(server, options)

        await self.cog.handle(interaction, build)

    def plan(self, server: GuildSettings, options: EditOptions) -> Planned | Message | str:
        """The request without its pictures (admission reads its instruction and negative
        prompt), and the step that fetches them once Discord has the acknowledgement; or a
        sentence when the options alone say it can't be done. No I/O: this runs within
        the 3-second window."""
        if self.style_refusal is not None:
            return self.style_refusal
        defaults = self.cog.bot.defaults
        if not defaults.editing_for(server):
            return Message(edit_words.EDITING_OFF)
        model = defaults.edit_model_for(server)
        capabilities = defaults.capabilities_of(model)
        sources = options.images[: max(1, capabilities.max_inputs)]
        for source in sources:
            # Discord says how large the file is: a file over the cap is not fetched at all.
            if source.size > MAX_DOWNLOAD_BYTES:
                return Message(
                    edit_words.DOWNLOAD_TOO_LARGE,
                    {"name": source.name, "limit_mb": MAX_DOWNLOAD_BYTES // (1024 * 1024)},
                )
        if options.size is not None and not capabilities.accepts_size(options.size):
            return Message(edit_words.SIZE_NOT_OFFERED)
        typed = ImagineOptions(options.prompt, options.negative_prompt, seed=options.seed)
        try:
            request = defaults.resolve(server, typed)
        except SayableError as exc:
            return exc.message
        request = dataclasses.replace(
            request,
            model=model,
            size=options.size or defaults.size,  # the shape of the last image, once known
            prompt_extend=request.prompt_extend and capabilities.prompt_extend,
            negative_prompt=request.negative_prompt if capabilities.negative_prompt else "",
            seed=request.seed if capabilities.seed else None,
            edited_from=options.edited_from,
        )

        async def then(planned: ImageRequest) -> ImageRequest | Message:
            return await self.fetch_inputs(
                planned, sources, capabilities, keep_size=bool(options.size)
            )

        return Planned(request, options.count or 1, then=then)

    async def fetch_inputs(
        self,
        request: ImageRequest,
        sources: Sequence[EditSource],
        capabilities: ModelCapabilities,
        *,
        keep_size: bool,
    ) -> ImageRequest | Message:
        """``request`` with its pictures as data URIs, in order; or the sentence for the
        first one that can't be used."""
        prepared = await asyncio.gather(*(self._prepare(source) for source in sources))
        for outcome in prepared:
            if isinstance(outcome, Message):
                return outcome
        images = [p for p in prepared if isinstance(p, PreparedImage)]
        size = request.size
        if not keep_size and capabilities.custom_size:
            last = images[-1]
            size = shape_size(last.width, last.height, capabilities)
        return dataclasses.replace(
            request, images=tuple(image.data_uri() for image in images), size=size
        )

    async def _prepare(self, source: EditSource) -> PreparedImage | Message:
        name = source.name
        try:
            data = await download_input(
                self.cog.bot.session, source.url, limit_seconds=self.download_seconds
            )
        except InputDownloadFailed as exc:
            log.info("could not fetch an image to edit (%s): %s", exc.problem.value, exc.detail)
            return Message(
                DOWNLOAD_SENTENCES[exc.problem],
                {"name": name, "limit_mb": MAX_DOWNLOAD_BYTES // (1024 * 1024)},
            )
        try:
            # Decoding and fitting are CPU work: off the event loop.
            image = await asyncio.to_thread(prepare_input, data)
        except InputImageError as exc:
            log.info("refused an image to edit (%s): %s", exc.refusal.value, exc.detail)
            return Message(INPUT_SENTENCES[exc.refusal], {"name": name, "min_side": USELESS_SIDE})
        if image.note:
            log.info("fitted an image to edit: %s", image.note)
        return image


def style_refusal(bot: ImageBot) -> str | None:
    """The sentence for every edit when the configured API style can't carry input images
    (asked of the style itself, with a probe that is never sent)."""
    probe = ImageRequest(
        prompt="probe",
        model=bot.config.image_edit_model,
        size=bot.config.default_size,
        prompt_extend=False,
        watermark=False,
        images=("data:image/png;base64,",),
    )
    try:
        bot.config.api_style().build_body(probe)
    except StyleUnsupported as exc:
        return sentence_for(exc)
    return None
