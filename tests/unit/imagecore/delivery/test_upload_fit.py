from __future__ import annotations

import io

from PIL import Image

from imagecore.api.image_bytes import image_extension
from imagecore.delivery.upload_fit import fit_for_upload
from imagecore.i18n import Catalogs
from tests.support.api_standin import make_png


def test_a_png_that_fits_is_posted_byte_for_byte():
    png = make_png(100, 100, noise=True)
    fitted = fit_for_upload(png, 10 * 1024 * 1024)
    assert fitted.data is png
    assert fitted.extension == "png"
    assert fitted.note is None


def test_a_png_over_the_limit_is_re_encoded_under_it_and_says_so():
    png = make_png(1328, 1328, noise=True)  # incompressible: about 5 MB
    limit = 2 * 1024 * 1024
    assert len(png) > limit
    fitted = fit_for_upload(png, limit)
    assert len(fitted.data) <= limit
    assert fitted.extension in ("webp", "jpg")
    assert image_extension(fitted.data) == fitted.extension
    assert fitted.note is not None and fitted.note.params["limit"] == "2 MB"
    english = Catalogs.load().language("en-US").say(fitted.note)
    assert english.endswith("to fit this server's 2 MB upload limit.")
    with Image.open(io.BytesIO(fitted.data)) as image:
        image.load()


def test_a_tiny_limit_shrinks_the_picture():
    png = make_png(800, 800, noise=True)
    fitted = fit_for_upload(png, 64 * 1024 + 40_000)
    with Image.open(io.BytesIO(fitted.data)) as image:
        assert image.width < 800
    assert fitted.note is not None
    assert "×" in Catalogs.load().language("zh-CN").say(fitted.note)
