"""Recognising image bytes by their first bytes, so nothing else gets posted as an image."""

from __future__ import annotations

__all__ = ["image_extension"]


def image_extension(data: bytes) -> str | None:
    """``png``/``jpg``/``webp`` for the formats the provider returns, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None
