"""The real bot in a process of its own (as deployed), pointed at the stand-ins.

For tests of signals and exit codes, and for benchmarks that measure the bot alone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.support.api_standin import APIStandIn
from tests.support.bot_harness import BOT_TOKEN
from tests.support.discord_standin import DiscordStandIn

__all__ = ["BotProcess"]

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    def __init__(self, discord: DiscordStandIn, api: APIStandIn, data_dir: Path, **env: str):
        self.discord, self.api, self.data_dir, self.env = discord, api, data_dir, env
        self.process: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.log_lines: list[str] = []
        # Where the bot is told Discord's HTTP API is (a proxy in front of the stand-in, say).
        self.api_base = discord.api_base

    async def start(self) -> None:
        await self.launch()
        await asyncio.wait_for(self.ready.wait(), 30)

    async def launch(self) -> None:
        """Start the process without waiting for it to be ready (it may refuse to start)."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DISCORD_TOKEN": BOT_TOKEN,
            "IMAGE_API_BASE_URL": self.api.base_url,
            "IMAGE_API_KEY": self.api.api_key,
            "DATA_DIR": str(self.data_dir),
            "LOG_LEVEL": "INFO",  # the "logged in" line says it is ready
            **self.env,
        }
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.bot_launcher",
            self.api_base,
            self.discord.gateway_url,
            cwd=self.data_dir,
            env=env | {"PYTHONPATH": str(ROOT)},
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read_log())

    async def _read_log(self) -> None:
        assert self.process and self.process.stderr
        async for raw in self.process.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.log_lines.append(line)
            if "logged in as" in line:
                self.ready.set()

    def peak_rss_mb(self) -> float:
        assert self.process
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def terminate(self) -> None:
        """SIGTERM, as `docker stop` sends it."""
        assert self.process
        self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: the process ends on the spot, with nothing cleaned up."""
        assert self.process
        self.process.kill()

    async def wait(self, limit: float = 60) -> int:
        assert self.process
        code = await asyncio.wait_for(self.process.wait(), limit)
        await self._reader
        return code

    async def stop(self) -> int:
        self.terminate()
        return await self.wait()
