"""/healthz and /metrics on a real socket: 200 or 503 with the reason, and the figures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from config.parsing import parse_address
from imagecore.api.attempts import Attempt
from imagecore.storage import JobRecord
from runtime.health_server import HealthServer
from runtime.metrics import BotMetrics, LiveFigures


class World:
    def __init__(self) -> None:
        self.database: str | None = None  # None: healthy
        self.gateway: str | None = None
        self.hang = asyncio.Event()
        self.hanging = False
        self.queued = 0

    async def check_gateway(self) -> str | None:
        return self.gateway

    async def check_database(self) -> str | None:
        if self.hanging:
            await self.hang.wait()
        return self.database


def job(status: str, *attempts: Attempt) -> JobRecord:
    return JobRecord(
        guild_id=1,
        channel_id=2,
        user_id=3,
        prompt="p",
        negative_prompt="",
        model="qwen-image",
        size="1328*1328",
        prompt_extend=True,
        watermark=False,
        seed=5,
        created_at=0.0,
        status=status,
        attempts=attempts,
    )


@pytest.fixture
async def served() -> AsyncIterator[tuple[World, BotMetrics, str]]:
    world = World()
    metrics = BotMetrics(
        version="9.9.9",
        live=LiveFigures(
            queued=lambda: world.queued, running=lambda: 1, gate_rate=lambda: 1.5, outbox=lambda: 0
        ),
    )
    server = HealthServer(
        "127.0.0.1",
        0,
        checks=[("gateway", world.check_gateway), ("database", world.check_database)],
        metrics=metrics,
    )
    await server.start()
    try:
        yield world, metrics, f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text(), response.headers["Content-Type"]


async def test_healthz_goes_503_with_the_reason_and_back_to_200(served) -> None:
    world, _, base = served
    assert (await get(f"{base}/healthz"))[:2] == (200, "ok\n")
    world.database = "database unreachable"
    status, text, _ = await get(f"{base}/healthz")
    assert (status, text) == (503, "database: database unreachable\n")
    world.database = None
    world.gateway = "not connected to Discord"
    assert (await get(f"{base}/healthz"))[:2] == (503, "gateway: not connected to Discord\n")
    world.gateway = None
    assert (await get(f"{base}/healthz"))[0] == 200


async def test_a_check_that_hangs_is_unhealthy_not_a_hung_probe(served) -> None:
    world, _, base = served
    world.hanging = True
    status, text, _ = await asyncio.wait_for(get(f"{base}/healthz"), 10)
    assert status == 503
    assert text.startswith("database: no answer within")


async def test_metrics_count_what_happened(served) -> None:
    world, metrics, base = served
    world.queued = 7
    metrics.job_ended(
        job("delivered", Attempt(1, "throttled", 429, "r1", 0.2), Attempt(2, "ok", 200, "r2", 3.0))
    )
    metrics.job_ended(job("failed", Attempt(1, "timeout", None, None, 120.0)))
    metrics.acknowledged(0.04)
    status, text, content_type = await get(f"{base}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    assert 'qwen_image_bot_build_info{version="9.9.9"} 1.0' in text
    assert 'qwen_image_bot_jobs_total{state="delivered"} 1.0' in text
    assert 'qwen_image_bot_jobs_total{state="failed"} 1.0' in text
    assert "qwen_image_bot_provider_throttled_total 1.0" in text
    assert 'qwen_image_bot_image_api_seconds_count{outcome="ok"} 1.0' in text
    assert 'qwen_image_bot_image_api_seconds_bucket{le="5.0",outcome="ok"} 1.0' in text
    assert "qwen_image_bot_ack_seconds_count 1.0" in text
    assert "qwen_image_bot_queue_depth 7.0" in text
    assert "qwen_image_bot_gate_rate 1.5" in text


def test_two_bots_in_one_process_keep_their_own_figures() -> None:
    live = LiveFigures(queued=lambda: 0, running=lambda: 0, gate_rate=lambda: 0, outbox=lambda: 0)
    first, second = BotMetrics(version="1", live=live), BotMetrics(version="1", live=live)
    first.job_ended(job("delivered"))
    assert b'jobs_total{state="delivered"} 1.0' in first.render()
    assert b'jobs_total{state="delivered"}' not in second.render()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:9108", ("127.0.0.1", 9108)),
        ("[::1]:80", ("::1", 80)),
        ("0.0.0.0:1", ("0.0.0.0", 1)),
    ],
)
def test_addresses(value: str, expected: tuple[str, int]) -> None:
    assert parse_address(value) == expected


@pytest.mark.parametrize("value", ["9108", "localhost", ":9108", "host:0", "host:70000", "h:x"])
def test_bad_addresses_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        parse_address(value)
