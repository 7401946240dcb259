"""Turning a picture a member gave into one the edit models accept, before any API call.

The provider takes JPEG, PNG, BMP, TIFF, WebP and GIF (first frame), at most 10 MB, sides
of about 384–3072 px. What is already inside those bounds is sent byte for byte; what is
too large (bytes or pixels) or too small is fitted: scaled with its aspect kept and
re-encoded. What can't be opened, isn't an image, or is tiny beyond use is refused with a
reason the caller turns into a sentence. The format is read from the bytes, never from a
file name. CPU-bound: call ``prepare_input`` from a worker thread.
"""

from __future__ import annotations

import base64
import enum
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_SIDE",
    "MIN_SIDE",
    "InputImageError",
    "PreparedImage",
    "Refusal",
    "prepare_input",
]

MAX_INPUT_BYTES = 10 * 1024 * 1024
MAX_SIDE = 3072
MIN_SIDE = 384
USELESS_SIDE = 64  # below this nothing an edit makes of it is worth the member's budget
# Decoding more pixels than this could take the bot's memory; no camera needs more.
MAX_PIXELS = 120_000_000
JPEG_QUALITIES = (92, 85, 75)

# Pillow's format name → the MIME type the data URI carries.
ACCEPTED = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}


class Refusal(enum.Enum):
    NOT_AN_IMAGE = "not_an_image"  # no image format Pillow knows
    UNSUPPORTED = "unsupported"  # an image, in a format the provider doesn't take
    UNREADABLE = "unreadable"  # looks like an image but is broken
    TOO_SMALL = "too_small"  # under USELESS_SIDE on a side
    TOO_MANY_PIXELS = "too_many_pixels"
    EXTREME_ASPECT = "extreme_aspect"  # can't be both ≥ MIN_SIDE and ≤ MAX_SIDE


class InputImageError(Exception):
    def __init__(self, refusal: Refusal, detail: str) -> None:
        super().__init__(detail)
        self.refusal = refusal
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int
    # What fitting did, for the log and the result's footnote; None if sent as given.
    note: str | None = None

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def prepare_input(data: bytes) -> PreparedImage:
    """The bytes to send for ``data``, fitted if needed; raises InputImageError."""
    with _open(data) as image:
        fmt = image.format or ""
        width, height = image.size
        if width < USELESS_SIDE or height < USELESS_SIDE:
            raise InputImageError(Refusal.TOO_SMALL, f"{width}x{height} is too small to edit")
        if fmt not in ACCEPTED:
            raise InputImageError(Refusal.UNSUPPORTED, f"{fmt or 'unknown'} is not accepted")
        scale = _scale_for(width, height)
        if scale == 1.0 and len(data) <= MAX_INPUT_BYTES:
            # Opening reads only the header: decode it all, or a cut-off upload goes through.
            try:
                image.load()
            except (OSError, ValueError) as exc:
                raise InputImageError(Refusal.UNREADABLE, f"cannot decode: {exc}") from None
            return PreparedImage(data, ACCEPTED[fmt], width, height)
        return _fitted(image, scale, len(data))


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns before its own bomb limit; ours is lower and checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise InputImageError(Refusal.NOT_AN_IMAGE, "no image format recognised") from None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputImageError(Refusal.UNREADABLE, f"cannot open: {exc}") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise InputImageError(
            Refusal.TOO_MANY_PIXELS, f"{width}x{height} has more than {MAX_PIXELS} pixels"
        )
    return image


def _scale_for(width: int, height: int) -> float:
    long_side, short_side = max(width, height), min(width, height)
    if long_side > MAX_SIDE:
        scale = MAX_SIDE / long_side
        if short_side * scale < MIN_SIDE:
            raise InputImageError(Refusal.EXTREME_ASPECT, f"{width}x{height} is too narrow")
        return scale
    if short_side < MIN_SIDE:
        scale = MIN_SIDE / short_side
        if long_side * scale > MAX_SIDE:
            raise InputImageError(Refusal.EXTREME_ASPECT, f"{width}x{height} is too narrow")
        return scale
    return 1.0


def _fitted(image: Image.Image, scale: float, original_bytes: int) -> PreparedImage:
    try:
        image.seek(0)  # GIF and animated WebP: the first frame, as the provider would take
        frame = image.convert("RGBA" if _has_alpha(image) else "RGB")
    except (OSError, ValueError) as exc:
        raise InputImageError(Refusal.UNREADABLE, f"cannot decode: {exc}") from None
    width, height = image.size
    while True:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        resized = frame if size == frame.size else frame.resize(size, Image.Resampling.LANCZOS)
        for encoded, mime in _encodings(resized):
            if len(encoded) <= MAX_INPUT_BYTES:
                note = f"{width}x{height}, {original_bytes / 1e6:.1f} MB"
                note += f" → {size[0]}x{size[1]} {mime.removeprefix('image/').upper()}"
                return PreparedImage(encoded, mime, size[0], size[1], note)
        # Still over 10 MB (huge PNG with alpha, say): smaller, while the sides allow it.
        if min(size) * 0.8 < MIN_SIDE:
            raise InputImageError(Refusal.UNREADABLE, "cannot be made small enough")
        scale *= 0.8


def _encodings(image: Image.Image) -> Iterator[tuple[bytes, str]]:
    """Best first, each made only when the one before was too large."""
    if image.mode == "RGBA":  # transparency matters to an edit: PNG keeps it
        yield _encode(image, "PNG"), "image/png"
        return
    for quality in JPEG_QUALITIES:
        yield _encode(image, "JPEG", quality), "image/jpeg"


def _encode(image: Image.Image, fmt: str, quality: int | None = None) -> bytes:
    out = io.BytesIO()
    if quality is None:
        image.save(out, format=fmt, optimize=False)
    else:
        image.save(out, format=fmt, quality=quality)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
