"""When each member last asked for an image, in memory, for the cooldown.

Seeded at start from history (the last day of it: no cooldown is longer), then kept by
every request this process takes. Entries older than a day are dropped as new ones come,
so it holds at most the members active in the last day; past ``cap`` entries the oldest go
too, and a member no longer known is looked up in history again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

__all__ = ["HORIZON", "RecentRequests", "Unknown"]

HORIZON = 86_400.0  # seconds: the longest cooldown a server may set
Key = tuple[int | None, int]  # (guild id or None for DMs, user id)


class Unknown:
    """Not in memory: history has to say."""


UNKNOWN = Unknown()


class RecentRequests:
    def __init__(self, *, cap: int = 100_000) -> None:
        self._cap = cap
        # Oldest first, so dropping what is too old stops at the first recent entry.
        self._last: OrderedDict[Key, float] = OrderedDict()
        self._complete_since: float | None = None  # every request since then is here

    def seed(self, known: Mapping[Key, float], *, since: float) -> None:
        """History's newest request per member since ``since`` (at start)."""
        for key, at in sorted(known.items(), key=lambda item: item[1]):
            self.note(key, at)
        self._complete_since = since

    def note(self, key: Key, at: float) -> None:
        previous = self._last.pop(key, None)
        self._last[key] = max(at, previous) if previous is not None else at
        self._prune(at)

    def last(self, key: Key, now: float) -> float | Unknown | None:
        """When ``key`` last asked; None if not within the horizon; UNKNOWN if memory can't
        tell (not seeded, or the entry was dropped for room)."""
        at = self._last.get(key)
        if at is not None:
            return at
        complete = self._complete_since is not None and self._complete_since <= now - HORIZON
        return None if complete else UNKNOWN

    def _prune(self, now: float) -> None:
        while self._last:
            key, at = next(iter(self._last.items()))
            if at >= now - HORIZON and len(self._last) <= self._cap:
                return
            del self._last[key]
            if at >= now - HORIZON:
                # Dropped for room while still within the horizon: memory is no longer
                # the whole story for members not in it.
                self._complete_since = None

    def __len__(self) -> int:
        return len(self._last)
