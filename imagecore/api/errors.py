"""The exceptions of the image API client: what kind of trouble it was, and so whether
another attempt can help.

The classes only; reading an error answer into one of them lives in
:mod:`imagecore.api.answers`. The sentences members read live next to the cog; ``detail``
is for the owner's logs. ``retryable`` is the client's rule for a new attempt, ``outcome``
the word an :class:`~imagecore.api.attempts.Attempt` records::

    ImageAPIError                 (outcome)        retried?
    ├── ContentRejected           refused          no
    ├── BadRequest                refused          no
    │   └── StyleUnsupported      refused          no: never sent
    ├── AuthFailed                refused          no
    ├── BillingProblem            refused          no
    ├── Throttled                 throttled        yes, after Retry-After / backoff
    ├── ServerError               server_error     yes (5xx, 408: not billed)
    ├── RequestTimedOut           timeout          no: the provider may still make it
    ├── ServiceUnreachable        unreachable      yes: the request was never sent
    │   └── ConnectionLost        disconnected     no: the request may have arrived
    ├── MalformedAnswer           malformed        no
    └── ImageDownloadFailed       download_failed  no (the download itself is retried once)

Every error ``ImageClient.generate`` raises carries ``attempts``: the tuple of
:class:`~imagecore.api.attempts.Attempt` it made, so the caller can store what was paid for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagecore.api.attempts import Attempt

__all__ = [
    "AuthFailed",
    "BadRequest",
    "BillingProblem",
    "ConnectionLost",
    "ContentRejected",
    "ImageAPIError",
    "ImageDownloadFailed",
    "InputNotUsable",
    "InputRejected",
    "MalformedAnswer",
    "RequestTimedOut",
    "ServerError",
    "ServiceUnreachable",
    "StyleUnsupported",
    "Throttled",
]


class ImageAPIError(Exception):
    """Base class. ``retryable`` tells the client whether another attempt may succeed."""

    retryable = False
    outcome = "error"

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
        # Set by ImageClient.generate on the way out: every attempt made for the call.
        self.attempts: tuple[Attempt, ...] = ()

    def log_line(self) -> str:
        """One line for the owner: class, HTTP status, provider code, request id, message."""
        return (
            f"{type(self).__name__} status={self.status} code={self.code} "
            f"request_id={self.request_id}: {self.detail}"
        )


class ContentRejected(ImageAPIError):
    """The provider's moderation refused the prompt or the image it made."""

    outcome = "refused"


class BadRequest(ImageAPIError):
    """The provider refused the parameters (unknown model, bad size, ...): a setup problem."""

    outcome = "refused"


class InputRejected(ContentRejected):
    """The provider's moderation refused an edit's input (its picture or instruction)."""


class InputNotUsable(BadRequest):
    """The provider could not use an edit's input picture (format, size, resolution)."""


class StyleUnsupported(BadRequest):
    """The request asks for something the configured IMAGE_API_STYLE cannot carry (input
    images on ``openai``); raised before anything is sent."""


class AuthFailed(ImageAPIError):
    """The API key is wrong, or the account may not use this model."""

    outcome = "refused"


class BillingProblem(ImageAPIError):
    """The account is in arrears or its quota is used up: no retry helps until the owner acts."""

    outcome = "refused"


class Throttled(ImageAPIError):
    """Too many requests right now; retry after a pause."""

    retryable = True
    outcome = "throttled"


class ServerError(ImageAPIError):
    """The provider answered that it failed (5xx, 408); another attempt often works."""

    retryable = True
    outcome = "server_error"


class RequestTimedOut(ImageAPIError):
    """No answer within IMAGE_API_TIMEOUT, or no time left in the call's budget.

    Not retried: the provider may still be making (and billing) the abandoned image."""

    outcome = "timeout"


class ServiceUnreachable(ImageAPIError):
    """The connection failed before the request was sent (DNS, refused, connect timeout)."""

    retryable = True
    outcome = "unreachable"


class ConnectionLost(ServiceUnreachable):
    """The connection broke after the request was sent (reset, disconnect mid-answer).

    Not retried, unlike its parent: the provider may have received it and be billing it."""

    retryable = False
    outcome = "disconnected"


class MalformedAnswer(ImageAPIError):
    """A 200 answer the bot cannot use: not JSON, no data, no image in it."""

    outcome = "malformed"


class ImageDownloadFailed(ImageAPIError):
    """The image was made but its URL could not be fetched (expired, too large, failed)."""

    outcome = "download_failed"


# The answer-reading helpers used to live here; old imports keep working for now.
_MOVED = frozenset({"ErrorInfo", "classify_error", "parse_error_body", "parse_retry_after"})


def __getattr__(name: str) -> Any:
    # Lazy, because imagecore.api.answers imports this module.
    if name in _MOVED:
        from imagecore.api import answers

        return getattr(answers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
