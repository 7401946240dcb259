"""Acknowledgement time of 40 simultaneous /imagine: our bot against a minimal reference bot
(reference_bot.py), each in its own process, against the same stand-ins and the same burst.

"first" is the first burst after the process started (cold pools, caches, connections);
"warm" pools every acknowledgement of WARM_BURSTS later bursts, each sent once the
previous one was delivered. The ratio (ours ÷ reference) is what the goal (≤ 1.5) is about;
"limits_" is ours again with a daily limit set (every request then reads its usage).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from benchmarks.world import percentile, start_world, wait_all
from tests.support.discord_standin import InteractionRecord

__all__ = ["scenario_ack"]

BURST = 40
MEMBERS = 10
WARM_BURSTS = 4
# Short, so a burst drains in seconds; the acknowledgements come long before any answer.
LATENCY = 0.25
# prefix, script, extra env. "limits_": ours with a daily limit, so every request also
# reads the member's usage before it can be admitted (and acknowledged).
BOTS: list[tuple[str, str, dict[str, str]]] = [
    ("", "launch_bot.py", {}),
    ("ref_", "reference_bot.py", {}),
    ("limits_", "launch_bot.py", {"USER_DAILY_IMAGES": "1000"}),
]


def ack_ms(records: list[InteractionRecord]) -> list[float]:
    return [r.ack_latency * 1000 for r in records if r.ack_latency is not None]


async def measure(
    workdir: Path, prefix: str, script: str, env: dict[str, str] | None = None
) -> dict[str, float]:
    async with AsyncExitStack() as stack:
        world = await start_world(
            stack,
            workdir,
            f"ack{prefix or '_ours'}",
            members=MEMBERS,
            script=script,
            latency=LATENCY,
            env=env,
        )
        first = await world.burst(BURST, "first")
        await wait_all(first, 60)
        warm: list[InteractionRecord] = []
        for round_ in range(WARM_BURSTS):
            records = await world.burst(BURST, f"warm{round_}")
            await wait_all(records, 60)
            warm += records
        unacknowledged = sum(1 for r in [*first, *warm] if r.ack_latency is None)
        await world.bot.stop()
    first_ms, warm_ms = ack_ms(first), ack_ms(warm)
    return {
        f"{prefix}ack_p50_ms_first": percentile(first_ms, 50),
        f"{prefix}ack_p99_ms_first": percentile(first_ms, 99),
        f"{prefix}ack_p50_ms_warm": percentile(warm_ms, 50),
        f"{prefix}ack_p99_ms_warm": percentile(warm_ms, 99),
        f"{prefix}ack_missing": float(unacknowledged),
    }


async def scenario_ack(workdir: Path) -> dict[str, str]:
    figures: dict[str, float] = {}
    for prefix, script, env in BOTS:
        figures |= await measure(workdir, prefix, script, env)
    out = {name: f"{value:.1f}" for name, value in figures.items() if "missing" not in name}
    for ours in ("", "limits_"):
        for when in ("first", "warm"):
            ratio = figures[f"{ours}ack_p99_ms_{when}"] / figures[f"ref_ack_p99_ms_{when}"]
            out[f"{ours}ack_p99_ratio_{when}"] = f"{ratio:.2f}"
    out["ack_missing"] = str(int(sum(v for k, v in figures.items() if "missing" in k)))
    return out
