"""``LOG_FORMAT=json``: one JSON object per log line, for log collectors.

The redaction filter runs on the handler before this formatter, so what is written here
is already scrubbed; a traceback arrives folded into the message by it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

__all__ = ["JsonFormatter", "use_json_logs"]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = self.formatException(record.exc_info)
        # ensure_ascii off: Chinese prompts stay readable; json still escapes newlines.
        return json.dumps(entry, ensure_ascii=False)


def use_json_logs() -> None:
    formatter = JsonFormatter()
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
