"""Load on /imagine: many members at once, against a provider that allows 2 concurrent jobs.

The bot runs in its own process (as deployed), so acknowledgement times and memory are
its own. Each scenario returns ``name: value`` figures.

Delivery is timed from outside, on the stand-ins' shared monotonic clock:
  download = the API stand-in sent its answer → it sent the image's last byte
  post     = the image's last byte was sent → Discord's stand-in saw the upload begin
  overhead = download + post (the answer → the upload begins)

Utilisation is the provider's slot-time in use: the requests' time at the provider (arrival
to answer) over cap × wall. The wall time of the backlog is head (first dispatch → first
request at the provider) + the provider's slot-time, idle gaps included (slot_time.py) +
tail (last answer → its upload).
"""

from __future__ import annotations

import math
import statistics
from contextlib import AsyncExitStack
from pathlib import Path

from benchmarks.slot_time import slot_time
from benchmarks.world import (
    API_LATENCY,
    PROVIDER_CAP,
    delivered,
    delivered_at,
    large_png,
    percentile,
    start_world,
    wait_all,
)
from tests.support.discord_standin import InteractionRecord

__all__ = ["scenario_backlog", "scenario_fairness"]

BACKLOG = 100
MEMBERS = 10


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f}" if values else "nan"


def prompt_of(record: InteractionRecord) -> str:
    return record.payload["data"]["options"][0]["value"]


async def scenario_backlog(workdir: Path) -> dict[str, str]:
    """100 /imagine from 10 members at once; ~3 MB PNGs served by URL."""
    async with AsyncExitStack() as stack:
        world = await start_world(stack, workdir, "backlog", members=MEMBERS, image=large_png(3.0))
        records = await world.burst(BACKLOG, "backlog")
        await wait_all(records, 150)
        api = world.api
        ok = [r for r in records if delivered(r)]
        first = min(r.dispatched_at for r in records)
        wall = max(delivered_at(r) for r in ok) - first if ok else float("inf")
        acks = [r.ack_latency * 1000 for r in records if r.ack_latency is not None]
        # The generation answer and the download of each prompt's image, by prompt.
        answered = {
            r.body["input"]["messages"][0]["content"][0]["text"]: r
            for r in api.requests
            if r.status == 200
        }
        downloads, posts, overheads = [], [], []
        for record in ok:
            answer = answered[prompt_of(record)]
            if answer.finished is None:
                continue
            sent = api.download_sent.get(api.file_of_prompt.get(prompt_of(record), ""))
            upload = delivered_at(record)
            overheads.append(upload - answer.finished)
            if sent is not None:
                downloads.append(sent - answer.finished)
                posts.append(upload - sent)
        slots = slot_time(api.requests, PROVIDER_CAP)
        arrivals = [r.started for r in api.requests]
        head = min(arrivals) - first if arrivals else math.nan
        answers_at = [a.finished for a in answered.values() if a.finished is not None]
        tail = max(map(delivered_at, ok)) - max(answers_at) if ok and answers_at else math.nan
        rss = world.bot.peak_rss_mb()
        exit_code = await world.bot.stop()
    return {
        "backlog_jobs": str(BACKLOG),
        "backlog_ack_p99_ms": f"{percentile(acks, 99):.1f}",
        "jobs_ok": str(len(ok)),
        "jobs_failed": str(len(records) - len(ok)),
        "provider_429s": str(api.rejected_over_cap),
        "provider_max_concurrent": str(api.max_in_flight),
        # The provider's slot-time in use over the run: requests' time at the provider over
        # cap * wall. The nominal figure assumes every request took exactly API_LATENCY; the
        # stand-in shares the bench's loop with 100 uploads, so its answers come a little late.
        "utilisation": f"{slots.busy / (PROVIDER_CAP * wall):.3f}",
        "utilisation_nominal": f"{(len(records) * API_LATENCY / PROVIDER_CAP) / wall:.3f}",
        "provider_excess_ms": f"{(slots.busy / len(answered) - API_LATENCY) * 1000:.1f}"
        if answered
        else "nan",
        "wall_s": f"{wall:.2f}",
        "head_ms": f"{head * 1000:.1f}",
        "tail_ms": f"{tail * 1000:.1f}",
        "slot_idle_s": f"{slots.idle:.3f}",
        "slot_gap_p50_ms": f"{percentile(slots.gaps, 50) * 1000:.1f}",
        "slot_gap_p99_ms": f"{percentile(slots.gaps, 99) * 1000:.1f}",
        "image_mb": f"{len(api.image) / 1e6:.2f}",
        "download_p50_ms": median_ms(downloads),
        "post_p50_ms": median_ms(posts),
        "overhead_p50_ms": median_ms(overheads),
        "rss_mb_peak": f"{rss:.1f}",
        "shutdown_exit_code": str(exit_code),
    }


async def scenario_fairness(workdir: Path) -> dict[str, str]:
    """One member asks for 20, then another asks for 1."""
    async with AsyncExitStack() as stack:
        world = await start_world(stack, workdir, "fairness", members=2)
        heavy, light = world.members
        world.members = [heavy]
        burst = await world.burst(20, "mine")
        single = await world.discord.invoke(
            world.guild, world.channel, light, "imagine", prompt="just one"
        )
        await wait_all([*burst, single], 60)
        single_done = delivered_at(single)
        before = sum(1 for r in burst if delivered(r) and delivered_at(r) < single_done)
        await world.bot.stop()
    return {"fair_wait_jobs": str(before)}
