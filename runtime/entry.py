"""The process around the bot: .env → settings → logging → database → Discord, and the
exit code. Anything that stops start-up says so in one line, never a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import aiohttp
import discord
from dotenv import find_dotenv, load_dotenv

from config import ConfigError, Settings, load_settings
from config.settings import describe_api
from imagecore.i18n import CatalogError
from imagecore.storage import Storage, StorageUnavailable
from imagecore.storage.urls import parse_database_url
from runtime.command_line import parse_command_line
from runtime.instance_lock import AlreadyRunning, single_instance
from runtime.json_logs import use_json_logs
from runtime.log_redaction import install_redaction

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["EXIT_CONFIG", "EXIT_STORAGE", "main"]

log = logging.getLogger("bot")

EXIT_STORAGE = 1
EXIT_CONFIG = 2
# Waits between attempts to reach Discord while the network is not up yet.
CONNECT_BACKOFF = (2.0, 5.0, 10.0, 30.0, 60.0)

BotFactory = Callable[[Settings, Storage], "ImageBot"]


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


async def login_with_retry(bot: ImageBot, token: str) -> None:
    """Log in, waiting for the network if Discord can't be reached yet (a container that
    starts before its network, a DNS hiccup). A rejected token is not retried."""
    for attempt in range(sys.maxsize):
        try:
            await bot.login(token)
            return
        except (aiohttp.ClientConnectionError, TimeoutError, OSError) as exc:
            wait = CONNECT_BACKOFF[min(attempt, len(CONNECT_BACKOFF) - 1)]
            log.warning(
                "Discord can't be reached (%s); trying again in %.0f s", type(exc).__name__, wait
            )
            await asyncio.sleep(wait)


async def run_bot(settings: Settings, make_bot: BotFactory) -> int:
    # The database first: a wrong DATABASE_URL is the owner's to fix before anything else.
    try:
        sqlite_path = parse_database_url(settings.database_url.reveal()).sqlite_path
    except ValueError as exc:
        log.error("database: %s (check DATABASE_URL)", exc)
        return EXIT_STORAGE
    try:
        with single_instance(sqlite_path) if sqlite_path else contextlib.nullcontext():
            return await _run_bot(settings, make_bot)
    except AlreadyRunning as exc:
        log.error("database: %s", exc)
        return EXIT_STORAGE


async def _run_bot(settings: Settings, make_bot: BotFactory) -> int:
    try:
        storage = await Storage.open(settings.database_url.reveal())
    except StorageUnavailable as exc:
        log.error("database: %s (check DATABASE_URL)", exc)
        return EXIT_STORAGE
    try:
        bot = make_bot(settings, storage)
    except CatalogError as exc:  # an install missing its locales/ folder, or a broken .po
        log.error("translations: %s", exc)
        await storage.close()
        return EXIT_STORAGE
    async with bot:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Stop gracefully (docker stop, Ctrl+C): finish running images, tell the queue.
            loop.add_signal_handler(signum, lambda: bot.tasks.spawn(bot.close(), name="close"))
        try:
            await login_with_retry(bot, settings.discord_token.reveal())
            await bot.connect()
        except discord.LoginFailure:
            log.error(
                "Discord rejected DISCORD_TOKEN. Copy a fresh token from the Bot page of "
                "your application in the Discord developer portal into .env"
            )
            return EXIT_CONFIG
        except discord.PrivilegedIntentsRequired:
            log.error("Discord refused the requested intents")
            return EXIT_CONFIG
        finally:
            # connect() returns as soon as Discord is closed; the rest of the shutdown
            # (history writes, the database) must finish before the process ends.
            await bot.close()
    return 0


def main(make_bot: BotFactory, argv: Sequence[str] | None = None) -> int:
    parse_command_line(sys.argv[1:] if argv is None else argv)
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
    if settings.log_format == "json":
        use_json_logs()
    log.info("%s", describe_api(settings))
    install_redaction(
        [
            settings.discord_token.reveal(),
            settings.image_api_key.reveal(),
            *database_secrets(settings.database_url.reveal()),
        ]
    )
    try:
        return asyncio.run(run_bot(settings, make_bot))
    except KeyboardInterrupt:
        return 0
