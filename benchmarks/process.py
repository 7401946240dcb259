"""A bot (ours or the reference) in a process of its own, pointed at the stand-ins.

Both bots start the same way: ``python <script> API_BASE GATEWAY_URL`` with the settings
in the environment, and both say they are ready with the same marker line (written by
the script, so a change to the bot's own log lines can't break the benchmark).

``BENCH_BOT_ROOT`` names the tree whose bot.py is measured (default: this checkout), so
a known-good export can be measured while the working tree is mid-change.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.support.api_standin import APIStandIn
from tests.support.discord_standin import DiscordStandIn

__all__ = ["BENCH_TOKEN", "READY_MARKER", "BotUnderTest", "bot_root"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Shaped like a real token (three dot-separated parts): the bot's config checks that.
BENCH_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GstAnD.in-bot-token-0123456789abcdef"
READY_MARKER = "bench: ready"
START_LIMIT = 30.0


def bot_root() -> Path:
    return Path(os.environ.get("BENCH_BOT_ROOT") or ROOT).resolve()


class BotUnderTest:
    """``script``: a file in benchmarks/ (launch_bot.py for ours, reference_bot.py)."""

    def __init__(
        self,
        script: str,
        discord: DiscordStandIn,
        api: APIStandIn,
        data_dir: Path,
        **env: str,
    ) -> None:
        self.script = HERE / script
        self.discord, self.api, self.data_dir, self.env = discord, api, data_dir, env
        self.process: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.log_lines: list[str] = []
        self._markers: dict[str, asyncio.Event] = {}
        self.read_at: list[float] = []  # when each of log_lines was read

    async def start(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DISCORD_TOKEN": BENCH_TOKEN,
            "IMAGE_API_BASE_URL": self.api.base_url,
            "IMAGE_API_KEY": self.api.api_key,
            "DATA_DIR": str(self.data_dir),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(bot_root()),
            **self.env,
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(self.script),
            self.discord.api_base,
            self.discord.gateway_url,
            cwd=self.data_dir,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read_log())
        ready = asyncio.create_task(self.ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._reader}, timeout=START_LIMIT, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self.process.returncode is None:
                self.process.kill()
            tail = "\n".join(self.log_lines[-15:])
            raise RuntimeError(f"{self.script.name} did not become ready:\n{tail}")

    async def _read_log(self) -> None:
        assert self.process and self.process.stderr
        async for raw in self.process.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.read_at.append(time.monotonic())
            self.log_lines.append(line)
            if READY_MARKER in line:
                self.ready.set()
            for marker, event in self._markers.items():
                if marker in line:
                    event.set()

    async def wait_for_line(self, marker: str, limit: float = 30) -> float:
        """Wait for a log line holding ``marker`` (one already written counts); returns
        when the first such line was read (time.monotonic(), the stand-ins' clock)."""
        event = self._markers.setdefault(marker, asyncio.Event())
        if not any(marker in line for line in self.log_lines):
            event.clear()
            await asyncio.wait_for(event.wait(), limit)
        first = next(i for i, line in enumerate(self.log_lines) if marker in line)
        return self.read_at[first]

    async def signal_and_wait(self, signum: int, marker: str, limit: float = 20) -> None:
        """Send ``signum`` and wait for the log line the script writes once it acted."""
        assert self.process
        event = self._markers.setdefault(marker, asyncio.Event())
        event.clear()
        self.process.send_signal(signum)
        await asyncio.wait_for(event.wait(), limit)

    def peak_rss_mb(self) -> float:
        assert self.process
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def kill(self) -> int:
        """SIGKILL: the process ends on the spot, with nothing cleaned up."""
        assert self.process
        if self.process.returncode is None:
            self.process.kill()
        code = await self.process.wait()
        await self._reader
        return code

    async def stop(self, limit: float = 60) -> int:
        """SIGTERM, as `docker stop` sends it; killed if it doesn't end within ``limit``."""
        assert self.process
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), limit)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        await self._reader
        return code
