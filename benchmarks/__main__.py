"""`make bench`: run every benchmark and print one ``name: value`` line per figure.

python -m benchmarks            the figures (about two minutes)
python -m benchmarks profile    also trace and profile the acknowledgement path
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

from benchmarks import ack_compare, ack_profile, queue_load

# However the bot behaves, `make bench` ends: everything is torn down after this long.
TOTAL_LIMIT = 600.0


async def run(profile: bool) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        async with asyncio.timeout(TOTAL_LIMIT):
            return await run_all(Path(tmp), profile)


async def run_all(workdir: Path, profile: bool) -> dict[str, str]:
    figures = await ack_compare.scenario_ack(workdir)
    figures |= await queue_load.scenario_backlog(workdir)
    figures |= await queue_load.scenario_fairness(workdir)
    if profile:
        figures |= await ack_profile.scenario_profile(workdir)
    return figures


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    profile = sys.argv[1:] == ["profile"]
    for name, value in asyncio.run(run(profile)).items():
        sys.stdout.write(f"{name}: {value}\n")


if __name__ == "__main__":
    main()
