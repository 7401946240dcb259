"""Load on /imagine: many members at once, against a provider that allows 2 concurrent jobs.

The bot runs in its own process (as deployed), so acknowledgement times and memory are
its own. Prints one ``name: value`` line per figure.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

from tests.support.api_standin import APIStandIn, make_png
from tests.support.bot_harness import BOT_TOKEN
from tests.support.bot_subprocess import BotProcess
from tests.support.discord_standin import DiscordStandIn, InteractionRecord

log = logging.getLogger("benchmarks.queue_load")

ROOT = Path(__file__).resolve().parent.parent
API_LATENCY = 0.5
PROVIDER_CAP = 2


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def delivered(record: InteractionRecord) -> bool:
    message = record.final_message
    return message is not None and bool(message.attachments)


def failed(record: InteractionRecord) -> bool:
    return (
        record.acknowledged
        and not record.loading
        and any(m.ephemeral and not m.deleted for m in record.messages)
        and not delivered(record)
    )


async def wait_all(records: Sequence[InteractionRecord], limit: float) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if all(delivered(r) or failed(r) for r in records):
            return
        await asyncio.sleep(0.02)


def delivered_at(record: InteractionRecord) -> float:
    """When the image upload reached Discord (stand-in clock)."""
    return min(r.at for r in record.requests if r.files and r.method == "PATCH")


def prompt_of(api_request) -> str:
    return api_request.body["input"]["messages"][0]["content"][0]["text"]


async def start_world(
    stack: AsyncExitStack, workdir: Path, name: str, members: int, image: bytes | None = None
) -> tuple[DiscordStandIn, APIStandIn, BotProcess, object, object, list]:
    api = await stack.enter_async_context(
        APIStandIn(latency=API_LATENCY, concurrency_cap=PROVIDER_CAP, image=image)
    )
    discord = await stack.enter_async_context(DiscordStandIn(token=BOT_TOKEN))
    guild = discord.add_guild(name=name)
    channel = discord.add_text_channel(guild, name="images")
    people = [discord.add_member(guild, name=f"member{i}") for i in range(members)]
    bot = BotProcess(
        discord,
        api,
        workdir / name,
        IMAGE_API_CONCURRENCY="2",
        IMAGE_API_RATE="10",
        MAX_PENDING_PER_USER="50",
        DISCORD_GUILD_IDS=str(guild.id),
    )
    bot.data_dir.mkdir()
    await bot.start()
    return discord, api, bot, guild, channel, people


async def scenario_burst(workdir: Path) -> dict[str, str]:
    """40 /imagine from 10 members at once; 3 MB PNGs served by URL."""
    async with AsyncExitStack() as stack:
        discord, api, bot, guild, channel, members = await start_world(
            stack, workdir, "burst", 10, image=make_png(1000, 1000, noise=True)
        )
        records = await asyncio.gather(
            *(
                discord.invoke(guild, channel, members[i % 10], "imagine", prompt=f"picture {i}")
                for i in range(40)
            )
        )
        await wait_all(records, 120)
        ok = [r for r in records if delivered(r)]
        first = min(r.dispatched_at for r in records)
        wall = max(delivered_at(r) for r in ok) - first if ok else float("inf")
        acks = [r.ack_latency * 1000 for r in records if r.ack_latency is not None]
        answered = {prompt_of(r): r.finished for r in api.requests if r.status == 200}
        overheads = [
            (delivered_at(r) - answered[r.payload["data"]["options"][0]["value"]]) * 1000
            for r in ok
        ]
        rss = bot.peak_rss_mb()
        exit_code = await bot.stop()
    return {
        "ack_p50_ms": f"{percentile(acks, 50):.1f}",
        "ack_p99_ms": f"{percentile(acks, 99):.1f}",
        "jobs_ok": str(len(ok)),
        "jobs_failed": str(len(records) - len(ok)),
        "provider_429s": str(api.rejected_over_cap),
        "provider_max_concurrent": str(api.max_in_flight),
        "utilisation": f"{(len(records) * API_LATENCY / PROVIDER_CAP) / wall:.3f}",
        "wall_s": f"{wall:.2f}",
        "overhead_p50_ms": f"{statistics.median(overheads):.1f}" if overheads else "nan",
        "rss_mb_peak": f"{rss:.1f}",
        "shutdown_exit_code": str(exit_code),
    }


async def scenario_fairness(workdir: Path) -> dict[str, str]:
    """One member asks for 20, then another asks for 1."""
    async with AsyncExitStack() as stack:
        discord, _api, bot, guild, channel, (heavy, light) = await start_world(
            stack, workdir, "fairness", 2
        )
        burst = await asyncio.gather(
            *(
                discord.invoke(guild, channel, heavy, "imagine", prompt=f"mine {i}")
                for i in range(20)
            )
        )
        single = await discord.invoke(guild, channel, light, "imagine", prompt="just one")
        await wait_all([*burst, single], 60)
        single_done = delivered_at(single)
        before = sum(1 for r in burst if delivered(r) and delivered_at(r) < single_done)
        await bot.stop()
    return {"fair_wait_jobs": str(before)}


async def run() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        figures = await scenario_burst(Path(tmp))
        figures |= await scenario_fairness(Path(tmp))
    return figures


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    for name, value in asyncio.run(run()).items():
        sys.stdout.write(f"{name}: {value}\n")


if __name__ == "__main__":
    main()
