"""LOG_FORMAT=json: one parseable object per line, secrets scrubbed, tracebacks kept inside."""

from __future__ import annotations

import io
import json
import logging

from runtime.json_logs import JsonFormatter
from runtime.log_redaction import RedactSecrets

SECRET = "sk-very-secret-key-123"


def json_logger(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([SECRET]))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.json_logs")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger


def test_each_record_is_one_json_object_with_secrets_scrubbed() -> None:
    stream = io.StringIO()
    logger = json_logger(stream)
    logger.warning("calling with key %s for %s", SECRET, "一只猫")
    try:
        raise RuntimeError(f"boom {SECRET}\nsecond line")
    except RuntimeError:
        logger.exception("job failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # the traceback's newlines are escaped inside its object
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "WARNING"
    assert first["logger"] == "test.json_logs"
    assert first["message"] == "calling with key [redacted] for 一只猫"
    assert first["time"].endswith("+00:00")
    assert second["message"].startswith("job failed\nTraceback")
    assert "RuntimeError: boom [redacted]" in second["message"]
    assert SECRET not in stream.getvalue()
