"""The bot's real command tree, as Discord is sent it: every command, option and choice
carries zh-CN and zh-TW localizations within Discord's limits, command names stay
English, and the commands catalog is in step with the tree."""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
import pytest_asyncio
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from discord import app_commands
from discord.app_commands import TranslationContext, TranslationContextLocation, locale_str

from imagecore.i18n import LOCALES_DIR, Catalogs, Language
from imagecore.i18n.languages import ENGLISH, SIMPLIFIED_CHINESE
from runtime.command_translator import (
    CHOICE,
    DESCRIPTION,
    MAX_CHOICE_NAME,
    MAX_DESCRIPTION,
    NAME_PATTERN,
    OPTION_NAME,
    CommandText,
    CommandTranslator,
    catalog_entry,
    command_template,
    command_texts,
    offline_command_tree,
)

CHINESE = ("zh-CN", "zh-TW")
Location = TranslationContextLocation
# Application command option types that are subcommands or groups, not options.
SUBCOMMAND, GROUP = 1, 2
# Application command types: slash commands and message context menus.
CHAT_INPUT, MESSAGE_MENU = 1, 3


@dataclass
class Sent:
    payloads: list[dict[str, Any]]
    texts: dict[CommandText, set[str]]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sent() -> Sent:
    """The real bot's commands, translated as a sync would send them."""
    translator = CommandTranslator(Catalogs.load())
    async with offline_command_tree() as tree:
        payloads = [await c.get_translated_payload(tree, translator) for c in tree.get_commands()]
        texts = await command_texts(tree)
    return Sent(payloads, texts)


def walk(payload: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every command, subcommand, group and option of a payload, with its path."""
    here = f"{path} {payload['name']}".strip()
    yield here, payload
    for option in payload.get("options", []):
        yield from walk(option, here)


def is_command(node: dict[str, Any], top: bool) -> bool:
    return top or node.get("type") in (SUBCOMMAND, GROUP)


def valid_name(name: str) -> bool:
    return len(name) <= 32 and bool(NAME_PATTERN.match(name)) and name == name.lower()


def test_the_tree_has_the_commands_members_know(sent: Sent) -> None:
    names = {payload["name"] for payload in sent.payloads}
    assert {"imagine", "imagine-queue", "imagine-settings", "imagine-quota"} <= names


def test_command_names_stay_english(sent: Sent) -> None:
    for payload in sent.payloads:
        if payload.get("type", CHAT_INPUT) != CHAT_INPUT:
            continue  # a context menu's name is what the Apps menu shows: translated below
        for path, node in walk(payload):
            if is_command(node, node is payload):
                assert not node.get("name_localizations"), f"/{path} is renamed"


def test_context_menus_are_named_in_both_chinese_scripts(sent: Sent) -> None:
    menus = [p for p in sent.payloads if p.get("type") == MESSAGE_MENU]
    assert [m["name"] for m in menus] == ["Edit image"]
    for menu in menus:
        assert "description" not in menu or menu["description"] == ""
        named = menu.get("name_localizations") or {}
        assert set(named) == set(CHINESE), menu
        assert all(1 <= len(text) <= 32 for text in named.values())
        assert menu["name"] not in named.values()


def test_every_description_option_and_choice_has_both_chinese_localizations(sent: Sent) -> None:
    missing: list[str] = []
    for payload in sent.payloads:
        if payload.get("type", CHAT_INPUT) != CHAT_INPUT:
            continue  # context menus have no description or options
        for path, node in walk(payload):
            described = node.get("description_localizations") or {}
            # "…" is discord.py's stand-in for an option nobody described: nothing to say.
            if node["description"] != "…":
                missing += [
                    f"/{path} description ({lang})" for lang in CHINESE if lang not in described
                ]
            if not is_command(node, node is payload):
                named = node.get("name_localizations") or {}
                missing += [
                    f"/{path} option name ({lang})" for lang in CHINESE if lang not in named
                ]
            for choice in node.get("choices", []):
                if not any(c.isalpha() for c in choice["name"]):
                    continue  # counts (1, 2, 3) read the same everywhere
                localized = choice.get("name_localizations") or {}
                missing += [
                    f"/{path} choice {choice['name']!r} ({lang})"
                    for lang in CHINESE
                    if lang not in localized
                ]
    assert missing == []


def test_only_the_chinese_locales_are_localized(sent: Sent) -> None:
    for payload in sent.payloads:
        for _, node in walk(payload):
            for field in ("name_localizations", "description_localizations"):
                assert set(node.get(field) or {}) <= set(CHINESE)


def test_every_localized_string_is_within_discords_limits(sent: Sent) -> None:
    for payload in sent.payloads:
        if payload.get("type", CHAT_INPUT) != CHAT_INPUT:
            continue  # checked with the context menus
        for path, node in walk(payload):
            for lang, text in (node.get("description_localizations") or {}).items():
                assert 1 <= len(text) <= MAX_DESCRIPTION, (path, lang, text)
            for lang, text in (node.get("name_localizations") or {}).items():
                assert valid_name(text), (path, lang, text)
            for choice in node.get("choices", []):
                for lang, text in (choice.get("name_localizations") or {}).items():
                    assert 1 <= len(text) <= MAX_CHOICE_NAME, (path, lang, text)


def test_option_names_stay_unique_within_each_command_in_every_language(sent: Sent) -> None:
    for payload in sent.payloads:
        for path, node in walk(payload):
            options = [o for o in node.get("options", []) if o.get("type") not in (1, 2)]
            for lang in CHINESE:
                names = [(o.get("name_localizations") or {}).get(lang, o["name"]) for o in options]
                assert len(names) == len(set(names)), (path, lang, names)


def test_the_commands_template_is_in_step_with_the_tree(sent: Sent) -> None:
    with (LOCALES_DIR / "commands.pot").open("rb") as pot:
        committed = {CommandText(m.context or "", str(m.id)) for m in read_po(pot) if m.id}
    found = set(sent.texts)
    assert sorted(found - committed) == [], "new command texts: make translations"
    assert sorted(committed - found) == [], "gone from the commands: make translations"


def test_the_template_says_where_each_text_is_used(sent: Sent) -> None:
    template = command_template(sent.texts)
    prompt = template.get("prompt", context=OPTION_NAME)
    assert prompt is not None
    assert "/imagine prompt" in " ".join(prompt.auto_comments)
    clear = template.get("negative prompt", context=CHOICE)
    assert clear is not None
    assert "/imagine-settings defaults clear" in " ".join(clear.auto_comments)


def test_size_choices_are_said_with_the_size_words(sent: Sent) -> None:
    imagine = next(p for p in sent.payloads if p["name"] == "imagine")
    size = next(o for o in imagine["options"] if o["name"] == "size")
    square = next(c for c in size["choices"] if c["value"] == "1328*1328")
    assert square["name"] == "1:1 square · 1328×1328"
    assert square["name_localizations"] == {
        "zh-CN": "1:1 方形 · 1328×1328",
        "zh-TW": "1:1 方形 · 1328×1328",
    }
    prompt = next(o for o in imagine["options"] if o["name"] == "prompt")
    assert prompt["name_localizations"] == {"zh-CN": "提示词", "zh-TW": "提示詞"}
    assert imagine["description_localizations"]["zh-CN"] == "根据文字提示词生成图片"


# -- the translator on its own --------------------------------------------------------


@pytest.fixture(scope="module")
def translator() -> CommandTranslator:
    return CommandTranslator(Catalogs.load())


@pytest.mark.parametrize(
    "locale",
    [discord.Locale.american_english, discord.Locale.british_english, discord.Locale.french],
)
def test_other_locales_get_no_localization(translator: CommandTranslator, locale) -> None:
    assert translator.localize("What to draw", locale, Location.parameter_description) is None
    assert translator.localize("prompt", locale, Location.parameter_name) is None


@pytest.mark.parametrize("location", [Location.command_name, Location.group_name])
def test_command_and_group_names_are_never_translated(
    translator: CommandTranslator, location: TranslationContextLocation
) -> None:
    # Even a name the catalog knows as an option.
    assert translator.localize("prompt", discord.Locale.chinese, location) is None
    assert catalog_entry(location, "prompt") is None


def test_what_the_catalog_does_not_know_is_left_to_english(translator: CommandTranslator) -> None:
    chinese = discord.Locale.chinese
    assert translator.localize("Something new", chinese, Location.command_description) is None
    assert translator.localize("…", chinese, Location.parameter_description) is None
    assert translator.localize("3", chinese, Location.choice_name) is None
    assert translator.localize("Anything", chinese, Location.other) is None


def test_each_location_reads_its_own_context() -> None:
    assert catalog_entry(Location.command_description, "x") == CommandText(DESCRIPTION, "x")
    assert catalog_entry(Location.group_description, "x") == CommandText(DESCRIPTION, "x")
    assert catalog_entry(Location.parameter_description, "x") == CommandText(DESCRIPTION, "x")
    assert catalog_entry(Location.parameter_name, "size") == CommandText(OPTION_NAME, "size")
    assert catalog_entry(Location.choice_name, "size") == CommandText(CHOICE, "size")
    assert catalog_entry(Location.choice_name, "10") is None


async def test_discord_py_asks_and_gets_the_catalogs_answer(translator: CommandTranslator) -> None:
    choice = app_commands.Choice(name="9:16 portrait · 928×1664", value="928*1664")
    context = TranslationContext(location=Location.choice_name, data=choice)
    said = await translator.translate(
        locale_str(choice.name), discord.Locale.taiwan_chinese, context
    )
    assert said == "9:16 直向 · 928×1664"


def one_language(commands: dict[tuple[str, str], str]) -> Catalogs:
    catalog = Catalog(locale="zh_CN")
    for (context, msgid), msgstr in commands.items():
        catalog.add(msgid, msgstr, context=context)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    english = gettext.NullTranslations()
    return Catalogs(
        {
            "zh-CN": Language(SIMPLIFIED_CHINESE, english, Translations(mo)),
            "en-US": Language(ENGLISH, english, english),
        }
    )


@pytest.mark.parametrize(
    ("location", "context", "bad"),
    [
        (Location.parameter_name, OPTION_NAME, "反向 提示词"),  # a space
        (Location.parameter_name, OPTION_NAME, "Prompt"),  # upper case
        (Location.parameter_name, OPTION_NAME, "提" * 33),  # too long
        (Location.parameter_name, OPTION_NAME, "提示词!"),  # punctuation
        (Location.parameter_description, DESCRIPTION, "长" * 101),
        (Location.choice_name, CHOICE, "长" * 101),
    ],
)
def test_a_translation_discord_would_refuse_is_dropped_not_sent(
    location: TranslationContextLocation, context: str, bad: str, caplog: pytest.LogCaptureFixture
) -> None:
    translator = CommandTranslator(one_language({(context, "prompt"): bad}))
    with caplog.at_level(logging.WARNING):
        assert translator.localize("prompt", discord.Locale.chinese, location) is None
    assert "breaks Discord's limits" in caplog.text


def test_a_good_chinese_option_name_passes() -> None:
    translator = CommandTranslator(one_language({(OPTION_NAME, "prompt"): "提示词"}))
    said = translator.localize("prompt", discord.Locale.chinese, Location.parameter_name)
    assert said == "提示词"
    assert valid_name("negative_prompt") and valid_name("图片2") and not valid_name("Bad")
