"""A job's row in flight: its end mark is tried again while the database is down (a lost
"done" would have the next start make and post the image again); other marks are not."""

from __future__ import annotations

import pytest

from cogs.imagine.live_row import LiveRow
from imagecore.background import BackgroundTasks
from imagecore.storage import StorageUnavailable

KEY = "00000000000000d1"


class FlakyLiveJobs:
    """Down for the first ``down`` calls, then fine; notes every mark it was asked."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.asked: list[str] = []
        self.stored: list[str] = []

    async def mark_state(self, job_key: str, state: str) -> bool:
        assert job_key == KEY
        self.asked.append(state)
        if len(self.asked) <= self.down:
            raise StorageUnavailable("changing a job's state: database unavailable")
        self.stored.append(state)
        return True


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cogs.imagine.live_row.END_RETRY_FIRST", 0.01)
    monkeypatch.setattr("cogs.imagine.live_row.END_RETRY_MOST", 0.02)


def row(live_jobs: FlakyLiveJobs) -> LiveRow:
    return LiveRow(live_jobs, BackgroundTasks("test"), KEY, stored=True)  # type: ignore[arg-type]


async def test_an_end_mark_is_tried_again_until_the_database_takes_it() -> None:
    live_jobs = FlakyLiveJobs(down=3)
    live = row(live_jobs)
    live.mark("done")
    await live.written()
    assert live_jobs.asked == ["done"] * 4
    assert live_jobs.stored == ["done"]
    assert not live.failed


async def test_a_mark_on_the_way_is_not_tried_again() -> None:
    live_jobs = FlakyLiveJobs(down=1)
    live = row(live_jobs)
    live.mark("delivering")
    live.mark("done")
    await live.written()
    # The lost "delivering" only leaves the row behind; the end lands, once.
    assert live_jobs.asked == ["delivering", "done"]
    assert live_jobs.stored == ["done"]
    assert live.failed


async def test_an_end_mark_gives_up_once_the_token_is_past_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("cogs.imagine.live_row.TOKEN_SECONDS", 0.05)
    live_jobs = FlakyLiveJobs(down=10**6)
    live = row(live_jobs)
    live.mark("failed")
    await live.written()
    assert 1 < len(live_jobs.asked) < 20
    assert live_jobs.stored == [] and live.failed
