"""Timestamps along the path from INTERACTION_CREATE to the defer, inside the bot process.

Installed by launch_bot.py when ``BENCH_TRACE_DIR`` is set; it wraps a few discord.py and
bot functions (by name, skipping any a refactor has removed) and records, per interaction,
when each step began and ended on ``time.monotonic`` (the stand-ins use the same clock, so
the parent can line them up with Discord's dispatch and the callback it saw). Shared
waits show up as spans: every read of the settings, usage and last job, in any task.

Measurement only: nothing here changes what the bot does.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib
import inspect
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["Tracer"]

# Interaction being handled by the current task (set where discord.py starts the command).
CURRENT: contextvars.ContextVar[int | None] = contextvars.ContextVar("bench_interaction")
LAG_STEP = 0.002


class Tracer:
    def __init__(self) -> None:
        self.marks: dict[int, dict[str, float]] = defaultdict(dict)
        self.spans: dict[str, list[tuple[float, float, int | None]]] = defaultdict(list)
        self.lag: list[tuple[float, float]] = []
        self.frame_at = 0.0
        self.recording = False
        self._lag_task: asyncio.Task[None] | None = None

    # -- recording ------------------------------------------------------------------------

    def mark(self, name: str, interaction_id: int | None = None) -> None:
        ident = CURRENT.get(None) if interaction_id is None else interaction_id
        if self.recording and ident is not None:
            self.marks[ident].setdefault(name, time.monotonic())

    def start(self) -> None:
        self.recording = True
        self._lag_task = asyncio.get_running_loop().create_task(self._watch_lag())

    def stop(self) -> None:
        self.recording = False
        if self._lag_task is not None:
            self._lag_task.cancel()

    async def _watch_lag(self) -> None:
        """How late a 2 ms sleep wakes: the time the loop was busy with something else."""
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_STEP)
            self.lag.append((time.monotonic(), loop.time() - before - LAG_STEP))

    def reset(self) -> None:
        self.marks.clear()
        self.spans.clear()
        self.lag = []

    def dump(self, path: Path) -> None:
        data = {
            "marks": {str(k): v for k, v in self.marks.items()},
            "spans": self.spans,
            "lag": self.lag,
        }
        path.write_text(json.dumps(data))

    # -- wrapping -------------------------------------------------------------------------

    def wrap(self, target: str, *, before: str, after: str | None = None, span: str = "") -> None:
        """Wrap ``module:Class.method`` to mark ``before``/``after`` and record a span."""
        module_name, _, attr_path = target.partition(":")
        try:
            owner: Any = importlib.import_module(module_name)
            *parents, name = attr_path.split(".")
            for part in parents:
                owner = getattr(owner, part)
            original = getattr(owner, name)
        except Exception:
            return  # renamed or gone mid-refactor: that step simply has no mark
        setattr(owner, name, self._wrapped(original, before, after, span))

    def _wrapped(self, original: Callable[..., Any], before: str, after: str | None, span: str):
        tracer = self
        if inspect.iscoroutinefunction(original):

            @functools.wraps(original)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                ident = _interaction_id(args) or CURRENT.get(None)
                began = time.monotonic()
                tracer.mark(before, ident)
                try:
                    return await original(*args, **kwargs)
                finally:
                    if after:
                        tracer.mark(after, ident)
                    if span and tracer.recording:
                        tracer.spans[span].append((began, time.monotonic(), ident))

            return wrapper

        @functools.wraps(original)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            ident = _interaction_id(args) or CURRENT.get(None)
            tracer.mark(before, ident)
            try:
                return original(*args, **kwargs)
            finally:
                if after:
                    tracer.mark(after, ident)

        return sync_wrapper

    def install(self) -> None:
        import discord.app_commands
        import discord.gateway
        import discord.state
        import discord.webhook.async_

        tracer = self
        received = discord.gateway.DiscordWebSocket.received_message

        @functools.wraps(received)
        async def received_message(ws: Any, msg: Any) -> Any:
            tracer.frame_at = time.monotonic()
            return await received(ws, msg)

        discord.gateway.DiscordWebSocket.received_message = received_message

        parse = discord.state.ConnectionState.parse_interaction_create

        @functools.wraps(parse)
        def parse_interaction_create(state: Any, data: dict[str, Any]) -> Any:
            ident = int(data["id"])
            if tracer.recording:
                tracer.marks[ident]["frame"] = tracer.frame_at
            tracer.mark("parse", ident)
            try:
                return parse(state, data)  # pyright: ignore[reportArgumentType]
            finally:
                tracer.mark("parsed", ident)

        discord.state.ConnectionState.parse_interaction_create = parse_interaction_create  # type: ignore[method-assign]

        call = discord.app_commands.CommandTree._call

        @functools.wraps(call)
        async def tree_call(tree: Any, interaction: Any) -> Any:
            CURRENT.set(interaction.id)
            tracer.mark("tree_call")
            return await call(tree, interaction)

        discord.app_commands.CommandTree._call = tree_call  # type: ignore[method-assign]

        # Interaction callbacks go through the webhook adapter, not HTTPClient: its lock is
        # per (application, interaction token), so one interaction never waits for another.
        request = discord.webhook.async_.AsyncWebhookAdapter.request

        @functools.wraps(request)
        async def webhook_request(adapter: Any, route: Any, *args: Any, **kwargs: Any) -> Any:
            is_callback = route.path.endswith("/callback")
            if is_callback:
                tracer.mark("http_request")
            try:
                return await request(adapter, route, *args, **kwargs)
            finally:
                if is_callback:
                    tracer.mark("http_answered")

        discord.webhook.async_.AsyncWebhookAdapter.request = webhook_request  # type: ignore[method-assign]

        import aiohttp

        send = aiohttp.ClientSession._request

        @functools.wraps(send)
        async def session_request(session: Any, method: str, url: Any, *a: Any, **k: Any) -> Any:
            if str(url).endswith("/callback"):
                # Past discord.py's rate-limit bucket: the request really leaves now.
                tracer.mark("http_send")
            return await send(session, method, url, *a, **k)

        aiohttp.ClientSession._request = session_request  # type: ignore[method-assign]

        self.wrap(
            "discord.interactions:InteractionResponse.defer", before="defer", after="deferred"
        )
        self.wrap("cogs.imagine.command:ImagineCog.imagine", before="imagine")
        self.wrap(
            "cogs.imagine.command:ImagineCog.member_context",
            before="member_context",
            after="member_context_done",
        )
        self.wrap(
            "imagecore.storage.settings_cache:SettingsCache.get",
            before="settings",
            after="settings_done",
            span="settings_cache_get",
        )
        self.wrap(
            "imagecore.storage.storage:Storage.guild_settings",
            before="db_settings",
            after="db_settings_done",
            span="db_guild_settings",
        )
        self.wrap(
            "imagecore.storage.ledger:JobLedger.usage",
            before="usage",
            after="usage_done",
            span="ledger_usage",
        )
        self.wrap(
            "imagecore.storage.storage:Storage.last_job_at",
            before="last_job",
            after="last_job_done",
            span="db_last_job_at",
        )
        self.wrap("imagecore.queue:FairScheduler.submit", before="submit", after="submitted")


def _interaction_id(args: tuple[Any, ...]) -> int | None:
    """The interaction's id when one is among the arguments (InteractionResponse too)."""
    for arg in args[:2]:
        ident = getattr(arg, "id", None)
        if type(arg).__name__ == "Interaction" and isinstance(ident, int):
            return ident
        parent = getattr(arg, "_parent", None)
        if type(arg).__name__ == "InteractionResponse" and parent is not None:
            return parent.id
    return None
