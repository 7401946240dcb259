"""Which language the bot speaks for a Discord locale string.

Discord names locales like ``"zh-CN"``, ``"zh-TW"``, ``"en-US"`` and ``"en-GB"``
(``str(interaction.locale)``). The bot has catalogs for Simplified and Traditional
Chinese; every other locale reads English. English keeps its regional way with times
(en-GB writes 00:00, en-US 12:00 AM); an unknown locale reads US English throughout, so
English sentences never carry another language's number or time formats.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ENGLISH",
    "LANGUAGES",
    "SERVER_LANGUAGE_CHOICES",
    "SIMPLIFIED_CHINESE",
    "TRADITIONAL_CHINESE",
    "LanguageSpec",
    "resolve_locale",
    "server_locale",
]


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    tag: str  # Discord's locale string
    catalog: str | None  # the directory under locales/, or None: the English message ids
    cldr: str  # Babel's locale for numbers, durations and times


SIMPLIFIED_CHINESE = LanguageSpec("zh-CN", "zh_CN", "zh_Hans_CN")
TRADITIONAL_CHINESE = LanguageSpec("zh-TW", "zh_TW", "zh_Hant_TW")
ENGLISH = LanguageSpec("en-US", None, "en_US")
BRITISH_ENGLISH = LanguageSpec("en-GB", None, "en_GB")

LANGUAGES: tuple[LanguageSpec, ...] = (
    SIMPLIFIED_CHINESE,
    TRADITIONAL_CHINESE,
    ENGLISH,
    BRITISH_ENGLISH,
)

# Other spellings of the same languages (BCP 47 and POSIX forms, lower case, with "-").
# Hong Kong and Macau write Traditional Chinese: the zh-TW catalog is the nearer one.
_ALIASES = {
    "zh": SIMPLIFIED_CHINESE,
    "zh-hans": SIMPLIFIED_CHINESE,
    "zh-hans-cn": SIMPLIFIED_CHINESE,
    "zh-sg": SIMPLIFIED_CHINESE,
    "zh-hans-sg": SIMPLIFIED_CHINESE,
    "zh-hant": TRADITIONAL_CHINESE,
    "zh-hant-tw": TRADITIONAL_CHINESE,
    "zh-hk": TRADITIONAL_CHINESE,
    "zh-hant-hk": TRADITIONAL_CHINESE,
    "zh-mo": TRADITIONAL_CHINESE,
    "zh-hant-mo": TRADITIONAL_CHINESE,
    **{spec.tag.lower(): spec for spec in LANGUAGES},
}

# What /imagine-settings language offers: "auto" follows the server's Discord locale.
SERVER_LANGUAGE_CHOICES = ("auto", SIMPLIFIED_CHINESE.tag, TRADITIONAL_CHINESE.tag, ENGLISH.tag)


def resolve_locale(locale: str | None) -> LanguageSpec:
    """The language for a locale string; anything unknown (or None) is US English."""
    if not locale:
        return ENGLISH
    return _ALIASES.get(locale.strip().replace("_", "-").lower(), ENGLISH)


def server_locale(setting: str | None, guild_locale: str | None) -> str | None:
    """The locale of a server's public messages: the moderators' language setting, or
    with "auto" (or none set) the server's own Discord locale."""
    if setting is None or setting.strip().lower() in ("", "auto"):
        return guild_locale
    return setting
