"""Several images per request and the result buttons under load (issue #11), against the
provider stand-in allowing 2 concurrent jobs at 0.5 s per image.

count4      10 members each send /imagine count:4 at once (40 images). Utilisation is
            measured as in queue_load.py: the requests' time at the provider (arrival to
            answer, slot_time.py) over cap × wall, the wall running from the first dispatch
            to the last upload.
fair wait   4 members each send /imagine count:4 at once, then one more member asks for a
            single image. The figure is how many images of the others started at the
            provider before its own, beyond those already running when it arrived (the
            first ``cap`` of the burst, or more if more had started by then).
click ack   40 members click the 🔄 Re-roll button of one delivered result at the same
            moment; each click's acknowledgement latency as the Discord stand-in saw it.

Each part runs against a bot of its own, so one's queue state can't shape another's.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from benchmarks.slot_time import slot_time
from benchmarks.world import (
    PROVIDER_CAP,
    World,
    delivered,
    delivered_at,
    percentile,
    start_world,
    wait_all,
)
from tests.support.api_standin import Recorded
from tests.support.discord_standin import InteractionRecord, Member, StoredMessage

__all__ = ["scenario_click_ack", "scenario_count4", "scenario_count4_fairness"]

log = logging.getLogger(__name__)

COUNT = 4
COUNT4_MEMBERS = 10
BURST_MEMBERS = 4
LIGHT_PROMPT = "just one"
FAIR_TRIALS = 5
CLICKERS = 40
ACK_LIMIT = 5.0  # seconds a click may take to be acknowledged before it counts as lost
REROLL_PREFIX = "imagine:reroll:"
DEFERRED_CHANNEL_MESSAGE = 5  # the acknowledgement of a request that makes an image


def prompt_sent(request: Recorded) -> str | None:
    """The prompt of a generation request in the relay style (the world's default)."""
    body: Any = request.body
    try:
        return body["input"]["messages"][0]["content"][0]["text"]
    except (KeyError, IndexError, TypeError):
        return None


def answered(world: World) -> list[Recorded]:
    """The generation requests the provider answered with images, by arrival."""
    return sorted(
        (r for r in world.api.requests if r.status == 200 and r.finished is not None),
        key=lambda r: r.started,
    )


def images_in(record: InteractionRecord) -> int:
    message = record.final_message
    return len(message.attachments) if message is not None and delivered(record) else 0


async def imagine_each(
    world: World, members: list[Member], tag: str, count: int
) -> list[InteractionRecord]:
    """One /imagine count:``count`` from each member at once; member i's prompt names it."""
    return list(
        await asyncio.gather(
            *(
                world.discord.invoke(
                    world.guild, world.channel, member, "imagine", prompt=f"{tag} {i}", count=count
                )
                for i, member in enumerate(members)
            )
        )
    )


async def scenario_count4(workdir: Path) -> dict[str, str]:
    """10 members × /imagine count:4 at once."""
    async with AsyncExitStack() as stack:
        world = await start_world(stack, workdir, "count4", members=COUNT4_MEMBERS)
        records = await imagine_each(world, world.members, "four", COUNT)
        await wait_all(records, 60)
        ok = [r for r in records if delivered(r)]
        first = min(r.dispatched_at for r in records)
        wall = max(map(delivered_at, ok)) - first if ok else float("inf")
        slots = slot_time(world.api.requests, PROVIDER_CAP)
        rejected, most = world.api.rejected_over_cap, world.api.max_in_flight
        await world.bot.stop()
    return {
        "count4_images_delivered": str(sum(map(images_in, records))),
        "count4_requests_failed": str(len(records) - len(ok)),
        "count4_utilisation": f"{slots.busy / (PROVIDER_CAP * wall):.3f}",
        "count4_wall_s": f"{wall:.2f}",
        "count4_provider_429s": str(rejected),
        "count4_provider_max_concurrent": str(most),
    }


async def scenario_count4_fairness(workdir: Path) -> dict[str, str]:
    """4 members × count:4 at once, then a fifth member asks for one image; on fresh bots,
    ``FAIR_TRIALS`` times (the first two slots' owners depend on how the burst's requests
    interleave in the bot). The figure is the worst trial; every trial's is printed beside."""
    waits = [await _fair_trial(workdir, trial) for trial in range(FAIR_TRIALS)]
    seen = [w for w in waits if w is not None]
    return {
        "count4_fair_wait_images": str(max(seen)) if len(seen) == len(waits) else "nan",
        "count4_fair_wait_runs": ",".join("nan" if w is None else str(w) for w in waits),
    }


async def _fair_trial(workdir: Path, trial: int) -> int | None:
    async with AsyncExitStack() as stack:
        world = await start_world(stack, workdir, f"count4-fair-{trial}", members=BURST_MEMBERS + 1)
        *heavy, light = world.members
        burst = await imagine_each(world, heavy, "burst", COUNT)
        single = await world.discord.invoke(
            world.guild, world.channel, light, "imagine", prompt=LIGHT_PROMPT
        )
        # Its image is what counts: the rest of the burst is not waited for. Stopping lets
        # the images at the provider finish, so every one that started before it is answered.
        await wait_all([single], 30)
        refused = [r for r in burst if r.ephemeral or not r.acknowledged]
        await world.bot.stop()
        requests = answered(world)
    if refused:
        log.error("the burst was not all admitted: %s", refused[0].describe())
        return None
    own = [r for r in requests if prompt_sent(r) == LIGHT_PROMPT]
    if not own:
        log.error("the single image never reached the provider: %s", single.describe())
        return None
    others = [r for r in requests if prompt_sent(r) != LIGHT_PROMPT]
    before_own = sum(1 for r in others if r.started < own[0].started)
    # Running when it arrived: the burst's first ``cap`` (handed out before its ticket
    # existed, even if their HTTP requests reached the provider a moment after it was
    # dispatched), or every image that had reached the provider by then if more had.
    running = max(PROVIDER_CAP, sum(1 for r in others if r.started < single.dispatched_at))
    return max(0, before_own - running)


def reroll_id(message: StoredMessage) -> str:
    ids = [c for c in message.custom_ids if c.startswith(REROLL_PREFIX)]
    if len(ids) != 1:
        raise KeyError(f"the result has no single Re-roll button: {message.custom_ids}")
    return ids[0]


async def scenario_click_ack(workdir: Path) -> dict[str, str]:
    """40 members click Re-roll on one delivered result at the same moment."""
    async with AsyncExitStack() as stack:
        world = await start_world(stack, workdir, "click-ack", members=1)
        (original,) = await imagine_each(world, world.members, "original", 1)
        await wait_all([original], 30)
        message = original.final_message
        if message is None or not delivered(original):
            raise RuntimeError(f"the result to click was not delivered: {original.describe()}")
        custom_id = reroll_id(message)
        clickers = [
            world.discord.add_member(world.guild, name=f"clicker{i}") for i in range(CLICKERS)
        ]
        clicks = await asyncio.gather(
            *(world.discord.click(message, custom_id, member) for member in clickers)
        )
        await asyncio.gather(
            *(click.wait_for_ack(ACK_LIMIT) for click in clicks), return_exceptions=True
        )
        acks = [c.ack_latency * 1000 for c in clicks if c.ack_latency is not None]
        # A re-roll is acknowledged with a public deferral (its image is on the way); any
        # other answer (a refusal, said privately) would be timing something else.
        queued = [
            c for c in clicks if c.callback_type == DEFERRED_CHANNEL_MESSAGE and not c.ephemeral
        ]
        await world.bot.stop()
    if len(queued) < len(clicks):
        other = next(c for c in clicks if c not in queued)
        log.error("a re-roll click was not queued: %s", other.describe())
    return {
        # With 40 clicks the p99 is the slowest one.
        "click_ack_p99_ms": f"{percentile(acks, 99):.1f}",
        "click_ack_p50_ms": f"{percentile(acks, 50):.1f}",
        "click_acked": f"{len(acks)}/{CLICKERS}",
        "click_rerolls_queued": f"{len(queued)}/{CLICKERS}",
    }
