"""The translation catalogs, read from their .po files when the bot starts.

``locales/<lang>/LC_MESSAGES/<domain>.po`` is the only form kept in git: each is read with
Babel and compiled to gettext's binary form in memory, so no compiled .mo file is ever
committed or edited by hand, and an edited .po is in force at the next start.

Two domains: ``bot`` holds the sentences members read (message id = the English sentence,
placeholders named for ``str.format``); ``commands`` holds slash-command descriptions,
option names and choice names, each under a context saying which of those it is.

Build one ``Catalogs`` at start (``Catalogs.load()``) and pass it to whatever speaks to
members; nothing here is module-level state.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeAlias

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

from imagecore.i18n.formatting import format_duration, format_number, format_utc_time
from imagecore.i18n.languages import LANGUAGES, LanguageSpec, resolve_locale
from imagecore.i18n.markers import Plural

__all__ = [
    "COMMANDS_DOMAIN",
    "DOMAINS",
    "LOCALES_DIR",
    "SENTENCES_DOMAIN",
    "CatalogError",
    "Catalogs",
    "Language",
    "Message",
    "Param",
]

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SENTENCES_DOMAIN = "bot"
COMMANDS_DOMAIN = "commands"
DOMAINS = (SENTENCES_DOMAIN, COMMANDS_DOMAIN)

# str and int go in as they are (ids, seeds and "#3" must never gain a thousands
# separator); a float is a quantity in the language's number format; a timedelta a
# duration; a datetime a UTC time of day; a Message a sentence (or word) of its own, said
# in the same language.
Param: TypeAlias = "str | int | float | Decimal | timedelta | datetime | Message"


class CatalogError(RuntimeError):
    """A catalog is missing or can't be read: the install is incomplete."""


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence still to be said: its English (message id) and its values, so it can be
    said in whichever language the reader has. ``count`` picks a ``Plural``'s form."""

    text: str | Plural
    params: Mapping[str, Param] = field(default_factory=dict)
    count: int | None = None


class Language:
    """One language as the bot speaks it: its sentences, its command texts and its way
    with numbers, durations and times."""

    def __init__(
        self,
        spec: LanguageSpec,
        sentences: gettext.NullTranslations,
        commands: gettext.NullTranslations,
    ) -> None:
        self.spec = spec
        self.locale = Locale.parse(spec.cldr)
        self._sentences = sentences
        self._commands = commands

    @property
    def tag(self) -> str:
        return self.spec.tag

    def __repr__(self) -> str:
        return f"Language({self.tag!r})"

    def say(self, what: str | Message, /) -> str:
        """A sentence in this language: a ``Message`` rendered, or a plain string looked up
        as a message id (text that is no message id, such as a name, stays as it is)."""
        if isinstance(what, Message):
            return self.render(what)
        return self._sentences.gettext(what) if what else what

    def text(self, msgid: str, /, **params: Param) -> str:
        """The sentence ``msgid`` in this language, its placeholders filled."""
        return self.render(Message(msgid, params))

    def render(self, message: Message) -> str:
        if isinstance(message.text, Plural):
            if message.count is None:
                raise ValueError(f"a plural message needs a count: {message.text.singular!r}")
            english = message.text.english(message.count)
            translated = self._sentences.ngettext(*message.text, message.count)
        else:
            english = message.text
            translated = self._sentences.gettext(message.text)
        values = {name: self.format(value) for name, value in message.params.items()}
        try:
            return translated.format_map(values)
        except (KeyError, IndexError, ValueError):
            # The catalog tests keep placeholders in step; if one slips through, the
            # member still gets a whole sentence.
            log.error("translation of %r in %s does not fit its values", english, self.tag)
            return english.format_map(values)

    def command_text(self, context: str, msgid: str) -> str | None:
        """A slash-command text's translation under ``context``, or None when this
        language has none (Discord then shows the English)."""
        translated = self._commands.pgettext(context, msgid)
        return translated if translated and translated != msgid else None

    def format(self, value: Param) -> str:
        if isinstance(value, Message):
            return self.render(value)
        if isinstance(value, timedelta):
            return self.duration(value)
        if isinstance(value, datetime):
            return self.utc_time(value)
        if isinstance(value, float | Decimal):
            return self.number(value)
        return str(value)

    def number(self, value: int | float | Decimal) -> str:
        return format_number(value, self.locale)

    def duration(self, value: float | timedelta) -> str:
        return format_duration(value, self.locale)

    def utc_time(self, value: datetime | float) -> str:
        return format_utc_time(value, self.locale)


class Catalogs:
    """Every language the bot speaks, by Discord locale string."""

    def __init__(self, languages: Mapping[str, Language]) -> None:
        self._languages = dict(languages)

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalogs:
        """Read and compile every catalog under ``directory``. Raises CatalogError when
        one is missing or broken, naming the file."""
        languages: dict[str, Language] = {}
        for spec in LANGUAGES:
            if spec.catalog is None:
                english = gettext.NullTranslations()
                languages[spec.tag] = Language(spec, english, english)
            else:
                sentences, commands = (
                    compile_catalog(catalog_path(directory, spec.catalog, domain), spec.catalog)
                    for domain in DOMAINS
                )
                languages[spec.tag] = Language(spec, sentences, commands)
        return cls(languages)

    @classmethod
    def english_only(cls) -> Catalogs:
        """English alone, from the message ids: for a client that loaded no catalogs."""
        english = gettext.NullTranslations()
        return cls({spec.tag: Language(spec, english, english) for spec in LANGUAGES})

    @property
    def languages(self) -> tuple[Language, ...]:
        return tuple(self._languages.values())

    def language(self, locale: str | None) -> Language:
        """The language for a Discord locale string (``str(interaction.locale)``,
        ``str(interaction.guild_locale)``); unknown or None → English."""
        spec = resolve_locale(locale)
        return self._languages.get(spec.tag) or self._languages[resolve_locale(None).tag]

    def text(self, locale: str | None, msgid: str, /, **params: Param) -> str:
        """The one way to say a sentence: ``msgid`` (its English) in ``locale``'s
        language, placeholders filled (see ``Param`` for how values are written)."""
        return self.language(locale).text(msgid, **params)

    def render(self, locale: str | None, message: Message) -> str:
        return self.language(locale).render(message)


def catalog_path(directory: Path, catalog: str, domain: str) -> Path:
    return directory / catalog / "LC_MESSAGES" / f"{domain}.po"


def compile_catalog(path: Path, locale: str) -> Translations:
    """One .po file → gettext translations, compiled in memory. Fuzzy entries are left
    out, as msgfmt does: a guess is not a translation."""
    try:
        with path.open("rb") as po:
            catalog = read_po(po, locale=locale, domain=path.stem, abort_invalid=True)
    except FileNotFoundError:
        raise CatalogError(f"translation catalog {path} is missing") from None
    except (OSError, PoFileError, ValueError) as exc:
        raise CatalogError(f"translation catalog {path} can't be read: {exc}") from exc
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=path.stem)
