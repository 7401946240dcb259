"""Images a member (and a server) has asked for that are not finished yet: queued, being
made, or made and being posted. They count toward the limits until their end is recorded,
so a burst of requests can't pass a daily budget or the pending limit.

A request of several images is one hold of that many images: daily budgets count its
images, the per-member pending limit counts it once (``requests_of``)."""

from __future__ import annotations

from collections import Counter

__all__ = ["Hold", "PendingJobs"]


class Hold:
    """One pending request of ``images`` images; ``release`` once its end is recorded (a
    second call does nothing)."""

    __slots__ = ("_guild_id", "_jobs", "_user_id", "images")

    def __init__(
        self, jobs: PendingJobs, user_id: int, guild_id: int | None, images: int = 1
    ) -> None:
        self._jobs: PendingJobs | None = jobs
        self._user_id = user_id
        self._guild_id = guild_id
        self.images = images

    def release(self) -> None:
        if self._jobs is not None:
            self._jobs._release(self._user_id, self._guild_id, self.images)
            self._jobs = None


class PendingJobs:
    def __init__(self) -> None:
        self._users: Counter[int] = Counter()
        self._guilds: Counter[int] = Counter()
        self._requests: Counter[int] = Counter()

    def hold(self, user_id: int, guild_id: int | None, images: int = 1) -> Hold:
        if images < 1:
            raise ValueError("a request holds at least one image")
        self._users[user_id] += images
        self._requests[user_id] += 1
        if guild_id is not None:
            self._guilds[guild_id] += images
        return Hold(self, user_id, guild_id, images)

    def for_user(self, user_id: int) -> int:
        """The member's pending images."""
        return self._users[user_id]

    def requests_of(self, user_id: int) -> int:
        """The member's pending requests, whatever their number of images."""
        return self._requests[user_id]

    def for_guild(self, guild_id: int | None) -> int:
        return 0 if guild_id is None else self._guilds[guild_id]

    def _release(self, user_id: int, guild_id: int | None, images: int) -> None:
        _take(self._users, user_id, images)
        _take(self._requests, user_id, 1)
        if guild_id is not None:
            _take(self._guilds, guild_id, images)


def _take(counter: Counter[int], key: int, n: int) -> None:
    counter[key] -= n
    if counter[key] <= 0:
        del counter[key]
