"""What fitting does to a 6000×4000 camera JPEG before an edit, and how long it takes."""

from __future__ import annotations

import asyncio
import io
import random
import time
from pathlib import Path

from PIL import Image

from imagecore.editing.input_images import prepare_input

__all__ = ["scenario_edit_fit"]

RUNS = 3


def camera_jpeg(width: int = 6000, height: int = 4000) -> bytes:
    # Noise over a gradient: photo-like entropy, so the file is as large as a real one.
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.frombytes("RGB", (width, height), random.Random(1).randbytes(width * height * 3))
    out = io.BytesIO()
    Image.blend(base, noise, 0.35).save(out, format="JPEG", quality=95)
    return out.getvalue()


async def scenario_edit_fit(_workdir: Path) -> dict[str, str]:
    data = await asyncio.to_thread(camera_jpeg)
    timings = []
    prepared = None
    for _ in range(RUNS):
        started = time.perf_counter()
        prepared = await asyncio.to_thread(prepare_input, data)
        timings.append(time.perf_counter() - started)
    assert prepared is not None
    return {
        "edit_fit_input_mb": f"{len(data) / 1e6:.1f}",
        "edit_fit_output": f"{prepared.width}x{prepared.height} {prepared.mime}",
        "edit_fit_output_mb": f"{len(prepared.data) / 1e6:.2f}",
        "edit_fit_ms": f"{min(timings) * 1000:.0f}",
    }
