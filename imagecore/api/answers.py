"""Reading what the image API answered: an error answer into the error class that says what
to do about it, a Retry-After header into seconds, and a 200 answer into the image in it."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from imagecore.api.errors import (
    AuthFailed,
    BadRequest,
    BillingProblem,
    ContentRejected,
    ImageAPIError,
    InputNotUsable,
    InputRejected,
    MalformedAnswer,
    ServerError,
    StyleUnsupported,
    Throttled,
)

__all__ = [
    "AnswerItem",
    "ErrorInfo",
    "about_inputs",
    "classify_error",
    "decode_b64",
    "parse_error_body",
    "parse_image_answer",
    "parse_retry_after",
]


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    code: str | None
    message: str
    request_id: str | None


def parse_error_body(text: str) -> ErrorInfo:
    """Read both error shapes: DashScope's ``{code, message, request_id}`` and the
    OpenAI-style relay's ``{error: {message, type, code}}``."""
    try:
        body = json.loads(text)
    except ValueError:
        return ErrorInfo(None, _squash(text), None)
    if not isinstance(body, dict):
        return ErrorInfo(None, _squash(text), None)
    request_id = _str(body.get("request_id"))
    error = body.get("error")
    if isinstance(error, dict):
        code = _str(error.get("code")) or _str(error.get("type"))
        return ErrorInfo(code, _str(error.get("message")) or "", request_id)
    if isinstance(error, str):
        return ErrorInfo(_str(body.get("code")), error, request_id)
    return ErrorInfo(_str(body.get("code")), _str(body.get("message")) or "", request_id)


def _str(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _squash(text: str) -> str:
    # HTML error pages from proxies: keep the log line short and on one line.
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:300]


CONTENT_CODES = frozenset(
    {
        "DataInspectionFailed",
        "IPInfringementSuspect",
        "data_inspection_failed",
        "InvalidParameter.DataInspection",
    }
)
CONTENT_TEXT = re.compile(
    r"inappropriate content|data inspection|ip infringement|content[ _]policy|"
    r"sensitive (content|words)|green net|risk control",
    re.IGNORECASE,
)
BILLING_CODES = frozenset(
    {
        "Arrearage",
        "BillOverdue",
        "Throttling.AllocationQuota",
        "AllocationQuota.FreeTierOnly",
        "insufficient_quota",
        "insufficient_user_quota",
        "pre_consume_token_quota_failed",
    }
)
BILLING_TEXT = re.compile(
    r"arrear|good standing|overdue|allocated quota|free tier|insufficient[\w ]*quota|"
    r"quota (is )?(exhausted|exceeded|used up)|balance|余额|欠费",
    re.IGNORECASE,
)
AUTH_TEXT = re.compile(r"api[- _]?key|unauthori[sz]ed|access denied|forbidden|无效的令牌", re.I)


# What DashScope says when an edit's picture is the problem (its format, size, link or
# resolution), as opposed to a model or parameter the bot chose.
INPUT_CODES = frozenset({"InvalidURL", "BadRequest.TooLarge"})
INPUT_TEXT = re.compile(
    r"\bimages?\b|\burl\b|download|resolution|pixel|aspect|file (format|size)|too large|"
    r"input data|图片|图像",
    re.IGNORECASE,
)
OUTPUT_TEXT = re.compile(r"\boutput\b", re.IGNORECASE)
MODEL_NAMES = re.compile(r"\b(?:qwen|wan)[\w.]*(?:-[\w.]+)*", re.IGNORECASE)  # not "image"


def about_inputs(error: ImageAPIError) -> ImageAPIError:
    """``error`` of a request that carried input pictures, made specific when it is about
    them: moderation of the input, or a picture the provider could not use."""
    if isinstance(error, InputRejected | InputNotUsable | StyleUnsupported):
        return error
    kwargs = {
        "status": error.status,
        "code": error.code,
        "request_id": error.request_id,
        "retry_after": error.retry_after,
    }
    if OUTPUT_TEXT.search(error.detail):
        return error  # about the image it makes ("output size"), not the member's
    if isinstance(error, ContentRejected):
        return InputRejected(error.detail, **kwargs)
    if isinstance(error, BadRequest) and (
        error.code in INPUT_CODES
        or error.status == 413
        or INPUT_TEXT.search(MODEL_NAMES.sub("", error.detail))
    ):
        return InputNotUsable(error.detail, **kwargs)
    return error


def classify_error(
    status: int,
    text: str,
    *,
    retry_after: float | None = None,
    header_request_id: str | None = None,
) -> ImageAPIError:
    """Turn a non-200 answer into the error class that says what to do about it.

    The relay drops DashScope's codes, so the HTTP status and the message text decide too.
    """
    info = parse_error_body(text)
    code, message = info.code, info.message or f"HTTP {status}"
    kwargs = {
        "status": status,
        "code": code,
        "request_id": info.request_id or header_request_id,
        "retry_after": retry_after,
    }
    if code in CONTENT_CODES or (status == 400 and CONTENT_TEXT.search(message)):
        return ContentRejected(message, **kwargs)
    if code in BILLING_CODES or (status in (400, 402, 403, 429) and BILLING_TEXT.search(message)):
        return BillingProblem(message, **kwargs)
    if status == 402:
        return BillingProblem(message, **kwargs)
    if status in (401, 403) or (code or "").startswith(("InvalidApiKey", "AccessDenied")):
        return AuthFailed(message, **kwargs)
    if status == 429 or (code or "").startswith("Throttling"):
        return Throttled(message, **kwargs)
    if status == 408 or status >= 500:
        return ServerError(message, **kwargs)
    if status == 400 and AUTH_TEXT.search(message) and "key" in message.lower():
        return AuthFailed(message, **kwargs)
    if 400 <= status < 500:
        return BadRequest(message, **kwargs)
    return MalformedAnswer(f"unexpected HTTP {status}: {message}", **kwargs)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, 900.0))


@dataclass(frozen=True, slots=True)
class AnswerItem:
    """``data[0]`` of a 200 answer: exactly one of ``b64_json`` and ``url`` is set."""

    b64_json: str | None
    url: str | None
    revised_prompt: str | None


def parse_image_answer(body: bytes, request_id: str | None = None) -> AnswerItem:
    """The first image of a 200 answer, or MalformedAnswer. ``b64_json`` wins over ``url``;
    an empty or blank ``revised_prompt`` counts as none (qwen-image sends ``""``)."""
    try:
        answer = json.loads(body)
    except ValueError:
        snippet = body[:120].decode("utf-8", "replace")
        raise MalformedAnswer(f"answer is not JSON: {snippet!r}", request_id=request_id) from None
    items = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise MalformedAnswer("answer has no data[0]", request_id=request_id)
    item = items[0]
    revised = item.get("revised_prompt")
    revised = revised.strip() if isinstance(revised, str) and revised.strip() else None
    if isinstance(item.get("b64_json"), str) and item["b64_json"]:
        return AnswerItem(item["b64_json"], None, revised)
    if isinstance(item.get("url"), str) and item["url"]:
        return AnswerItem(None, item["url"], revised)
    raise MalformedAnswer("data[0] has neither url nor b64_json", request_id=request_id)


def decode_b64(text: str, cap: int, request_id: str | None = None) -> bytes:
    """The bytes of a ``b64_json`` (plain or a ``data:`` URI), refusing more than ``cap``."""
    if len(text) > cap * 4 // 3 + 4:
        raise MalformedAnswer("b64_json image is larger than the cap", request_id=request_id)
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedAnswer("b64_json is not valid base64", request_id=request_id) from None
