"""An edit's errors that are about the member's picture get their own class (and so their
own sentence); the same answers to a request without pictures keep the general one."""

from __future__ import annotations

import json

import pytest

from imagecore.api.answers import about_inputs, classify_error
from imagecore.api.errors import (
    BadRequest,
    BillingProblem,
    ContentRejected,
    InputNotUsable,
    InputRejected,
)


def answer(status: int, code: str, message: str) -> str:
    return json.dumps({"code": code, "message": message, "request_id": "req-1"})


@pytest.mark.parametrize(
    ("status", "code", "message", "general", "specific"),
    [
        (
            400,
            "DataInspectionFailed",
            "Input data may contain inappropriate content.",
            ContentRejected,
            InputRejected,
        ),
        (
            400,
            "InvalidParameter.DataInspection",
            "The input image may contain sensitive content",
            ContentRejected,
            InputRejected,
        ),
        (
            400,
            "InvalidParameter",
            "The image resolution is too small, at least 384 pixels",
            BadRequest,
            InputNotUsable,
        ),
        (400, "InvalidURL", "Download the media resource timed out", BadRequest, InputNotUsable),
        (413, "BadRequest.TooLarge", "Request body too large", BadRequest, InputNotUsable),
        (400, "InvalidParameter", "Unsupported image format", BadRequest, InputNotUsable),
    ],
)
def test_input_problems_are_told_apart(status, code, message, general, specific):
    error = classify_error(status, answer(status, code, message))
    assert type(error) is general
    made = about_inputs(error)
    assert type(made) is specific
    assert (made.status, made.code, made.request_id, made.detail) == (
        status,
        code,
        "req-1",
        message,
    )


@pytest.mark.parametrize(
    ("status", "code", "message", "kept"),
    [
        # The image the model made was refused: not the member's picture.
        (
            400,
            "DataInspectionFailed",
            "Output data may contain inappropriate content.",
            ContentRejected,
        ),
        (400, "InvalidParameter", "The model qwen-image-foo does not exist", BadRequest),
        (
            400,
            "InvalidParameter",
            "The size of output image must be between 512*512 and 2048*2048",
            BadRequest,
        ),
        (400, "Arrearage", "Access denied, account is in arrears", BillingProblem),
    ],
)
def test_other_problems_stay_what_they_are(status, code, message, kept):
    error = about_inputs(classify_error(status, answer(status, code, message)))
    assert type(error) is kept
