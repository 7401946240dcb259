"""Small imagecore.api pieces without a test module of their own yet.

They belong in tests/unit/imagecore/api/ (test_errors.py, test_request.py) next to
the client tests; kept here until that package's owner moves them.
"""

from __future__ import annotations

import pytest

from imagecore.api.errors import parse_retry_after
from imagecore.api.request import ImageRequest


def test_retry_after_forms():
    assert parse_retry_after("2") == 2
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("99999") == 900
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0.0001


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prompt": " "},
        {"prompt": "x" * 801},
        {"negative_prompt": "x" * 501},
        {"seed": -1},
        {"seed": 2**31},
    ],
)
def test_request_refuses_what_the_api_would(kwargs):
    base = {"prompt": "cat", "model": "m", "size": "1*1", "prompt_extend": True, "watermark": False}
    with pytest.raises(ValueError):
        ImageRequest(**(base | kwargs))
