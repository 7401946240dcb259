"""Where the time goes between INTERACTION_CREATE and the defer, under a 40-burst.

Our bot runs traced (ack_trace.py) and under cProfile (launch_bot.py) for the first burst
after start and for a warm one, with the server's settings only ("plain") and with a daily
limit, which makes every request read the member's usage too ("limits"). Prints the median
and p99 of each step's time since Discord dispatched the interaction, and writes the
steps, the shared reads and the profile (by own time and by cumulative time) to
BENCH_OUT (default /tmp/bench-profile).
"""

from __future__ import annotations

import io
import json
import os
import pstats
import signal
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from benchmarks.ack_compare import BURST, LATENCY, MEMBERS
from benchmarks.world import percentile, start_world, wait_all
from tests.support.discord_standin import InteractionRecord

__all__ = ["scenario_profile"]

# In the order they happen; "dispatch" and "ack" are the Discord stand-in's own clock.
STEPS = [
    "frame",
    "parse",
    "parsed",
    "tree_call",
    "imagine",
    "member_context",
    "settings",
    "settings_done",
    "usage",
    "usage_done",
    "last_job",
    "last_job_done",
    "member_context_done",
    "submit",
    "submitted",
    "defer",
    "http_request",
    "http_send",
    "http_answered",
    "deferred",
    "ack",
]
VARIANTS = {"plain": {}, "limits": {"USER_DAILY_IMAGES": "1000"}}
SHOWN = ("imagine", "settings_done", "usage_done", "submit", "defer", "http_send", "ack")


def out_dir() -> Path:
    path = Path(os.environ.get("BENCH_OUT") or "/tmp/bench-profile")
    path.mkdir(parents=True, exist_ok=True)
    return path


def step_table(records: list[InteractionRecord], trace: dict[str, Any]) -> dict[str, list[float]]:
    """Milliseconds from Discord's dispatch to each step, per step, over the burst."""
    steps: dict[str, list[float]] = {step: [] for step in STEPS}
    for record in records:
        marks = dict(trace["marks"].get(str(record.id), {}))
        if record.ack is not None:
            marks["ack"] = record.ack.at
        for step in STEPS:
            if step in marks:
                steps[step].append((marks[step] - record.dispatched_at) * 1000)
    return steps


def describe(records: list[InteractionRecord], trace: dict[str, Any], stats_file: Path) -> str:
    lines = [f"{'step':<22}{'n':>4}{'min':>9}{'p50':>9}{'p99':>9}   (ms since dispatch)"]
    for step, values in step_table(records, trace).items():
        if values:
            lines.append(
                f"{step:<22}{len(values):>4}{min(values):9.1f}"
                f"{percentile(values, 50):9.1f}{percentile(values, 99):9.1f}"
            )
    start = min(r.dispatched_at for r in records)
    end = max((r.ack.at for r in records if r.ack is not None), default=start)
    lines.append("")
    for name, spans in sorted(trace["spans"].items()):
        took = [(e - s) * 1000 for s, e, _ in spans]
        began = [(s - start) * 1000 for s, _, _ in spans]
        lines.append(
            f"span {name}: n={len(spans)} took p50={percentile(took, 50):.1f} "
            f"max={max(took):.1f} ms; first began {min(began):.1f} ms after the first dispatch"
        )
    lag = [(t, lag) for t, lag in trace["lag"] if start <= t <= end + 0.05]
    if lag:
        lines.append(
            f"event loop during the burst: {len(lag)} wake-ups, max late {max(v for _, v in lag) * 1000:.1f} ms, "
            f"late in total {sum(v for _, v in lag) * 1000:.1f} ms of {(end - start) * 1000:.1f} ms"
        )
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(str(stats_file), stream=text).sort_stats(order).print_stats(30)
        lines += ["", f"--- cProfile by {order} ---", text.getvalue()]
    return "\n".join(lines)


async def profile_variant(workdir: Path, variant: str, env: dict[str, str]) -> dict[str, str]:
    trace_dir = workdir / f"trace-{variant}"
    trace_dir.mkdir()
    figures: dict[str, str] = {}
    async with AsyncExitStack() as stack:
        world = await start_world(
            stack,
            workdir,
            f"profile-{variant}",
            members=MEMBERS,
            latency=LATENCY,
            env={"BENCH_TRACE_DIR": str(trace_dir), **env},
        )
        for window, when in enumerate(("first", "warm"), start=1):
            await world.bot.signal_and_wait(signal.SIGUSR1, "bench: profiling")
            records = await world.burst(BURST, when)
            for record in records:
                await record.wait_for_ack(timeout=10)
            await world.bot.signal_and_wait(signal.SIGUSR2, "bench: profile written")
            await wait_all(records, 60)
            trace = json.loads((trace_dir / f"trace-{window}.json").read_text())
            stats_file = trace_dir / f"profile-{window}.pstats"
            report = out_dir() / f"ack-{variant}-{when}.txt"
            report.write_text(describe(records, trace, stats_file))
            steps = step_table(records, trace)
            for step in SHOWN:
                if steps[step]:
                    key = f"profile_{variant}_{when}_{step}"
                    figures[f"{key}_p50_ms"] = f"{percentile(steps[step], 50):.1f}"
                    figures[f"{key}_p99_ms"] = f"{percentile(steps[step], 99):.1f}"
            figures[f"profile_{variant}_{when}_report"] = str(report)
        await world.bot.stop()
    return figures


async def scenario_profile(workdir: Path) -> dict[str, str]:
    figures: dict[str, str] = {}
    for variant, env in VARIANTS.items():
        figures |= await profile_variant(workdir, variant, env)
    return figures
