"""Seeds are always pinned: every image is asked for with a seed, so Details can show it
and a result can be made again (``/imagine … seed:``)."""

from __future__ import annotations

import secrets
from dataclasses import replace

from imagecore.api.request import MAX_SEED, ImageRequest

__all__ = ["new_job_key", "random_seed", "with_seeds"]


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


def new_job_key() -> str:
    """A request's stable key: 64 random bits as 16 hex digits, unique across processes and
    restarts without asking the database (a collision is a 1-in-2^64 chance per pair)."""
    return secrets.token_hex(8)


def with_seeds(request: ImageRequest, count: int) -> list[ImageRequest]:
    """One request per image, each with its own seed. A member's seed is the first image's
    and the next ones follow it (wrapping at the top), so the set can be made again; with
    no seed given, each image gets a random one."""
    if count < 1:
        raise ValueError("at least one image")
    if request.seed is None:
        return [replace(request, seed=random_seed()) for _ in range(count)]
    return [replace(request, seed=(request.seed + i) % (MAX_SEED + 1)) for i in range(count)]
