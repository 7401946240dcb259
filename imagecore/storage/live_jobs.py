"""Jobs in flight, kept in the database from the moment they are accepted until they end,
with everything another process needs to finish one: the resolved request, who asked and
where, the locales, the interaction's application id and token with its deadline, the
place in the fair order, the state and how many times it was started.

``Storage.live_jobs`` is the way in; each call is one short transaction of the storage's
(StorageUnavailable when the database can't be used). Nothing here is kept in memory: a
caller that gets StorageUnavailable decides what to do (the job is not durable then).

The interaction token is a credential for 15 minutes: it is held in an InteractionToken,
masked in every repr and str; every statement that ends a job clears it; errors raised
here never quote it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from imagecore.api.request import ImageRequest
from imagecore.storage.errors import driver_message, is_unavailable
from imagecore.storage.tables import live_jobs

__all__ = [
    "ACTIVE_STATES",
    "ENDED_STATES",
    "LIVE_STATES",
    "MAX_RUNS",
    "TOKEN_SECONDS",
    "InteractionToken",
    "LiveJob",
    "LiveJobError",
    "LiveJobs",
    "decode_requests",
    "encode_requests",
]

# queued → running → delivering → done, or failed / cancelled / expired on the way.
LIVE_STATES = ("queued", "running", "delivering", "done", "failed", "cancelled", "expired")
ACTIVE_STATES = ("queued", "running", "delivering")
ENDED_STATES = ("done", "failed", "cancelled", "expired")
# A job is started at most twice: once, and once more after the process running it died.
MAX_RUNS = 2
# How long Discord accepts an interaction's token, from the interaction.
TOKEN_SECONDS = 15 * 60
# Any fixed 64-bit number, the same in every process: serialises accepts on PostgreSQL, so
# each gets one more than the order before it (SQLite's write lock does it there).
ACCEPT_LOCK_KEY = 0x1A9E_C0DE_11FE_0001
_REQUEST_FIELDS = tuple(f.name for f in fields(ImageRequest) if f.name != "seed")


class InteractionToken:
    """An interaction's token: a credential that never shows up in a repr, log line or
    traceback (like config's Secret, which the core does not import)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ValueError("an interaction token can't be empty")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "InteractionToken('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InteractionToken) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class LiveJobError(Exception):
    """A job in flight could not be written for a reason other than the database being
    unavailable (a bug); the message never holds the token or the prompt."""


@dataclass(frozen=True, slots=True)
class LiveJob:
    """A job in flight as stored. ``requests`` holds one request per image, alike but for
    their seeds (as imagecore.policy.seeds.with_seeds makes them)."""

    job_key: str  # the stable key the jobs history uses too (16 hex digits)
    user_id: int
    guild_id: int | None  # None: a DM
    channel_id: int | None
    application_id: int
    token: InteractionToken | None  # None once the job has ended
    token_deadline: float  # Unix time the token stops working
    accepted_at: float  # Unix time
    requests: tuple[ImageRequest, ...]
    user_locale: str | None = None  # the member's Discord locale, e.g. "en-US"
    guild_locale: str | None = None  # the server's; None in DMs
    state: str = "queued"  # one of LIVE_STATES
    seq: int | None = None  # the place in the fair order; accept assigns it
    runs: int = 0  # how many times it was started (start_run), at most MAX_RUNS
    updated_at: float | None = None  # set by the storage at every write

    def __post_init__(self) -> None:
        if self.state not in LIVE_STATES:
            raise ValueError(f"unknown job state {self.state!r}")
        if not self.requests:
            raise ValueError("a job has at least one request")
        first = replace(self.requests[0], seed=None)
        if any(replace(r, seed=None) != first for r in self.requests[1:]):
            raise ValueError("a job's requests may differ only in their seeds")

    @property
    def image_count(self) -> int:
        return len(self.requests)

    @property
    def ended(self) -> bool:
        return self.state in ENDED_STATES


def encode_requests(requests: Sequence[ImageRequest]) -> dict[str, Any]:
    """The JSON the ``request`` column holds: the request's fields once (tuples as lists)
    and ``seeds``, one per image."""
    first = requests[0]
    encoded: dict[str, Any] = {}
    for name in _REQUEST_FIELDS:
        value = getattr(first, name)
        encoded[name] = list(value) if isinstance(value, tuple) else value
    encoded["seeds"] = [r.seed for r in requests]
    return encoded


def decode_requests(data: Mapping[str, Any]) -> tuple[ImageRequest, ...]:
    """``encode_requests`` undone. A field this code doesn't know is left out, one it
    misses takes ImageRequest's default."""
    known: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in data.items()
        if name in _REQUEST_FIELDS
    }
    base = ImageRequest(**known)
    return tuple(replace(base, seed=seed) for seed in data["seeds"])


class _Transactions(Protocol):
    def __call__(
        self, doing: str, *, write: bool
    ) -> AbstractAsyncContextManager[AsyncConnection]: ...


class LiveJobs:
    """The jobs in flight of one storage (``Storage.live_jobs``)."""

    def __init__(self, transaction: _Transactions, clock: Callable[[], float]) -> None:
        self._transaction = transaction
        self._clock = clock
        # The accepts of this process, one at a time in the order they were called: the
        # database's own lock lets whichever connection comes first win (SQLite opens one
        # per transaction), and two jobs accepted a millisecond apart swapped places.
        self._accepting = asyncio.Lock()

    async def accept(self, job: LiveJob) -> LiveJob:
        """Store a newly accepted job and give it the next place in the fair order;
        returns it as stored (``seq`` and ``updated_at`` set). Accepts called in one
        process get their places in the order they were called (asyncio's lock is FIFO);
        accepts from several processes each get a place of their own. Accepting a key that
        is already stored changes nothing and returns the stored job. ValueError for a job
        that has already ended or has no token."""
        if job.ended or job.token is None:
            raise ValueError("only a job in flight, with its token, is accepted")
        async with self._accepting:
            return await self._accept(job)

    async def _accept(self, job: LiveJob) -> LiveJob:
        async with self._transaction("accepting a job", write=True) as connection:
            if connection.dialect.name == "postgresql":
                # Released at commit; SQLite's writers already run one at a time.
                lock = sa.func.pg_advisory_xact_lock(ACCEPT_LOCK_KEY)
                await connection.execute(sa.select(lock))
            stored = await _find(connection, job.job_key)
            if stored is not None:
                return stored
            latest = sa.select(sa.func.coalesce(sa.func.max(live_jobs.c.seq), 0))
            seq = int(await connection.scalar(latest) or 0) + 1
            accepted = replace(job, seq=seq, updated_at=self._clock())
            try:
                await connection.execute(sa.insert(live_jobs).values(**_row(accepted)))
            except Exception as exc:
                if is_unavailable(exc):
                    raise
                # SQLAlchemy's message quotes the parameters, the token among them.
                message = f"accepting job {job.job_key}: {driver_message(exc)}"
                raise LiveJobError(message) from None
            return accepted

    async def find(self, job_key: str) -> LiveJob | None:
        """The stored job, ended or not; None when there is none (or it was purged)."""
        async with self._transaction("finding a job in flight", write=False) as connection:
            return await _find(connection, job_key)

    async def mark_state(self, job_key: str, state: str) -> bool:
        """Move a job that has not ended to ``state``; an ending state (done, failed,
        cancelled, expired) clears its token in the same statement. False when there is no
        such job or it had already ended (an end is final). ValueError for an unknown
        state. Starting a run is start_run's, which counts it."""
        if state not in LIVE_STATES:
            raise ValueError(f"unknown job state {state!r}")
        values: dict[str, Any] = {"state": state, "updated_at": self._clock()}
        if state in ENDED_STATES:
            values["token"] = None
        statement = (
            sa.update(live_jobs)
            .where(live_jobs.c.job_key == job_key, live_jobs.c.state.in_(ACTIVE_STATES))
            .values(**values)
        )
        async with self._transaction("changing a job's state", write=True) as connection:
            return (await connection.execute(statement)).rowcount == 1

    async def start_run(self, job_key: str) -> int | None:
        """Count one more start of the job and mark it running; returns its runs so far
        (1, or 2 for a job run once more after a restart). None, with nothing changed, when
        it was started MAX_RUNS times already, has ended or is not stored. One statement:
        two processes starting the same job at once get 1 and 2, never 2 and 2."""
        statement = (
            sa.update(live_jobs)
            .where(
                live_jobs.c.job_key == job_key,
                live_jobs.c.state.in_(ACTIVE_STATES),
                live_jobs.c.runs < MAX_RUNS,
            )
            .values(runs=live_jobs.c.runs + 1, state="running", updated_at=self._clock())
            .returning(live_jobs.c.runs)
        )
        async with self._transaction("starting a job", write=True) as connection:
            runs = (await connection.execute(statement)).scalar_one_or_none()
        return None if runs is None else int(runs)

    async def resumable(self, now: float | None = None) -> list[LiveJob]:
        """The jobs that have not ended and whose token still works at ``now`` (default:
        the storage's clock), in fair order (oldest accept first)."""
        at = self._clock() if now is None else now
        query = (
            sa.select(live_jobs)
            .where(live_jobs.c.state.in_(ACTIVE_STATES), live_jobs.c.token_deadline > at)
            .order_by(live_jobs.c.seq)
        )
        async with self._transaction("reading jobs to resume", write=False) as connection:
            return [_live_job(row) for row in (await connection.execute(query)).mappings()]

    async def expire(self, now: float | None = None) -> list[LiveJob]:
        """End as expired, token cleared, every job not ended whose token no longer works
        at ``now`` (default: the storage's clock); returns them as stored now, in fair
        order. Nobody can tell their members any more (that takes the token): they are
        for the log."""
        at = self._clock() if now is None else now
        statement = (
            sa.update(live_jobs)
            .where(live_jobs.c.state.in_(ACTIVE_STATES), live_jobs.c.token_deadline <= at)
            .values(state="expired", token=None, updated_at=self._clock())
            .returning(*live_jobs.c)
        )
        async with self._transaction("expiring jobs", write=True) as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return sorted((_live_job(row) for row in rows), key=lambda j: j.seq or 0)

    async def purge(self, older_than: float) -> int:
        """Delete the ended jobs last written before ``older_than``; returns how many. The
        newest accept always stays, so the fair order never hands out a number again."""
        newest = sa.select(sa.func.max(live_jobs.c.seq)).scalar_subquery()
        statement = sa.delete(live_jobs).where(
            live_jobs.c.state.in_(ENDED_STATES),
            live_jobs.c.updated_at < older_than,
            live_jobs.c.seq < newest,
        )
        async with self._transaction("purging ended jobs", write=True) as connection:
            return (await connection.execute(statement)).rowcount


async def _find(connection: AsyncConnection, job_key: str) -> LiveJob | None:
    query = sa.select(live_jobs).where(live_jobs.c.job_key == job_key)
    row = (await connection.execute(query)).mappings().first()
    return None if row is None else _live_job(row)


def _row(job: LiveJob) -> dict[str, Any]:
    return {
        "job_key": job.job_key,
        "state": job.state,
        "user_id": job.user_id,
        "guild_id": job.guild_id,
        "channel_id": job.channel_id,
        "user_locale": job.user_locale,
        "guild_locale": job.guild_locale,
        "application_id": job.application_id,
        "token": None if job.token is None else job.token.reveal(),
        "token_deadline": job.token_deadline,
        "accepted_at": job.accepted_at,
        "seq": job.seq,
        "runs": job.runs,
        "request": encode_requests(job.requests),
        "image_count": job.image_count,
        "updated_at": job.updated_at,
    }


def _live_job(row: Mapping[Any, Any]) -> LiveJob:
    token = row["token"]
    return LiveJob(
        job_key=row["job_key"],
        user_id=row["user_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        application_id=row["application_id"],
        token=None if token is None else InteractionToken(token),
        token_deadline=row["token_deadline"],
        accepted_at=row["accepted_at"],
        requests=decode_requests(row["request"]),
        user_locale=row["user_locale"],
        guild_locale=row["guild_locale"],
        state=row["state"],
        seq=row["seq"],
        runs=row["runs"],
        updated_at=row["updated_at"],
    )
