"""Member-facing text in Simplified Chinese, Traditional Chinese and English.

``Catalogs.load()`` once at start; ``catalogs.text(str(interaction.locale), SENTENCE,
name=value)`` wherever a member reads something. Message ids are the English sentences,
marked in the source with ``N_`` (or ``NP_`` for a singular/plural pair) so ``pybabel
extract -F babel.cfg`` finds them. Discord-free: the command translator in
``runtime/command_translator.py`` answers Discord from the same catalogs.
"""

from imagecore.i18n.catalogs import (
    COMMANDS_DOMAIN,
    LOCALES_DIR,
    SENTENCES_DOMAIN,
    CatalogError,
    Catalogs,
    Language,
    Message,
    Param,
)
from imagecore.i18n.formatting import format_duration, format_number, format_utc_time
from imagecore.i18n.languages import (
    SERVER_LANGUAGE_CHOICES,
    LanguageSpec,
    resolve_locale,
    server_locale,
)
from imagecore.i18n.markers import N_, NP_, Plural
from imagecore.i18n.sayable import SayableError

__all__ = [
    "COMMANDS_DOMAIN",
    "LOCALES_DIR",
    "NP_",
    "N_",
    "SENTENCES_DOMAIN",
    "SERVER_LANGUAGE_CHOICES",
    "CatalogError",
    "Catalogs",
    "Language",
    "LanguageSpec",
    "Message",
    "Param",
    "Plural",
    "SayableError",
    "format_duration",
    "format_number",
    "format_utc_time",
    "resolve_locale",
    "server_locale",
]
