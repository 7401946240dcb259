"""A logging filter that scrubs secrets from every record before any handler sees it.

The bot never formats its keys into log lines, but libraries log URLs at DEBUG, and
interaction webhook URLs carry a token that can post as the bot for 15 minutes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["RedactSecrets", "install_redaction"]

URL_TOKENS = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_\-.]{20,}")
BEARER = re.compile(r"(Bearer |Bot )[A-Za-z0-9_\-.]{8,}")


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        text = URL_TOKENS.sub(r"\1[token]", text)
        return BEARER.sub(r"\1[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now so the redacted text is what gets printed.
            cleaned += "\n" + self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
            record.exc_text = None
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def install_redaction(secrets: Iterable[str]) -> RedactSecrets:
    """Attach the filter to every handler of the root logger (filters on loggers do not
    apply to records propagated from child loggers; filters on handlers do)."""
    redactor = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    return redactor
