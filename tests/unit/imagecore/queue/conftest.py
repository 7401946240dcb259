from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from imagecore.queue import FairScheduler


@pytest.fixture
async def make_scheduler() -> AsyncIterator[Callable[..., FairScheduler]]:
    """Builds schedulers with small test defaults and shuts each down afterwards."""
    created: list[FairScheduler] = []

    def factory(**kwargs: object) -> FairScheduler:
        kwargs.setdefault("workers", 2)
        kwargs.setdefault("max_pending_per_user", 50)
        kwargs.setdefault("typical_job_seconds", 0.01)
        scheduler = FairScheduler(**kwargs)  # type: ignore[arg-type]
        created.append(scheduler)
        return scheduler

    yield factory
    for scheduler in created:
        await scheduler.shutdown(0)
