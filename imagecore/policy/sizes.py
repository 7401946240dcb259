"""Readable names for the API's ``W*H`` size strings."""

from __future__ import annotations

__all__ = ["size_label", "size_pixels"]

COMMON_RATIOS = ((1, 1), (16, 9), (9, 16), (4, 3), (3, 4), (3, 2), (2, 3), (21, 9), (9, 21))


def size_pixels(size: str) -> tuple[int, int]:
    width, _, height = size.partition("*")
    return int(width), int(height)


def size_label(size: str) -> str:
    """``"1664*928"`` → ``"16:9 landscape · 1664×928"``."""
    width, height = size_pixels(size)
    ratio = width / height
    # The provider's sizes are only near the familiar ratios (1664*928 is 1.79, not 1.78).
    w, h = min(COMMON_RATIOS, key=lambda r: abs(r[0] / r[1] - ratio))
    shape = "square" if width == height else ("landscape" if width > height else "portrait")
    if abs(w / h - ratio) / ratio > 0.04:
        return f"{shape} · {width}×{height}"
    return f"{w}:{h} {shape} · {width}×{height}"
