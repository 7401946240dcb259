"""The Bot subclass: wires the core (API client, queue, storage) to the cogs. Run this file
to start the bot (`make run`); the process around it lives in runtime/entry.py."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
import urllib.parse
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from cogs.utils.command_tree import ImageTree
from config import Settings
from imagecore.api.client import ImageClient
from imagecore.api.rate_gate import RateGate
from imagecore.background import BackgroundTasks
from imagecore.i18n import Catalogs
from imagecore.policy.admission import utc_day
from imagecore.policy.guild_settings import BotDefaults
from imagecore.queue import FairScheduler
from imagecore.storage import Storage, StorageUnavailable
from imagecore.storage.ledger import JobLedger
from imagecore.storage.settings_cache import SettingsCache
from runtime import __version__
from runtime.command_sync import SyncState, commands_fingerprint
from runtime.command_translator import CommandTranslator
from runtime.entry import main
from runtime.health_server import HealthServer
from runtime.metrics import BotMetrics, LiveFigures

log = logging.getLogger("bot")

EXTENSIONS = (
    "cogs.imagine",
    "cogs.queue_status",
    "cogs.settings",
    "cogs.usage",
    "cogs.maintenance",
)
# How long running images may take to finish when the bot is asked to stop.
SHUTDOWN_GRACE = 25.0
# How long history writes may take to land when the bot stops.
HISTORY_DRAIN = 5.0


class ImageBot(commands.Bot):
    session: aiohttp.ClientSession
    image_client: ImageClient
    command_count: int = 0
    health_server: HealthServer | None = None

    def __init__(self, config: Settings, storage: Storage, **options: Any) -> None:
        # A text-only bot: discord.py's warnings about missing voice libraries are noise.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        # Only the guilds intent: application commands need nothing privileged.
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=ImageTree,
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,
            **options,
        )
        self.config = config
        self.defaults = defaults_from(config)
        # zh-CN and zh-TW; a missing or broken catalog stops the start, naming the file.
        self.catalogs = Catalogs.load()
        self.sync_state = SyncState(config.data_dir / "commands.sha256")
        # Wall-clock time for budgets and history (UTC days); tests may replace it.
        self.clock = time.time
        self.tasks = BackgroundTasks("bot")
        self.storage = storage
        self.ledger = JobLedger(storage)
        self.settings_cache = SettingsCache(storage)
        self.gate = RateGate(
            config.image_api_concurrency,
            config.image_api_rate,
            # 429s slow the bot to a quarter of the configured rate at most: slower only
            # makes every member wait without sparing the provider anything more.
            min_rate=config.image_api_rate / 4,
        )
        self.scheduler = FairScheduler(
            workers=config.image_api_concurrency,
            # Each image is a ticket; the cog's own check counts requests (README).
            max_pending_per_user=config.max_pending_per_user * config.max_images_per_request,
            # A first guess at one image's time, until real ones are measured.
            typical_job_seconds=15.0,
            # A worker picks its next job when the gate would send it, not ahead of it.
            pace=self.gate.reserve,
        )
        self.metrics = BotMetrics(
            version=__version__,
            live=LiveFigures(
                queued=lambda: self.scheduler.queued_count,
                running=lambda: self.scheduler.running_count,
                gate_rate=lambda: self.gate.current_rate,
                outbox=lambda: storage.outbox_size,
            ),
        )
        self.ledger.on_save = self.metrics.job_ended
        # Closed in reverse order once Discord is closed: the HTTP session, then the
        # history writes still on their way, then the database.
        self._resources = contextlib.AsyncExitStack()
        self._resources.push_async_callback(storage.close)
        self._resources.push_async_callback(self._finish_history)
        self._resources.push_async_callback(self.settings_cache.close)
        self._shutdown: asyncio.Future[None] | None = None

    @classmethod
    async def create(cls, config: Settings, **options: Any) -> ImageBot:
        """Open the database named by the config, then the bot around it."""
        return cls(config, await Storage.open(config.database_url.reveal()), **options)

    async def setup_hook(self) -> None:
        self.session = await self._resources.enter_async_context(aiohttp.ClientSession())
        self.image_client = ImageClient(
            self.session,
            url=self.config.generations_url,
            api_key=self.config.image_api_key.reveal(),
            timeout=self.config.image_api_timeout,
            gate=self.gate,
            style=self.config.api_style(),
        )
        await self.start_health_server()
        await self.load_state()
        self.scheduler.start()
        # Before the commands are built: their localizations come from the catalogs.
        await self.tree.set_translator(CommandTranslator(self.catalogs))
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        # Counted before a guild-scoped sync moves them off the global tree.
        self.command_count = len(self.tree.get_commands())
        await self.sync_commands()
        # Everything built at start (discord.py, SQLAlchemy, CLDR data …) lives as long as
        # the process: out of the collector's sight, a full collection no longer walks it
        # in the middle of a burst (it stalled acknowledgements by ~100 ms). Once per
        # process: a later bot in the same process (the tests) would freeze its
        # predecessor's garbage.
        if gc.get_freeze_count() == 0:
            gc.freeze()

    async def start_health_server(self) -> None:
        """/healthz and /metrics when METRICS_ADDR is set. A port in use stops nothing
        else: the bot serves members without it and the log says why."""
        if self.config.metrics_addr is None:
            return
        host, port = self.config.metrics_addr
        server = HealthServer(
            host,
            port,
            checks=[("discord", self.discord_problem), ("database", self.database_problem)],
            metrics=self.metrics,
        )
        try:
            await server.start()
        except OSError as exc:
            log.error("METRICS_ADDR %s:%d: cannot listen (%s)", host, port, exc.strerror)
            return
        self._resources.push_async_callback(server.close)
        self.health_server = server

    async def discord_problem(self) -> str | None:
        ws = self.ws
        if self.is_closed() or ws is None or not ws.open:
            return "not connected to Discord"
        return None if self.is_ready() else "still starting"

    async def database_problem(self) -> str | None:
        try:
            await self.storage.ping()
        except StorageUnavailable as exc:
            return str(exc) or "unreachable"
        return None

    async def load_state(self) -> None:
        """Every server's settings and today's counts into memory, so /imagine decides
        without waiting for the database. If that fails, they are read when first needed."""
        try:
            await self.settings_cache.load_all()
            await self.ledger.preload(utc_day(self.clock()))
        except StorageUnavailable as exc:
            log.warning("could not load settings and counts at start (%s); reading them later", exc)

    async def sync_commands(self) -> None:
        """Sync only when the definitions changed since the last successful sync."""
        scope = self.config.discord_guild_ids
        # With the localizations: a catalog change is a change of the commands.
        translator = self.tree.translator
        payload = [
            await command.get_translated_payload(self.tree, translator)
            if translator
            else command.to_dict(self.tree)
            for command in self.tree.get_commands()
        ]
        fingerprint = commands_fingerprint(payload, scope)
        if not self.sync_state.needs_sync(fingerprint):
            log.info("commands unchanged since the last sync; not syncing")
            return
        try:
            if scope:
                for guild_id in scope:
                    guild = discord.Object(id=guild_id)
                    self.tree.copy_global_to(guild=guild)
                    await self.tree.sync(guild=guild)
                # Global copies from an earlier global sync would show every command twice.
                self.tree.clear_commands(guild=None)
                await self.tree.sync()
                log.info("commands synced to %d server(s)", len(scope))
            else:
                await self.tree.sync()
                log.info("commands synced globally (may take up to an hour to appear)")
        except discord.Forbidden:
            log.error(
                "Discord refused the command sync: invite the bot with the "
                "applications.commands scope to every server in DISCORD_GUILD_IDS"
            )
            return
        except discord.HTTPException as exc:
            log.error("command sync failed (HTTP %s); will retry at next start", exc.status)
            return
        self.sync_state.remember(fingerprint)

    async def on_ready(self) -> None:
        # The one line that tells a self-hoster "it works" (README, Set up).
        log.info(
            "ready: qwen-image-bot %s, logged in as %s in %d server(s), %d commands, image API at %s",
            __version__,
            self.user,
            len(self.guilds),
            self.command_count,
            urllib.parse.urlsplit(self.config.image_api_base_url).hostname,
        )

    async def close(self) -> None:
        """Stop once, however many signals or callers ask: every caller waits for the end."""
        if self._shutdown is None:
            self._shutdown = self.tasks.spawn(self._close_once(), name="shutdown")
        await asyncio.shield(self._shutdown)

    async def _close_once(self) -> None:
        if not self.scheduler.is_shutting_down:
            # Running images get a grace period; queued jobs stay in the database for the
            # next start (their status says so while Discord can still be reached).
            queued = await self.scheduler.shutdown(SHUTDOWN_GRACE)
            log.info("stopped the queue; %d queued image(s) wait for the next start", len(queued))
        # Unloads the cogs first, so their work ends before the HTTP session goes away.
        await super().close()
        await self._resources.aclose()

    async def _finish_history(self) -> None:
        await self.ledger.drain(HISTORY_DRAIN)
        await self.ledger.close()
        await self.storage.flush_outbox()


def defaults_from(config: Settings) -> BotDefaults:
    """The bot's own defaults and limits, from the environment, built once."""
    return BotDefaults(
        size=config.default_size,
        negative_prompt=config.default_negative_prompt,
        prompt_extend=config.default_prompt_extend,
        watermark=config.default_watermark,
        model=config.image_model,
        max_pending_per_user=config.max_pending_per_user,
        cooldown_seconds=config.cooldown_seconds,
        user_daily_images=config.user_daily_images,
        models=config.image_models,
        sizes=config.image_sizes,
        max_images=config.max_images_per_request,
        edit_model=config.image_edit_model,
        edit_models=config.image_edit_models,
        capabilities=config.model_capabilities,
    )


if __name__ == "__main__":
    sys.exit(main(ImageBot))
