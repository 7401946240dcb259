"""Input pictures: sent byte for byte when the provider takes them, fitted when too large or
too small, refused (with a reason) when they can't be used. Format read from the bytes."""

from __future__ import annotations

import base64
import io
import random

import pytest
from PIL import Image

from imagecore.editing.input_images import (
    MAX_INPUT_BYTES,
    MAX_SIDE,
    MIN_SIDE,
    InputImageError,
    Refusal,
    prepare_input,
)


def encoded(
    width: int, height: int, fmt: str, *, mode: str = "RGB", noise: bool = False, **save: object
) -> bytes:
    if noise:
        raw = random.Random(width * height).randbytes(width * height * len(mode))
        image = Image.frombytes(mode, (width, height), raw)
    else:
        image = Image.new(mode, (width, height), (200, 80, 40, 128)[: len(mode)])
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
        ("GIF", "image/gif"),
    ],
)
def test_an_image_within_bounds_is_sent_byte_for_byte(fmt: str, mime: str) -> None:
    data = encoded(800, 600, fmt)
    prepared = prepare_input(data)
    assert prepared.data == data
    assert (prepared.mime, prepared.width, prepared.height) == (mime, 800, 600)
    assert prepared.note is None
    assert prepared.data_uri() == f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_the_format_is_read_from_the_bytes_not_a_name() -> None:
    with pytest.raises(InputImageError) as caught:
        prepare_input(b"%PDF-1.7 this is a document, whatever its file is called")
    assert caught.value.refusal is Refusal.NOT_AN_IMAGE
    with pytest.raises(InputImageError) as caught:
        prepare_input(b"just some text\n" * 100)
    assert caught.value.refusal is Refusal.NOT_AN_IMAGE


def test_a_broken_image_is_unreadable() -> None:
    data = encoded(800, 600, "PNG", noise=True)
    with pytest.raises(InputImageError) as caught:
        prepare_input(data[: len(data) // 2])  # a cut-off upload
    assert caught.value.refusal is Refusal.UNREADABLE


def test_an_image_in_a_format_the_provider_refuses_is_refused() -> None:
    with pytest.raises(InputImageError) as caught:
        prepare_input(encoded(800, 600, "ICO"))
    assert caught.value.refusal in (Refusal.UNSUPPORTED, Refusal.TOO_SMALL)
    with pytest.raises(InputImageError) as caught:
        prepare_input(encoded(800, 600, "PPM"))
    assert caught.value.refusal is Refusal.UNSUPPORTED


def test_a_tiny_image_is_refused() -> None:
    with pytest.raises(InputImageError) as caught:
        prepare_input(encoded(40, 400, "PNG"))
    assert caught.value.refusal is Refusal.TOO_SMALL


def test_a_photo_larger_than_the_provider_takes_is_scaled_down_keeping_its_aspect() -> None:
    data = encoded(6000, 4000, "JPEG", noise=True, quality=95)
    assert len(data) > MAX_INPUT_BYTES  # over both limits, bytes and sides
    prepared = prepare_input(data)
    assert (prepared.width, prepared.height) == (MAX_SIDE, 2048)
    assert prepared.mime == "image/jpeg"
    assert len(prepared.data) <= MAX_INPUT_BYTES
    with opened(prepared.data) as image:
        assert (image.format, image.size) == ("JPEG", (MAX_SIDE, 2048))
    assert prepared.note is not None and "6000x4000" in prepared.note


def test_a_small_image_is_scaled_up_to_the_providers_minimum() -> None:
    prepared = prepare_input(encoded(200, 300, "PNG"))
    assert (prepared.width, prepared.height) == (MIN_SIDE, 576)


def test_transparency_survives_fitting_as_png() -> None:
    data = encoded(4000, 1000, "PNG", mode="RGBA")
    prepared = prepare_input(data)
    assert prepared.mime == "image/png"
    with opened(prepared.data) as image:
        assert image.mode == "RGBA"
        assert image.size == (MAX_SIDE, 768)
        assert image.getpixel((10, 10))[3] == 128  # type: ignore[index]


def test_a_file_over_10_mb_within_the_sides_is_re_encoded_not_refused() -> None:
    data = encoded(3000, 3000, "BMP", noise=True)  # 27 MB of raw pixels
    assert len(data) > MAX_INPUT_BYTES
    prepared = prepare_input(data)
    assert len(prepared.data) <= MAX_INPUT_BYTES
    assert (prepared.width, prepared.height) == (3000, 3000)
    assert prepared.mime == "image/jpeg"


def test_an_animated_gif_is_fitted_from_its_first_frame() -> None:
    frames = [Image.new("RGB", (4000, 3000), color) for color in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    prepared = prepare_input(out.getvalue())
    with opened(prepared.data) as image:
        red, _, blue = image.convert("RGB").getpixel((5, 5))  # type: ignore[misc]
    assert red > 200 and blue < 50


def test_a_picture_too_narrow_to_fit_both_bounds_is_refused() -> None:
    with pytest.raises(InputImageError) as caught:
        prepare_input(encoded(9000, 300, "PNG"))
    assert caught.value.refusal is Refusal.EXTREME_ASPECT
    with pytest.raises(InputImageError) as caught:
        prepare_input(encoded(100, 3072, "PNG"))
    assert caught.value.refusal is Refusal.EXTREME_ASPECT
