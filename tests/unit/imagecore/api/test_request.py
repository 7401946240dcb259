"""imagecore.api.request.ImageRequest refuses what the image API would refuse, so no caller
can send junk upstream, and accepts everything up to the limits."""

from __future__ import annotations

from typing import Any

import pytest

from imagecore.api.request import MAX_NEGATIVE_PROMPT, MAX_PROMPT, MAX_SEED, ImageRequest

BASE: dict[str, Any] = {
    "prompt": "cat",
    "model": "m",
    "size": "1*1",
    "prompt_extend": True,
    "watermark": False,
}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"prompt": " "}, "prompt is empty"),
        ({"prompt": "x" * 801}, "prompt is longer than 800"),
        ({"negative_prompt": "x" * 501}, "negative prompt is longer than 500"),
        ({"seed": -1}, "seed must be between"),
        ({"seed": 2**31}, "seed must be between"),
    ],
)
def test_request_refuses_what_the_api_would(fields: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        ImageRequest(**(BASE | fields))


@pytest.mark.parametrize(
    "fields",
    [
        {"prompt": "x" * MAX_PROMPT},
        {"negative_prompt": "x" * MAX_NEGATIVE_PROMPT},
        {"negative_prompt": ""},
        {"seed": 0},
        {"seed": MAX_SEED},
        {"seed": None},
    ],
)
def test_request_accepts_everything_up_to_the_limits(fields: dict[str, Any]) -> None:
    request = ImageRequest(**(BASE | fields))
    for name, value in fields.items():
        assert getattr(request, name) == value
