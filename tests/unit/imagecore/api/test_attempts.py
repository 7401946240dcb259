"""The retry arithmetic, the attempt record and the error tree, without any HTTP."""

from __future__ import annotations

import inspect
import random

import pytest

from imagecore.api import answers, errors
from imagecore.api.attempts import Attempt, backoff_delay, default_budget, retry_fits
from imagecore.storage.records import AttemptRecord


def test_the_budget_is_the_timeout_plus_fifteen_seconds():
    assert default_budget(120) == 135
    assert default_budget(5) == 20


def test_backoff_grows_with_jitter_and_never_undercuts_retry_after():
    rng = random.Random(7)
    first = [backoff_delay(1, 1.0, None, rng) for _ in range(200)]
    third = [backoff_delay(3, 1.0, None, rng) for _ in range(200)]
    assert min(first) >= 0.5 and max(first) <= 1.5 and len(set(first)) > 100
    assert min(third) >= 2.0 and max(third) <= 6.0
    assert backoff_delay(1, 1.0, 30.0, rng) == 30.0


@pytest.mark.parametrize(
    ("delay", "left", "timeout", "fits"),
    [
        (1.0, 134.0, 120.0, True),
        (30.0, 100.0, 120.0, True),
        (50.0, 100.0, 120.0, False),  # only 50 s of a 120 s timeout would be left
        (4.0, 4.4, 1.0, False),
        (4.0, 4.5, 1.0, True),
    ],
)
def test_a_retry_needs_half_a_timeout_left_after_its_pause(delay, left, timeout, fits):
    assert retry_fits(delay, left, timeout) is fits


def test_an_attempt_is_frozen_and_stored_as_the_history_reads_it():
    attempt = Attempt(2, "server_error", 500, "req-9", 1.25)
    with pytest.raises(AttributeError):
        attempt.outcome = "ok"  # type: ignore[misc]
    assert attempt.as_dict() == {
        "number": 2,
        "outcome": "server_error",
        "status": 500,
        "request_id": "req-9",
        "seconds": 1.25,
    }
    assert AttemptRecord.from_dict(attempt.as_dict()).as_dict() == attempt.as_dict()


def test_errors_holds_only_exception_classes_under_one_base():
    for name in errors.__all__:
        value = getattr(errors, name)
        assert inspect.isclass(value) and issubclass(value, errors.ImageAPIError), name
    assert errors.ImageDownloadFailed.__bases__ == (errors.ImageAPIError,)
    assert errors.ConnectionLost.__bases__ == (errors.ServiceUnreachable,)


def test_only_failures_where_nothing_can_have_been_made_are_retryable():
    retryable = {name for name in errors.__all__ if getattr(errors, name).retryable}
    assert retryable == {"Throttled", "ServerError", "ServiceUnreachable"}


def test_the_answer_helpers_are_still_importable_from_errors():
    for name in ("classify_error", "parse_error_body", "parse_retry_after", "ErrorInfo"):
        assert getattr(errors, name) is getattr(answers, name)
    with pytest.raises(AttributeError):
        _ = errors.no_such_name
