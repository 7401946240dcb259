from __future__ import annotations

import asyncio
import time

from imagecore.delivery.status_updates import CoalescingUpdater


def recorder(log: list[tuple[str, float]], name: str):
    async def send() -> None:
        log.append((name, time.monotonic()))

    return send


async def test_at_most_one_update_per_interval_and_the_newest_wins():
    sent: list[tuple[str, float]] = []
    updater = CoalescingUpdater(0.3)
    for i in range(10):
        await updater.update(recorder(sent, f"#{i}"))
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.4)
    assert [name for name, _ in sent] == ["#0", "#9"]
    assert sent[1][1] - sent[0][1] >= 0.29


async def test_final_is_immediate_and_nothing_follows_it():
    sent: list[tuple[str, float]] = []
    updater = CoalescingUpdater(0.3)
    await updater.update(recorder(sent, "queued"))
    await updater.update(recorder(sent, "queued again"))
    started = time.monotonic()
    await updater.final(recorder(sent, "result"))
    await updater.update(recorder(sent, "late"))
    await asyncio.sleep(0.4)
    assert [name for name, _ in sent] == ["queued", "result"]
    assert sent[1][1] - started < 0.05


async def test_a_failing_update_does_not_raise():
    updater = CoalescingUpdater(0.0)

    async def broken() -> None:
        raise RuntimeError("discord said no")

    await updater.update(broken)
    assert updater.sent == 0
