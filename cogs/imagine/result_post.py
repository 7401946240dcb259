"""Posting a request's images: one public message with every image in order (each file
fitted under the server's upload limit on its own), the result card and its buttons."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import discord

from cogs.imagine.embed import differing_revision, result_embed
from cogs.imagine.result_buttons import result_view
from cogs.utils.sentences import UNEXPECTED, UPLOAD_FAILED, UPLOAD_REFUSED
from imagecore.api.image_bytes import pixel_size
from imagecore.delivery.upload_fit import FittedImage, fit_for_upload
from imagecore.i18n import N_

if TYPE_CHECKING:
    from cogs.imagine.job import ImagineJob
    from imagecore.api.client import GeneratedImage
    from imagecore.api.request import ImageRequest

__all__ = ["TOO_LARGE", "Delivered", "PostFailed", "post_result"]

log = logging.getLogger(__name__)

TOO_LARGE = N_("The image is too large to post on this server.")
Made = tuple["ImageRequest", "GeneratedImage"]


@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: int | None
    images: Sequence[Made]  # in the message's order


@dataclass(frozen=True, slots=True)
class PostFailed:
    error_class: str
    sentence: str  # for the member


def filenames(fitted: Sequence[FittedImage]) -> list[str]:
    if len(fitted) == 1:
        return [f"image.{fitted[0].extension}"]
    return [f"image-{number}.{f.extension}" for number, f in enumerate(fitted, 1)]


def _made_size(data: bytes) -> str | None:
    pixels = pixel_size(data)
    return None if pixels is None else f"{pixels[0]}*{pixels[1]}"


async def post_result(job: ImagineJob, made: Sequence[Made]) -> Delivered | PostFailed:
    response = job.response
    limit = response.filesize_limit
    fitted: list[FittedImage] = []
    for _, image in made:
        try:
            fitted.append(await asyncio.to_thread(fit_for_upload, image.data, limit))
        except (ValueError, OSError):
            log.exception("could not fit the image under %d bytes", limit)
            return PostFailed("TooLarge", TOO_LARGE)
    names = filenames(fitted)
    first_request, first_image = made[0]
    embed = result_embed(
        first_request,
        first_image,
        language=response.voices.public,
        requester=await response.requester(),
        seconds=time.monotonic() - job.submitted,
        note=next((f.note for f in fitted if f.note), None),
        filename=names[0],
        seeds=[request.seed for request, _ in made] if len(made) > 1 else (),
        # An edit's size is the model's to choose (plain qwen-image-edit takes none).
        made_size=_made_size(first_image.data) if first_request.images else None,
    )
    revised = any(differing_revision(r.prompt, i.revised_prompt) for r, i in made)
    view = result_view(
        job.key,
        revised=revised,
        images=len(fitted) if job.tools.editable else 0,
        language=response.voices.public,
    )
    # Closed by us: discord.py leaves a buffer it did not open alone, and aiohttp's copy
    # of the image in it would otherwise wait for a full garbage collection.
    buffers = [io.BytesIO(f.data) for f in fitted]
    posted: list[int] = []

    async def post() -> None:
        message_id = await response.edit(
            content=None,
            embed=embed,
            attachments=[discord.File(b, filename=n) for b, n in zip(buffers, names, strict=True)],
            view=view,
        )
        posted.append(message_id)

    try:
        await job.updates.final(post)
    except discord.HTTPException as exc:
        log.warning("posting the image failed: HTTP %s code %s", exc.status, exc.code)
        return PostFailed("UploadRefused", UPLOAD_REFUSED)
    except (OSError, aiohttp.ClientError, TimeoutError) as exc:
        # The connection to Discord broke mid-upload: the member still hears of it.
        log.warning("posting the image failed: %s: %s", type(exc).__name__, exc)
        return PostFailed("UploadFailed", UPLOAD_FAILED)
    except Exception:
        log.exception("posting the image failed unexpectedly")
        return PostFailed("Unexpected", UNEXPECTED)
    finally:
        for buffer in buffers:
            buffer.close()
    return Delivered(posted[0] if posted else None, made)
