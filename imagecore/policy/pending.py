"""Images a member (and a server) has asked for that are not finished yet: queued, being
made, or made and being posted. They count toward the limits until their end is recorded,
so a burst of requests can't pass a daily budget or the pending limit."""

from __future__ import annotations

from collections import Counter

__all__ = ["Hold", "PendingJobs"]


class Hold:
    """One pending image; ``release`` once its end is recorded (a second call does nothing)."""

    __slots__ = ("_guild_id", "_jobs", "_user_id")

    def __init__(self, jobs: PendingJobs, user_id: int, guild_id: int | None) -> None:
        self._jobs: PendingJobs | None = jobs
        self._user_id = user_id
        self._guild_id = guild_id

    def release(self) -> None:
        if self._jobs is not None:
            self._jobs._release(self._user_id, self._guild_id)
            self._jobs = None


class PendingJobs:
    def __init__(self) -> None:
        self._users: Counter[int] = Counter()
        self._guilds: Counter[int] = Counter()

    def hold(self, user_id: int, guild_id: int | None) -> Hold:
        self._users[user_id] += 1
        if guild_id is not None:
            self._guilds[guild_id] += 1
        return Hold(self, user_id, guild_id)

    def for_user(self, user_id: int) -> int:
        return self._users[user_id]

    def for_guild(self, guild_id: int | None) -> int:
        return 0 if guild_id is None else self._guilds[guild_id]

    def _release(self, user_id: int, guild_id: int | None) -> None:
        _take_one(self._users, user_id)
        if guild_id is not None:
            _take_one(self._guilds, guild_id)


def _take_one(counter: Counter[int], key: int) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
