"""Making an image fit a Discord server's upload limit.

The PNG the provider made is posted untouched whenever it fits; only when it is too
large is it re-encoded (WebP first: smallest at equal quality, then JPEG), and the caller
is told so it can say so in the embed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from imagecore.api.image_bytes import image_extension
from imagecore.i18n import N_, Message

__all__ = ["FittedImage", "fit_for_upload"]

# Room for the multipart envelope and the JSON payload next to the file.
ENVELOPE_BYTES = 64 * 1024
QUALITIES = (90, 80, 70, 60)
SHRINK = 0.8

# Translators: {format} is WebP or JPEG, {limit} a size such as 8 MB.
REENCODED = N_(
    "Re-encoded as {format} (quality {quality}) to fit this server's {limit} upload limit."
)
REENCODED_SMALLER = N_(
    "Re-encoded as {format} (quality {quality}) at {width}×{height} to fit this server's "
    "{limit} upload limit."
)


@dataclass(frozen=True, slots=True)
class FittedImage:
    data: bytes
    extension: str
    note: Message | None  # None when the original bytes are posted as they came


def fit_for_upload(data: bytes, limit: int) -> FittedImage:
    """Return ``data`` as is if it fits ``limit`` bytes, else the best re-encoding that does.

    CPU-bound: call it from a worker thread.
    """
    extension = image_extension(data) or "png"
    budget = max(limit - ENVELOPE_BYTES, 1)
    if len(data) <= budget:
        return FittedImage(data, extension, None)
    with Image.open(io.BytesIO(data)) as original:
        image = original.convert("RGB")
    scale = 1.0
    while True:
        candidate = image if scale == 1.0 else _scaled(image, scale)
        for fmt, ext in (("WEBP", "webp"), ("JPEG", "jpg")):
            for quality in QUALITIES:
                encoded = _encode(candidate, fmt, quality)
                if len(encoded) <= budget:
                    params = {"format": fmt.replace("WEBP", "WebP"), "quality": quality}
                    params["limit"] = _mb(limit)
                    if scale == 1.0:
                        note = Message(REENCODED, params)
                    else:
                        sides = {"width": candidate.width, "height": candidate.height}
                        note = Message(REENCODED_SMALLER, params | sides)
                    return FittedImage(encoded, ext, note)
        if candidate.width < 64 or candidate.height < 64:
            raise ValueError("image cannot be made to fit the upload limit")
        scale *= SHRINK


def _scaled(image: Image.Image, scale: float) -> Image.Image:
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, quality=quality, **({"method": 4} if fmt == "WEBP" else {}))
    return out.getvalue()


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"
