"""The catalogs themselves: complete, in step with the source, and sound in every language.

These fail when a developer adds or changes an English sentence and forgets the Chinese:
``make translations`` brings the templates and catalogs up to date, then the new entries
need their translations.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from cogs.imagine import words
from cogs.utils import sentences
from imagecore.i18n import COMMANDS_DOMAIN, LOCALES_DIR, SENTENCES_DOMAIN, Catalogs, Plural
from imagecore.i18n.catalogs import DOMAINS, catalog_path
from imagecore.i18n.languages import LANGUAGES

ROOT = LOCALES_DIR.parent
TRANSLATED = [spec.catalog for spec in LANGUAGES if spec.catalog is not None]

# (msgctxt, (msgid,) or (msgid, msgid_plural))
Key = tuple[str | None, tuple[str, ...]]


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def entries(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def key(message: Message) -> Key:
    return (message.context, ids(message))


def ids(message: Message) -> tuple[str, ...]:
    found = message.id
    return tuple(found) if isinstance(found, tuple | list) else (found,)


def strings(message: Message) -> tuple[str, ...]:
    found = message.string
    return tuple(found) if isinstance(found, tuple | list) else (found or "",)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def template(domain: str) -> Catalog:
    return read(LOCALES_DIR / f"{domain}.pot")


def test_both_languages_have_both_domains() -> None:
    assert sorted(TRANSLATED) == ["zh_CN", "zh_TW"]
    assert DOMAINS == (SENTENCES_DOMAIN, COMMANDS_DOMAIN)
    for language in TRANSLATED:
        for domain in DOMAINS:
            assert catalog_path(LOCALES_DIR, language, domain).is_file()


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_nothing_else(language: str, domain: str) -> None:
    wanted = {key(m) for m in entries(template(domain))}
    catalog = read(catalog_path(LOCALES_DIR, language, domain), language)
    have = {key(m) for m in entries(catalog)}
    assert sorted(wanted - have, key=str) == [], "not in the catalog (make translations)"
    assert sorted(have - wanted, key=str) == [], "no longer in the source (make translations)"
    assert list(catalog.obsolete) == [], "obsolete entries left behind"
    untranslated = [m.id for m in entries(catalog) if not all(s.strip() for s in strings(m))]
    assert untranslated == []
    fuzzy = [m.id for m in entries(catalog) if m.fuzzy]
    assert fuzzy == [], "fuzzy entries are guesses: check them and drop the flag"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_are_the_same_in_every_language(language: str, domain: str) -> None:
    catalog = read(catalog_path(LOCALES_DIR, language, domain), language)
    assert catalog.num_plurals == 1  # Chinese: one form for every count
    for message in entries(catalog):
        english = [placeholders(text) for text in ids(message)]
        assert all(names == english[0] for names in english), message.id
        for translated in strings(message):
            assert placeholders(translated) == english[0], (message.id, translated)
            # Every brace is a placeholder: formatting with the English names never fails.
            translated.format_map(dict.fromkeys(english[0], "x"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_markdown_mentions_and_emoji(language: str) -> None:
    catalog = read(catalog_path(LOCALES_DIR, language, SENTENCES_DOMAIN), language)
    for message in entries(catalog):
        english = ids(message)[0]
        for translated in strings(message):
            assert translated.count("**") == english.count("**"), english
            for token in ("<@", "<t:", "/imagine", "IMAGE_API_STYLE", "UTC", "🔄", "🗑️"):
                assert (token in translated) == (token in english), (token, english)
            assert translated != english, "copied, not translated"


def test_the_sentence_template_is_in_step_with_the_source(tmp_path: Path) -> None:
    """Extracted again exactly as `make translations` does, the messages are the same."""
    fresh = tmp_path / "bot.pot"
    config = str(ROOT / "babel.cfg")
    CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", "-F", config, "-o", str(fresh), str(ROOT)]
    )
    extracted = {key(m) for m in entries(read(fresh))}
    committed = {key(m) for m in entries(template(SENTENCES_DOMAIN))}
    assert sorted(extracted - committed, key=str) == [], "marked but not in bot.pot"
    assert sorted(committed - extracted, key=str) == [], "in bot.pot but no longer marked"
    # The source's own sentences, not the tests': only the bot's packages are read.
    for message in entries(read(fresh)):
        assert all(not path.startswith(str(ROOT / "tests")) for path, _ in message.locations)


def english_constants() -> Iterator[tuple[str, str | Plural]]:
    """Every sentence the two sentence modules define: their upper-case constants."""
    for module in (sentences, words):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str | Plural) and not name.startswith("_"):
                yield f"{module.__name__}.{name}", value
    for error_class, sentence in sentences.SENTENCES:
        yield f"SENTENCES[{error_class.__name__}]", sentence


def test_every_sentence_constant_is_marked_for_the_catalogs() -> None:
    msgids = {ids(m) for m in entries(template(SENTENCES_DOMAIN))}
    found = dict(english_constants())
    assert len(found) >= 60
    unmarked = sorted(
        name
        for name, value in found.items()
        if (tuple(value) if isinstance(value, Plural) else (value,)) not in msgids
    )
    assert unmarked == [], "wrap these in N_(...) / NP_(...) and run make translations"


def test_every_catalog_compiles_and_loads() -> None:
    catalogs = Catalogs.load()
    assert [language.tag for language in catalogs.languages] == ["zh-CN", "zh-TW", "en-US", "en-GB"]
    sizes = {
        (spec.catalog, domain): len(
            list(entries(read(catalog_path(LOCALES_DIR, spec.catalog, domain))))
        )
        for spec in LANGUAGES
        if spec.catalog is not None
        for domain in DOMAINS
    }
    # One count for every language: nothing is left untranslated in one of them.
    assert len({count for (_, domain), count in sizes.items() if domain == SENTENCES_DOMAIN}) == 1
    assert len({count for (_, domain), count in sizes.items() if domain == COMMANDS_DOMAIN}) == 1
