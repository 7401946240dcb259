"""Secrets never reach a log handler: keys, bot tokens, webhook tokens, tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from runtime.log_redaction import RedactSecrets, install_redaction

API_KEY = "sk-very-secret"
BOT_TOKEN = "MTAx.Gg.abc"
WEBHOOK_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTA"


def record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("x", logging.DEBUG, __file__, 1, msg, args, exc_info)


def test_redaction_of_keys_tokens_and_webhook_urls() -> None:
    redactor = RedactSecrets([API_KEY, BOT_TOKEN])
    rec = record(
        f"POST https://discord.com/api/v10/webhooks/123/{WEBHOOK_TOKEN} key=%s tok=%s",
        API_KEY,
        BOT_TOKEN,
    )
    assert redactor.filter(rec) is True  # scrub, never drop
    text = rec.getMessage()
    assert API_KEY not in text and BOT_TOKEN not in text
    assert WEBHOOK_TOKEN[:15] not in text and "/webhooks/123/[token]" in text
    assert text.count("[redacted]") == 2


def test_authorization_headers_are_redacted_even_when_unknown() -> None:
    text = RedactSecrets([]).redact("Authorization: Bot abcdefgh12 / Bearer zyxwvuts98")
    assert text == "Authorization: Bot [redacted] / Bearer [redacted]"


def test_a_secret_containing_another_is_replaced_whole() -> None:
    text = RedactSecrets(["secret", "secret-and-more"]).redact("x secret-and-more y")
    assert text == "x [redacted] y"


def test_very_short_values_are_not_treated_as_secrets() -> None:
    # An empty or tiny setting would otherwise blank out every "a" in the log.
    assert RedactSecrets(["", "abc"]).redact("abc cab") == "abc cab"


def test_a_traceback_is_redacted_too() -> None:
    try:
        raise RuntimeError(f"request failed with key {API_KEY}")
    except RuntimeError as exc:
        rec = record("upload failed", exc=exc)
    RedactSecrets([API_KEY]).filter(rec)
    assert rec.exc_info is None  # already formatted, so no handler formats it again
    text = logging.Formatter().format(rec)
    assert "RuntimeError: request failed with key [redacted]" in text
    assert API_KEY not in text


@pytest.fixture
def root_handler() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_install_redaction_covers_records_from_child_loggers(root_handler: io.StringIO) -> None:
    redactor = install_redaction([API_KEY])
    try:
        logger = logging.getLogger("imagecore.api.client.test")
        logger.setLevel(logging.INFO)
        logger.info("calling with %s", API_KEY)
    finally:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(redactor)
        logging.getLogger("imagecore.api.client.test").setLevel(logging.NOTSET)
    assert root_handler.getvalue() == "calling with [redacted]\n"
