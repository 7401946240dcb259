"""Error classes for everything that can go wrong between a prompt and an image.

The classes say what kind of trouble it is (and so whether a retry can help); the
sentences members read live next to the cog. ``detail`` is for the owner's logs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = [
    "AuthFailed",
    "BadRequest",
    "BillingProblem",
    "ContentRejected",
    "ErrorInfo",
    "ImageAPIError",
    "ImageDownloadFailed",
    "MalformedAnswer",
    "RequestTimedOut",
    "ServerError",
    "ServiceUnreachable",
    "Throttled",
    "classify_error",
    "parse_error_body",
    "parse_retry_after",
]


class ImageAPIError(Exception):
    """Base class. ``retryable`` tells the client whether another attempt may succeed."""

    retryable = False

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after

    def log_line(self) -> str:
        """One line for the owner: class, HTTP status, provider code, request id, message."""
        return (
            f"{type(self).__name__} status={self.status} code={self.code} "
            f"request_id={self.request_id}: {self.detail}"
        )


class ContentRejected(ImageAPIError):
    """The provider's moderation refused the prompt or the image it made."""


class BadRequest(ImageAPIError):
    """The provider refused the parameters (unknown model, bad size, ...): a setup problem."""


class AuthFailed(ImageAPIError):
    """The API key is wrong, or the account may not use this model."""


class BillingProblem(ImageAPIError):
    """The account is in arrears or its quota is used up: no retry helps until the owner acts."""


class Throttled(ImageAPIError):
    """Too many requests right now; retry after a pause."""

    retryable = True


class ServerError(ImageAPIError):
    """The provider failed (5xx, 408); another attempt often works."""

    retryable = True


class RequestTimedOut(ImageAPIError):
    """No answer within IMAGE_API_TIMEOUT."""

    retryable = True


class ServiceUnreachable(ImageAPIError):
    """The connection failed before any answer (DNS, refused, reset)."""

    retryable = True


class MalformedAnswer(ImageAPIError):
    """A 200 answer the bot cannot use: not JSON, no data, no image in it."""


class ImageDownloadFailed(MalformedAnswer):
    """The result URL could not be fetched (expired, too large, not an image)."""


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
    {"DataInspectionFailed", "IPInfringementSuspect", "data_inspection_failed"}
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
