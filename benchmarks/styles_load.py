"""The same backlog once per IMAGE_API_STYLE: no style may use the provider's slots worse,
or take longer from the answer to the upload, than another by more than noise.

30 /imagine from 5 members; ~1 MB PNGs (by URL for relay and dashscope, inside the answer
for openai, which asks for b64_json). Figures per style, as in queue_load.py:
utilisation (the provider's slot-time in use) and the median answer → upload overhead.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from benchmarks.queue_load import median_ms, prompt_of
from benchmarks.slot_time import slot_time
from benchmarks.world import PROVIDER_CAP, delivered, delivered_at, large_png, start_world, wait_all
from imagecore.api.styles import STYLE_NAMES

__all__ = ["scenario_styles"]

BACKLOG = 30
MEMBERS = 5


def _prompt_in(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if "input" in body:
        return body["input"]["messages"][0]["content"][-1]["text"]
    return body.get("prompt")


async def scenario_styles(workdir: Path) -> dict[str, str]:
    figures: dict[str, str] = {}
    for style in STYLE_NAMES:
        figures |= await _one_style(workdir, style)
    return figures


async def _one_style(workdir: Path, style: str) -> dict[str, str]:
    async with AsyncExitStack() as stack:
        world = await start_world(
            stack,
            workdir,
            f"style-{style}",
            members=MEMBERS,
            image=large_png(1.0),
            env={"IMAGE_API_STYLE": style},
        )
        world.api.style = style  # before the first request: it answers in this style
        records = await world.burst(BACKLOG, style)
        await wait_all(records, 90)
        ok = [r for r in records if delivered(r)]
        first = min(r.dispatched_at for r in records)
        wall = max(delivered_at(r) for r in ok) - first if ok else float("inf")
        answered = {
            _prompt_in(r.body): r for r in world.api.requests if r.status == 200 and r.finished
        }
        overheads = [
            delivered_at(r) - answered[prompt_of(r)].finished  # type: ignore[operator]
            for r in ok
            if prompt_of(r) in answered
        ]
        slots = slot_time(world.api.requests, PROVIDER_CAP)
        await world.bot.stop()
    return {
        f"style_{style}_jobs_ok": f"{len(ok)}/{BACKLOG}",
        f"style_{style}_utilisation": f"{slots.busy / (PROVIDER_CAP * wall):.3f}",
        f"style_{style}_overhead_p50_ms": median_ms(overheads),
    }
