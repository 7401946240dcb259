"""Entry point and the Bot subclass: settings → logging → Discord; wires the core to the cogs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
import urllib.parse
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands
from dotenv import find_dotenv, load_dotenv

from cogs.imagine.job import tell_privately
from cogs.utils.errors import Refused
from cogs.utils.sentences import UNEXPECTED
from config import ConfigError, Settings, load_settings
from imagecore.api.client import ImageClient
from imagecore.api.rate_gate import RateGate
from imagecore.policy.guild_settings import BotDefaults
from imagecore.queue import FairScheduler
from imagecore.storage import Storage, StorageUnavailable
from imagecore.storage.ledger import JobLedger
from imagecore.storage.settings_cache import SettingsCache
from runtime.command_sync import SyncState, commands_fingerprint
from runtime.log_redaction import install_redaction

log = logging.getLogger("bot")

EXTENSIONS = ("cogs.imagine", "cogs.queue_status", "cogs.settings", "cogs.usage")
EXIT_STORAGE = 1
# How often history writes kept while the database was down are retried, and how often
# old history is purged.
OUTBOX_RETRY_SECONDS = 15.0
PURGE_EVERY_SECONDS = 24 * 3600.0
# How long running images may take to finish when the bot is asked to stop.
SHUTDOWN_GRACE = 25.0
EXIT_CONFIG = 2


class ImageTree(app_commands.CommandTree["ImageBot"]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Last resort: the member gets a short sentence, the log gets the traceback."""
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure) and interaction.response.is_done():
            return  # the check already told the member why
        if isinstance(original, Refused):
            text = str(original)
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = "This command works only inside a server."
        elif isinstance(error, app_commands.CheckFailure):
            text = "You can't use this command here."
        else:
            text = UNEXPECTED
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed", command, exc_info=original)
        await tell_privately(interaction, text)


class ImageBot(commands.Bot):
    session: aiohttp.ClientSession
    image_client: ImageClient
    gate: RateGate
    scheduler: FairScheduler
    storage: Storage
    ledger: JobLedger
    settings_cache: SettingsCache

    def __init__(self, settings: Settings, **options: Any) -> None:
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
        self.settings = settings
        self.sync_state = SyncState(settings.data_dir / "commands.sha256")
        self._defaults = self._defaults_from(settings)
        # Wall-clock time for budgets and history (UTC days); tests may replace it.
        self.clock = time.time
        self._maintenance: asyncio.Task[None] | None = None
        self._storage_closed = False
        self._shutdown: asyncio.Future[None] | None = None

    def bot_defaults(self) -> BotDefaults:
        return self._defaults

    @staticmethod
    def _defaults_from(settings: Settings) -> BotDefaults:
        return BotDefaults(
            size=settings.default_size,
            negative_prompt=settings.default_negative_prompt,
            prompt_extend=settings.default_prompt_extend,
            watermark=settings.default_watermark,
            model=settings.image_model,
            max_pending_per_user=settings.max_pending_per_user,
            cooldown_seconds=settings.cooldown_seconds,
            user_daily_images=settings.user_daily_images,
            models=settings.image_models,
            sizes=settings.image_sizes,
        )

    async def setup_hook(self) -> None:
        settings = self.settings
        self.storage = await Storage.open(settings.database_url.reveal())
        self.ledger = JobLedger(self.storage)
        self.settings_cache = SettingsCache(self.storage)
        self._maintenance = asyncio.create_task(self.maintain_storage())
        self.session = aiohttp.ClientSession()
        self.gate = RateGate(
            settings.image_api_concurrency,
            settings.image_api_rate,
            # 429s slow the bot to a quarter of the configured rate at most: slower only
            # makes every member wait without sparing the provider anything more.
            min_rate=settings.image_api_rate / 4,
        )
        self.image_client = ImageClient(
            self.session,
            url=settings.generations_url,
            api_key=settings.image_api_key.reveal(),
            timeout=settings.image_api_timeout,
            gate=self.gate,
        )
        self.scheduler = FairScheduler(
            workers=settings.image_api_concurrency,
            max_pending_per_user=settings.max_pending_per_user,
            # A first guess at one image's time, until real ones are measured.
            typical_job_seconds=15.0,
        )
        self.scheduler.start()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync only when the definitions changed since the last successful sync."""
        scope = self.settings.discord_guild_ids
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
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

    async def maintain_storage(self) -> None:
        """Retry history writes kept while the database was down; purge old history daily."""
        last_purge = -PURGE_EVERY_SECONDS
        while True:
            try:
                if self.storage.outbox_size:
                    await self.storage.flush_outbox()
                if time.monotonic() - last_purge >= PURGE_EVERY_SECONDS:
                    cutoff = self.clock() - self.settings.history_days * 86400
                    deleted = await self.storage.purge_history(cutoff)
                    last_purge = time.monotonic()
                    if deleted:
                        log.info(
                            "purged %d history rows older than %d days",
                            deleted,
                            self.settings.history_days,
                        )
            except StorageUnavailable as exc:
                log.warning("storage maintenance postponed: %s", exc)
            except Exception:
                log.exception("storage maintenance failed")
            await asyncio.sleep(OUTBOX_RETRY_SECONDS)

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info(
            "logged in as %s (id %s) in %d server(s)", self.user, self.user.id, len(self.guilds)
        )

    async def close(self) -> None:
        """Stop once, however many signals or callers ask: every caller waits for the end."""
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._close_once())
        await asyncio.shield(self._shutdown)

    async def _close_once(self) -> None:
        if hasattr(self, "scheduler") and not self.scheduler.is_shutting_down:
            # Running images get a grace period; queued members are told while Discord
            # can still be reached.
            dropped = await self.scheduler.shutdown(SHUTDOWN_GRACE)
            log.info("stopped the queue; %d waiting request(s) were told", len(dropped))
        # Unload cogs first so their work ends before the HTTP session goes away.
        for extension in tuple(self.extensions):
            try:
                await self.unload_extension(extension)
            except commands.ExtensionError:
                log.exception("unloading %s failed", extension)
        await super().close()
        if hasattr(self, "session"):
            await self.session.close()
        if self._maintenance is not None:
            self._maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintenance
        if hasattr(self, "storage") and not self._storage_closed:
            self._storage_closed = True
            await self.ledger.drain(5)
            await self.storage.flush_outbox()
            await self.storage.close()


def database_secrets(url: str) -> list[str]:
    """The password in a database URL, raw and percent-decoded, for log redaction."""
    _, _, rest = url.partition("://")
    credentials, at, _ = rest.rpartition("@")
    if not at or ":" not in credentials:
        return []
    password = credentials.partition(":")[2]
    return [password, urllib.parse.unquote(password)]


def setup_logging() -> None:
    # INFO until the settings (and LOG_LEVEL) are known; a config error must still print.
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # discord.py's gateway chatter is noise at INFO.
    logging.getLogger("discord.gateway").setLevel(logging.WARNING)
    # Alembic reports every start at INFO; only problems matter in the bot's log.
    logging.getLogger("alembic").setLevel(logging.WARNING)


async def run_bot(settings: Settings) -> int:
    async with ImageBot(settings) as bot:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Stop gracefully (docker stop, Ctrl+C): finish running images, tell the queue.
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
        try:
            await bot.start(settings.discord_token.reveal())
            # start() returns as soon as Discord is closed; the rest of the shutdown
            # (history writes, the database) must finish before the process ends.
            await bot.close()
        except discord.LoginFailure:
            log.error(
                "Discord rejected DISCORD_TOKEN. Copy a fresh token from the Bot page of "
                "your application in the Discord developer portal into .env"
            )
            return EXIT_CONFIG
        except discord.PrivilegedIntentsRequired:
            log.error("Discord refused the requested intents")
            return EXIT_CONFIG
        except StorageUnavailable as exc:
            log.error(
                "database: %s (check DATABASE_URL; the bot will work once it is reachable)", exc
            )
            return EXIT_STORAGE
    return 0


def main() -> int:
    # The .env of the directory the bot is started from (make run: the project folder).
    load_dotenv(find_dotenv(usecwd=True))
    setup_logging()
    try:
        settings = load_settings(os.environ)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except ConfigError as exc:
        log.error("configuration: %s", exc)
        return EXIT_CONFIG
    except OSError as exc:
        log.error("configuration: DATA_DIR: cannot create it (%s) (see .env.example)", exc.strerror)
        return EXIT_CONFIG
    logging.getLogger().setLevel(settings.log_level)
    install_redaction(
        [
            settings.discord_token.reveal(),
            settings.image_api_key.reveal(),
            *database_secrets(settings.database_url.reveal()),
        ]
    )
    try:
        return asyncio.run(run_bot(settings))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
