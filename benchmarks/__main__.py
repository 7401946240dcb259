"""`make bench`: run every benchmark and print one ``name: value`` line per figure.

python -m benchmarks            the figures (about four and a half minutes)
python -m benchmarks profile    also trace and profile the acknowledgement path
python -m benchmarks queue      only the queue scenarios (backlog, fairness)
python -m benchmarks ack        only the acknowledgement comparison with the reference bot
python -m benchmarks actions    only several images per request and the result buttons
python -m benchmarks resume     only a restart with 100 jobs in flight (resume_load.py)
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks import (
    ack_compare,
    ack_profile,
    actions_load,
    edit_fit,
    queue_load,
    resume_load,
    styles_load,
)

log = logging.getLogger("benchmarks")
Scenario = Callable[[Path], Awaitable[dict[str, str]]]
MODES = ("all", "profile", "queue", "ack", "actions", "resume")
ACTIONS: tuple[Scenario, ...] = (
    actions_load.scenario_count4,
    actions_load.scenario_count4_fairness,
    actions_load.scenario_click_ack,
)

# However the bot behaves, `make bench` ends: everything is torn down after this long.
TOTAL_LIMIT = 600.0


async def run(mode: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        async with asyncio.timeout(TOTAL_LIMIT):
            return await run_all(Path(tmp), mode)


async def run_all(workdir: Path, mode: str) -> dict[str, str]:
    scenarios: list[Scenario] = [queue_load.scenario_backlog, queue_load.scenario_fairness]
    if mode in ("ack", "actions", "resume"):
        scenarios = []
    if mode not in ("queue", "actions", "resume"):
        scenarios.insert(0, ack_compare.scenario_ack)
    if mode == "all":
        scenarios += [edit_fit.scenario_edit_fit, styles_load.scenario_styles]
    if mode in ("all", "actions"):
        scenarios += ACTIONS
    if mode in ("all", "resume"):
        scenarios.append(resume_load.scenario_resume)
    if mode == "profile":
        scenarios.append(ack_profile.scenario_profile)
    figures: dict[str, str] = {}
    for scenario in scenarios:
        try:
            figures |= await scenario(workdir)
        except (RuntimeError, OSError, KeyError, ValueError) as exc:
            # A bot that can't start (say, mid-change) costs its scenario, not the run.
            log.error("%s failed: %s", scenario.__name__, exc)
            figures[f"{scenario.__name__}_failed"] = type(exc).__name__
    return figures


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    mode = sys.argv[1] if sys.argv[1:] else "all"
    if mode not in MODES:
        sys.exit(f"unknown mode {mode!r}; one of: {', '.join(MODES[1:])}")
    for name, value in asyncio.run(run(mode)).items():
        sys.stdout.write(f"{name}: {value}\n")


if __name__ == "__main__":
    main()
