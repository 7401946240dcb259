"""Readable names for the API's ``W*H`` size strings."""

from __future__ import annotations

import re
from collections.abc import Collection

from imagecore.i18n import N_, SayableError

__all__ = ["normalise_size", "size_label", "size_pixels"]

COMMON_RATIOS = ((1, 1), (16, 9), (9, 16), (4, 3), (3, 4), (3, 2), (2, 3), (21, 9), (9, 21))

# "1328x1328", "1328 * 1328", "1328 1328", and the multiplication sign: width, separator, height.
# Translators: {size} is what the member typed, {choices} a list of sizes such as 1328 by 1328, with a multiplication sign.
SIZE_NOT_OFFERED = N_("The size “{size}” is not offered here. Choose one of: {choices}.")
SIZE_TEXT = re.compile(r"([0-9]{1,5})\s*[x×*]\s*([0-9]{1,5})|([0-9]{1,5})\s+([0-9]{1,5})", re.I)


def normalise_size(text: str, offered: Collection[str]) -> str:
    """A size as people type it → the API's ``W*H`` form, which must be one ``offered``.
    Raises ValueError with a sentence for the member."""
    found = SIZE_TEXT.fullmatch(text.strip())
    if found is not None:
        width, height = (int(g) for g in found.groups() if g is not None)
        size = f"{width}*{height}"
        if size in offered:
            return size
    # Pixels only: they read the same in every language.
    choices = ", ".join(s.replace("*", "×") for s in offered) or "—"
    raise SayableError(SIZE_NOT_OFFERED, size=text.strip(), choices=choices)


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
