"""Acknowledgement time of 40 simultaneous /imagine: our bot against a minimal reference bot
(reference_bot.py), each in its own process, against the same stand-ins and the same burst.

"first" is the first burst after the process started (cold pools, caches, connections):
one burst of 40 is a single sample whose p99 is its slowest acknowledgement, so each bot is
started FIRST_STARTS times and the median of those p99s (and p50s) is printed. "warm" pools
every acknowledgement of WARM_BURSTS later bursts of the first start, each sent once the
previous one was delivered. The bots take turns start by start, so a noisy moment on the
machine hits them alike. The ratio (ours ÷ reference) is what the goal (≤ 1.5) is about;
"limits_" is ours again with a daily limit set (its counts come from memory too).
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
FIRST_STARTS = 3
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
    workdir: Path, prefix: str, script: str, env: dict[str, str] | None, start: int
) -> tuple[list[float], list[float], int]:
    """One start of one bot: its first burst's acknowledgements, and on the first start
    also the warm bursts'; plus how many interactions were never acknowledged."""
    async with AsyncExitStack() as stack:
        world = await start_world(
            stack,
            workdir,
            f"ack{prefix or '_ours'}{start}",
            members=MEMBERS,
            script=script,
            latency=LATENCY,
            env=env,
        )
        first = await world.burst(BURST, "first")
        await wait_all(first, 60)
        warm: list[InteractionRecord] = []
        for round_ in range(WARM_BURSTS if start == 0 else 0):
            records = await world.burst(BURST, f"warm{round_}")
            await wait_all(records, 60)
            warm += records
        unacknowledged = sum(1 for r in [*first, *warm] if r.ack_latency is None)
        await world.bot.stop()
    return ack_ms(first), ack_ms(warm), unacknowledged


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


async def scenario_ack(workdir: Path) -> dict[str, str]:
    firsts: dict[str, list[list[float]]] = {prefix: [] for prefix, _, _ in BOTS}
    warms: dict[str, list[float]] = {}
    missing = 0
    for start in range(FIRST_STARTS):
        for prefix, script, env in BOTS:
            first, warm, unacknowledged = await measure(workdir, prefix, script, env, start)
            firsts[prefix].append(first)
            if start == 0:
                warms[prefix] = warm
            missing += unacknowledged
    figures: dict[str, float] = {}
    for prefix, _, _ in BOTS:
        figures[f"{prefix}ack_p50_ms_first"] = median([percentile(f, 50) for f in firsts[prefix]])
        figures[f"{prefix}ack_p99_ms_first"] = median([percentile(f, 99) for f in firsts[prefix]])
        figures[f"{prefix}ack_p50_ms_warm"] = percentile(warms[prefix], 50)
        figures[f"{prefix}ack_p99_ms_warm"] = percentile(warms[prefix], 99)
    out = {name: f"{value:.1f}" for name, value in figures.items()}
    for ours in ("", "limits_"):
        for when in ("first", "warm"):
            ratio = figures[f"{ours}ack_p99_ms_{when}"] / figures[f"ref_ack_p99_ms_{when}"]
            out[f"{ours}ack_p99_ratio_{when}"] = f"{ratio:.2f}"
    out["ack_missing"] = str(missing)
    return out
