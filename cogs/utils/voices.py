"""Which language the bot speaks to whom: the member's own Discord language for what only
they see, the server's for what the channel sees (the moderators' ``language`` setting,
or with "auto" the server's Discord locale)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from imagecore.i18n import Catalogs, Language, server_locale

__all__ = ["Voices", "catalogs_of", "private_language", "public_language"]


def catalogs_of(client: discord.Client) -> Catalogs:
    """The bot's catalogs (``ImageBot.catalogs``); English alone for a client without."""
    catalogs = getattr(client, "catalogs", None)
    return catalogs if isinstance(catalogs, Catalogs) else Catalogs.english_only()


def _locale(value: discord.Locale | str | None) -> str | None:
    return None if value is None else str(value)


def private_language(interaction: discord.Interaction[Any]) -> Language:
    """The member's language: for ephemeral answers."""
    return catalogs_of(interaction.client).language(_locale(interaction.locale))


def public_language(interaction: discord.Interaction[Any], setting: str | None) -> Language:
    """The server's language: for what everyone in the channel reads. In a DM only the
    member reads it: their own."""
    if interaction.guild_id is None:
        return private_language(interaction)
    locale = server_locale(setting, _locale(interaction.guild_locale))
    return catalogs_of(interaction.client).language(locale)


@dataclass(frozen=True, slots=True)
class Voices:
    """A request's two languages, fixed when it is accepted (and again when resumed)."""

    private: Language
    public: Language

    @classmethod
    def of(cls, interaction: discord.Interaction[Any], setting: str | None) -> Voices:
        return cls(private_language(interaction), public_language(interaction, setting))

    @classmethod
    def stored(
        cls,
        catalogs: Catalogs,
        *,
        user_locale: str | None,
        guild_locale: str | None,
        setting: str | None,
    ) -> Voices:
        # A DM has neither: only the member reads it.
        public = server_locale(setting, guild_locale) or user_locale
        return cls(catalogs.language(user_locale), catalogs.language(public))

    @classmethod
    def english(cls) -> Voices:
        english = Catalogs.english_only().language(None)
        return cls(english, english)
