"""The record of each call to the image API, and the rules for when another one is made.

Retry rules (``ImageClient.generate``):

- Retried, with exponential backoff and full jitter (at least Retry-After when given):
  429 (Throttled), 5xx and 408 (ServerError), and connection failures before the request
  was sent (ServiceUnreachable: DNS, refused, connect timeout).
- Never retried: anything that may have reached the provider without an answer coming
  back (RequestTimedOut, ConnectionLost): it may still be making, and billing, that image.
  Nor refusals and unusable answers, which a second try would only repeat.
- The whole call has a *budget*, ``timeout + RETRY_ALLOWANCE`` seconds unless the client is
  given another: attempts, pauses, waits for a gate slot and the download all fit in it, as
  does anything before the caller's ``deadline``. A retry is made only when, after its
  pause, at least ``RETRY_MIN_SHARE`` of the timeout is left for it: an attempt cut short
  would be abandoned half made, and perhaps billed.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "RETRY_ALLOWANCE",
    "RETRY_MIN_SHARE",
    "Attempt",
    "AttemptGate",
    "OpenGate",
    "backoff_delay",
    "default_budget",
    "retry_fits",
]

RETRY_ALLOWANCE = 15.0
RETRY_MIN_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Attempt:
    """One generation request sent to the API (an attempt that never left is not one).

    ``seconds`` is how long the request took, from sending it to its answer (or failure),
    without the wait for a gate slot or the image download."""

    number: int  # 1 for the first try
    outcome: str  # "ok" or the error class's ``outcome`` ("throttled", "timeout", ...)
    status: int | None  # HTTP status; None when no answer came
    request_id: str | None  # the API's id for the request, when it gave one
    seconds: float

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Attempt:
        """From ``as_dict()``'s shape (a stored row). Other keys are
        ignored; ValueError for a missing key or a value of the wrong type."""
        try:
            number, outcome, status = data["number"], data["outcome"], data["status"]
            request_id, seconds = data["request_id"], data["seconds"]
        except KeyError as exc:
            raise ValueError(f"an attempt needs {exc.args[0]!r}: {dict(data)!r}") from None
        if (
            isinstance(number, int)
            and not isinstance(number, bool)
            and isinstance(outcome, str)
            and (status is None or (isinstance(status, int) and not isinstance(status, bool)))
            and (request_id is None or isinstance(request_id, str))
            and isinstance(seconds, int | float)
            and not isinstance(seconds, bool)
        ):
            return cls(number, outcome, status, request_id, float(seconds))
        raise ValueError(f"not an attempt: {dict(data)!r}")

    def as_dict(self) -> dict[str, object]:
        """The shape the job history stores (``from_dict`` reads it back)."""
        return {
            "number": self.number,
            "outcome": self.outcome,
            "status": self.status,
            "request_id": self.request_id,
            "seconds": self.seconds,
        }


def default_budget(timeout: float) -> float:
    """The longest one ``generate()`` call may take: one full timeout plus room for a few
    quick failures, their pauses and the download."""
    return timeout + RETRY_ALLOWANCE


def backoff_delay(
    number: int, base: float, retry_after: float | None, rng: random.Random | None = None
) -> float:
    """The pause after failed attempt ``number``: exponential with full jitter, which spreads
    many members' retries apart, and never shorter than the provider's Retry-After."""
    jitter = (rng or random).random()
    return max(base * (2 ** (number - 1)) * (0.5 + jitter), retry_after or 0.0)


def retry_fits(delay: float, left: float, timeout: float) -> bool:
    """Whether a retry after ``delay`` still has a fair share of ``timeout`` within the
    ``left`` seconds of the budget."""
    return left - delay >= timeout * RETRY_MIN_SHARE


class AttemptGate(Protocol):
    """Where every API attempt waits for its turn (concurrency and request rate)."""

    def slot(self) -> AbstractAsyncContextManager[None]: ...

    def throttled(self, retry_after: float | None) -> None: ...

    def succeeded(self) -> None: ...


class OpenGate:
    """A gate that never waits, for callers without a scheduler."""

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        yield

    def throttled(self, retry_after: float | None) -> None:
        pass

    def succeeded(self) -> None:
        pass
