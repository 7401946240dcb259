"""Remembering which command definitions were last synced, so restarts skip the sync.

Discord rate-limits command registration (about 200 creates a day per guild); a bot
that syncs on every start burns that on a crash loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["SyncState", "commands_fingerprint"]

log = logging.getLogger(__name__)


def commands_fingerprint(commands: Sequence[dict[str, Any]], scope: Sequence[int]) -> str:
    """A stable hash of the command payloads and where they are synced to."""
    canonical = json.dumps(
        {"commands": sorted(commands, key=lambda c: str(c.get("name"))), "scope": sorted(scope)},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class SyncState:
    def __init__(self, path: Path) -> None:
        self.path = path

    def last(self) -> str | None:
        try:
            return self.path.read_text().strip() or None
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read %s (%s); commands will be synced", self.path, exc)
            return None

    def needs_sync(self, fingerprint: str) -> bool:
        return self.last() != fingerprint

    def remember(self, fingerprint: str) -> None:
        # Write then rename, so a crash mid-write never leaves a half hash behind.
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(fingerprint + "\n")
        os.replace(tmp, self.path)
