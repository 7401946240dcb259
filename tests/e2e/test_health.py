"""METRICS_ADDR and LOG_FORMAT on the real bot: /healthz says whether it can serve, /metrics
counts what happened, and JSON logs are one object per line."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.api_standin import APIStandIn
from tests.support.bot_harness import BOT_TOKEN, Harness, harness
from tests.support.bot_subprocess import BotProcess
from tests.support.discord_standin import DiscordStandIn
from tests.support.postgres_proxy import POSTGRES_URL, postgres_behind_proxy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


def figure(page: str, name: str) -> float:
    """The value of one sample line of a Prometheus text page."""
    (line,) = [line for line in page.splitlines() if line.startswith(f"{name} ")]
    return float(line.rpartition(" ")[2])


@pytest.fixture
async def h(tmp_path) -> AsyncIterator[Harness]:
    async with harness(tmp_path, METRICS_ADDR=f"127.0.0.1:{free_port()}") as running:
        yield running


def port_of(h: Harness) -> int:
    assert h.bot is not None and h.bot.health_server is not None
    port = h.bot.health_server.port
    assert port is not None
    return port


async def test_healthz_is_ok_once_connected_and_metrics_count_a_delivered_image(h):
    port = port_of(h)
    assert await get(port, "/healthz") == (200, "ok\n")
    record = await h.imagine()
    await record.wait_done(timeout=15)
    assert h.bot is not None
    await h.bot.ledger.drain(5)
    status, page = await get(port, "/metrics")
    assert status == 200
    assert figure(page, 'qwen_image_bot_jobs_total{state="delivered"}') == 1
    assert figure(page, "qwen_image_bot_ack_seconds_count") == 1
    assert figure(page, 'qwen_image_bot_image_api_seconds_count{outcome="ok"}') == 1
    assert figure(page, "qwen_image_bot_queue_depth") == 0
    assert figure(page, "qwen_image_bot_gate_rate") == 2.0
    assert h.api.api_key not in page


async def test_the_health_server_stops_with_the_bot(h):
    port = port_of(h)
    await h.stop_bot()
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(port, "/healthz")


async def test_a_port_in_use_leaves_the_bot_serving_without_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        async with harness(tmp_path, METRICS_ADDR=f"127.0.0.1:{port}") as h:
            assert h.bot is not None and h.bot.health_server is None
            record = await h.imagine()
            await record.wait_done(timeout=15)
            assert record.final_message is not None and record.final_message.attachments


if POSTGRES_URL:

    async def test_healthz_answers_503_naming_the_database_while_it_is_unreachable(tmp_path):
        async with (
            postgres_behind_proxy() as (proxy, proxied),
            harness(tmp_path, DATABASE_URL=proxied, METRICS_ADDR=f"127.0.0.1:{free_port()}") as h,
        ):
            port = port_of(h)
            assert await get(port, "/healthz") == (200, "ok\n")
            proxy.cut("refuse")
            status, text = await get(port, "/healthz")
            assert status == 503 and text.startswith("database: "), text
            proxy.restore()
            answers = [await get(port, "/healthz") for _ in range(3)]
            assert answers[-1] == (200, "ok\n"), answers


async def test_json_logs_are_one_object_per_line(tmp_path):
    async with APIStandIn() as api, DiscordStandIn(token=BOT_TOKEN) as discord_api:
        guild = discord_api.add_guild(name="Art Club")
        bot = BotProcess(
            discord_api, api, tmp_path, DISCORD_GUILD_IDS=str(guild.id), LOG_FORMAT="json"
        )
        await bot.start()
        assert await bot.stop() == 0
    entries = [json.loads(line) for line in bot.log_lines if line]
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    messages = [entry["message"] for entry in entries]
    assert any("ready: qwen-image-bot" in message for message in messages)
    assert any(message.startswith("image API: relay style") for message in messages)
    assert BOT_TOKEN not in "\n".join(bot.log_lines)
