"""Slash commands in the member's Discord language: the ``app_commands.Translator`` that
gives every command, option and choice its zh-CN and zh-TW localizations when the
commands are synced.

Command names stay English (``/imagine…`` reads the same in every language, as the help
and README say); descriptions, option names and choice names come from the ``commands``
catalog (``locales/<lang>/LC_MESSAGES/commands.po``), each under a context naming what it
is. Size choices are said with the size words of the sentence catalog. Anything without
a translation, or whose translation would break one of Discord's limits, is left to
Discord's English rather than failing the whole sync.

The catalog's template is made from the command tree itself, exactly as Discord is sent
it:  ``python -m runtime.command_translator locales/commands.pot``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import regex
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from discord import app_commands
from discord.app_commands import TranslationContextLocation, TranslationContextTypes, locale_str
from discord.ext import commands, tasks

from imagecore.i18n import Catalogs, Language
from imagecore.i18n.sizes import SIZE_API_FORM, localized_size_label

__all__ = [
    "CHOICE",
    "DESCRIPTION",
    "MAX_CHOICE_NAME",
    "MAX_DESCRIPTION",
    "MAX_NAME",
    "MENU_NAME",
    "NAME_PATTERN",
    "OPTION_NAME",
    "TRANSLATED_LOCALES",
    "CommandText",
    "CommandTranslator",
    "catalog_entry",
    "command_template",
    "command_texts",
    "offline_command_tree",
]

log = logging.getLogger(__name__)

# Discord's limits for application commands.
MAX_NAME = 32
MAX_DESCRIPTION = 100
MAX_CHOICE_NAME = 100
NAME_PATTERN = regex.compile(r"^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")

# The templates' headers, as `pybabel extract` writes them for the sentences (Makefile).
PROJECT = "qwen-image-discord-bot"
COPYRIGHT_HOLDER = "the qwen-image-discord-bot authors"

# The contexts (msgctxt) of the commands catalog.
DESCRIPTION = "description"
OPTION_NAME = "option name"
CHOICE = "choice"
MENU_NAME = "menu name"

# Discord locales the catalogs translate; every other one sees the English definitions.
TRANSLATED_LOCALES = frozenset({discord.Locale.chinese, discord.Locale.taiwan_chinese})

_DESCRIPTIONS = frozenset(
    {
        TranslationContextLocation.command_description,
        TranslationContextLocation.group_description,
        TranslationContextLocation.parameter_description,
    }
)
# discord.py's description for a parameter nobody described.
_UNDESCRIBED = "…"


@dataclass(frozen=True, order=True, slots=True)
class CommandText:
    """One entry of the commands catalog."""

    context: str
    msgid: str


def catalog_entry(
    location: TranslationContextLocation, message: str, data: object = None
) -> CommandText | None:
    """Where in the commands catalog a string of the command tree is translated, or None
    for what is never translated: slash command and group names, a choice without a
    letter (counts: 1, 2, 3), and the placeholder description of an undescribed option.
    A context menu's name ("Edit image") is what members read in the Apps menu: it is
    translated."""
    if location is TranslationContextLocation.command_name:
        return (
            CommandText(MENU_NAME, message) if isinstance(data, app_commands.ContextMenu) else None
        )
    if location in _DESCRIPTIONS:
        return None if message == _UNDESCRIBED else CommandText(DESCRIPTION, message)
    if location is TranslationContextLocation.parameter_name:
        return CommandText(OPTION_NAME, message)
    if location is TranslationContextLocation.choice_name:
        return CommandText(CHOICE, message) if any(c.isalpha() for c in message) else None
    return None


def size_choice(data: object) -> str | None:
    """The size a choice stands for (its value in the API's ``W*H`` form), or None."""
    value = data.value if isinstance(data, app_commands.Choice) else None
    return value if isinstance(value, str) and SIZE_API_FORM.fullmatch(value) else None


def valid_name(name: str) -> bool:
    """Discord's rule for option names: 1-32 letters, digits, '-' or '_', lower case
    wherever the script has case."""
    return len(name) <= MAX_NAME and bool(NAME_PATTERN.match(name)) and name == name.lower()


def within_limits(location: TranslationContextLocation, text: str) -> bool:
    if location is TranslationContextLocation.parameter_name:
        return valid_name(text)
    if location is TranslationContextLocation.choice_name:
        return 1 <= len(text) <= MAX_CHOICE_NAME
    if location is TranslationContextLocation.command_name:  # a context menu's
        return 1 <= len(text) <= MAX_NAME
    return 1 <= len(text) <= MAX_DESCRIPTION


class CommandTranslator(app_commands.Translator):
    """Answers discord.py's translation requests from the catalogs: set it with
    ``await bot.tree.set_translator(CommandTranslator(catalogs))`` before syncing."""

    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: TranslationContextTypes
    ) -> str | None:
        return self.localize(string.message, locale, context.location, context.data)

    def localize(
        self,
        message: str,
        locale: discord.Locale,
        location: TranslationContextLocation,
        data: object = None,
    ) -> str | None:
        """``message`` as Discord should show it in ``locale``, or None for the English."""
        if locale not in TRANSLATED_LOCALES:
            return None
        language = self.catalogs.language(locale.value)
        translated = self._lookup(language, message, location, data)
        if translated is None:
            return None
        if not within_limits(location, translated):
            log.warning(
                "%s translation of %r breaks Discord's limits; English is shown: %r",
                locale.value,
                message,
                translated,
            )
            return None
        return translated

    def _lookup(
        self,
        language: Language,
        message: str,
        location: TranslationContextLocation,
        data: object,
    ) -> str | None:
        if location is TranslationContextLocation.choice_name:
            size = size_choice(data)
            if size is not None:
                label = localized_size_label(language, size)
                return None if label == message else label
        entry = catalog_entry(location, message, data)
        return None if entry is None else language.command_text(entry.context, entry.msgid)


class _Recorder(app_commands.Translator):
    """Notes every string discord.py asks to have translated, and where it is used."""

    def __init__(self) -> None:
        self.found: dict[CommandText, set[str]] = {}
        self._parameter = ""

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: TranslationContextTypes
    ) -> str | None:
        data: Any = context.data
        location = context.location
        if location in (
            TranslationContextLocation.parameter_name,
            TranslationContextLocation.parameter_description,
        ):
            # A parameter's choices are asked for right after its name and description.
            self._parameter = f"/{data.command.qualified_name} {data.name}"
            where = self._parameter
        elif location is TranslationContextLocation.choice_name:
            if size_choice(data) is not None:
                return None  # said by the size words of the sentence catalog
            where = self._parameter
        else:
            where = f"/{data.qualified_name}"
        entry = catalog_entry(location, string.message, data)
        if entry is not None:
            self.found.setdefault(entry, set()).add(where)
        return None


async def command_texts(tree: app_commands.CommandTree[Any]) -> dict[CommandText, set[str]]:
    """Every string of ``tree`` the commands catalog translates, with the commands and
    options (``/imagine-settings limits clear``) that use it."""
    recorder = _Recorder()
    for command in tree.get_commands():
        await command.get_translated_payload(tree, recorder)
    return recorder.found


def command_template(texts: dict[CommandText, set[str]]) -> Catalog:
    """The commands catalog's template (.pot): one entry per text, in a stable order,
    each with the commands that use it as a comment for translators."""
    template = Catalog(project=PROJECT, copyright_holder=COPYRIGHT_HOLDER, domain="commands")
    for entry in sorted(texts):
        uses = sorted(texts[entry])
        template.add(
            entry.msgid,
            context=entry.context,
            auto_comments=[f"Used by {', '.join(uses)}"],
        )
    return template


# Shaped like real settings so the config checks pass; never used to connect anywhere.
OFFLINE_ENV = {
    "DISCORD_TOKEN": "offline.command.tree",
    "IMAGE_API_BASE_URL": "https://image-api.invalid/v1",
    "IMAGE_API_KEY": "offline",
}


@contextlib.asynccontextmanager
async def offline_command_tree() -> AsyncIterator[app_commands.CommandTree[Any]]:
    """The bot's real command tree, its cogs loaded into a bot that never logs in (its
    database a throwaway SQLite file): what ``setup_hook`` would sync, minus the sync."""
    # Imported here: bot.py imports this module for the translator.
    import aiohttp

    from bot import EXTENSIONS, ImageBot
    from config import load_settings
    from imagecore.api.client import ImageClient

    with tempfile.TemporaryDirectory(prefix="command-tree-") as data_dir:
        config = load_settings({**OFFLINE_ENV, "DATA_DIR": data_dir})
        bot = await ImageBot.create(config)
        try:
            async with aiohttp.ClientSession() as session:
                bot.image_client = ImageClient(
                    session, url=config.generations_url, api_key="offline", timeout=1.0
                )
                for extension in EXTENSIONS:
                    await bot.load_extension(extension)
                await _stop_background_loops(bot)
                yield bot.tree
        finally:
            await bot.close()


async def _stop_background_loops(bot: commands.Bot) -> None:
    """Stop the cogs' periodic work (history purge, outbox retries) before it starts: a
    database call cut short by the close could leave the close waiting for it."""
    loops = [
        value
        for cog in bot.cogs.values()
        for value in vars(cog).values()
        if isinstance(value, tasks.Loop)
    ]
    for loop in loops:
        loop.stop()
    for loop in loops:
        task = loop.get_task()
        if task is not None:
            with contextlib.suppress(Exception):
                await task


async def write_template(path: Path) -> int:
    async with offline_command_tree() as tree:
        texts = await command_texts(tree)
    with path.open("wb") as pot:
        write_po(pot, command_template(texts), width=100)
    return len(texts)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m runtime.command_translator",
        description="Write the commands catalog's template from the bot's command tree.",
    )
    parser.add_argument("template", type=Path, help="where to write it, e.g. locales/commands.pot")
    args = parser.parse_args(list(argv))
    count = asyncio.run(write_template(args.template))
    print(f"{count} command texts written to {args.template}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
