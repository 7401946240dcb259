"""Where an edit's pictures come from: a slash command's attachments, or the images of a
message (a member's upload or a bot result), as the little an edit needs of each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import discord

from imagecore.delivery.text_limits import one_line

__all__ = ["EditSource", "images_of"]

# Extensions that say "picture" when Discord gives no content type; the bytes are sniffed
# after download anyway, so this only decides what a menu offers.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"})


@dataclass(frozen=True, slots=True)
class EditSource:
    name: str  # the file name as shown to the member, on one line
    url: str  # fetched once, on the bot's session, after the acknowledgement
    size: int  # bytes, as Discord says

    @classmethod
    def of(cls, attachment: discord.Attachment) -> EditSource:
        # The member's own file name; mentions are off wherever it is shown.
        name = one_line(attachment.filename, 80) or "The image"
        return cls(name=name, url=attachment.url, size=attachment.size)


def images_of(message: discord.Message) -> Sequence[discord.Attachment]:
    """The message's attachments that look like pictures, in the order it shows them."""
    return [a for a in message.attachments if _looks_like_image(a)]


def _looks_like_image(attachment: discord.Attachment) -> bool:
    if attachment.content_type:
        return attachment.content_type.startswith("image/")
    return PurePosixPath(attachment.filename.lower()).suffix in IMAGE_SUFFIXES
