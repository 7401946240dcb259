"""Starts the real bot (bot.py's main) with discord.py pointed at the Discord stand-in.

    python benchmarks/launch_bot.py API_BASE GATEWAY_URL   (settings come from the env)

Writes ``bench: ready`` to stderr once the bot is ready. With ``BENCH_TRACE_DIR`` set it
also traces the acknowledgement path (ack_trace.py) and runs cProfile on the event loop's
thread between SIGUSR1 (start; answers ``bench: profiling``) and SIGUSR2 (stop; writes
profile-N.pstats and trace-N.json there for the Nth window, answers ``bench: profile written``).
"""

from __future__ import annotations

import asyncio
import cProfile
import inspect
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl


def say(line: str) -> None:
    # os.write, not print: the bot's own logging writes to the same stream.
    os.write(2, f"{line}\n".encode())


class Profiling:
    def __init__(self, out: Path) -> None:
        from ack_trace import Tracer  # a sibling file: this script's folder is on sys.path

        self.out = out
        self.tracer = Tracer()
        self.tracer.install()
        self.profile = cProfile.Profile()
        self.windows = 0

    def listen(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, self.begin)
        loop.add_signal_handler(signal.SIGUSR2, self.end)

    def begin(self) -> None:
        self.tracer.start()
        self.profile = cProfile.Profile()
        self.profile.enable()
        say("bench: profiling")

    def end(self) -> None:
        self.profile.disable()
        self.tracer.stop()
        self.windows += 1
        self.profile.dump_stats(self.out / f"profile-{self.windows}.pstats")
        self.tracer.dump(self.out / f"trace-{self.windows}.json")
        self.tracer.reset()
        say("bench: profile written")


def announce_ready(profiling: Profiling | None) -> None:
    dispatch = discord.Client.dispatch

    def dispatch_and_announce(client: Any, event: str, /, *args: Any, **kwargs: Any) -> None:
        if event == "ready":
            if profiling is not None:
                profiling.listen()
            say("bench: ready")
        dispatch(client, event, *args, **kwargs)

    discord.Client.dispatch = dispatch_and_announce


def main() -> int:
    api_base, gateway_url = sys.argv[1:3]
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    trace_dir = os.environ.get("BENCH_TRACE_DIR")
    announce_ready(Profiling(Path(trace_dir)) if trace_dir else None)
    import bot

    sys.argv = sys.argv[:1]  # the addresses above are ours, not the bot's arguments
    # bot.main() or, since the entry moved to runtime/entry.py, main(ImageBot).
    entry: Callable[..., int] = bot.main
    if inspect.signature(entry).parameters:
        return entry(bot.ImageBot)
    return entry()


if __name__ == "__main__":
    sys.exit(main())
