"""Recognising image bytes by their first bytes, so nothing else gets posted as an image."""

from __future__ import annotations

import io

from PIL import Image

__all__ = ["image_extension", "pixel_size"]


def image_extension(data: bytes) -> str | None:
    """``png``/``jpg``/``webp`` for the formats the provider returns, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def pixel_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the image's header (nothing is decoded), or None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
