"""Cutting member and model text down to Discord's field limits without losing the point."""

from __future__ import annotations

__all__ = ["clip", "one_line"]


def clip(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters, ending in an ellipsis if cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    """A single-line preview (for titles and log lines)."""
    return clip(" ".join(text.split()), limit)
