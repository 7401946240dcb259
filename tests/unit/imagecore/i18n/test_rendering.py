"""Saying a sentence in a member's language: the right catalog, values filled in each
language's way, and English for everyone the bot has no catalog for."""

from __future__ import annotations

import gettext
import io
import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from cogs.imagine.words import DETAILS_ASKED_BY, READY_SO_FAR, STATUS_QUEUED
from cogs.utils.sentences import (
    UNEXPECTED,
    english,
    queue_full,
    queue_full_message,
    refusal_message,
    refusal_sentence,
)
from imagecore.i18n import (
    LOCALES_DIR,
    N_,
    NP_,
    CatalogError,
    Catalogs,
    Language,
    Message,
    SayableError,
)
from imagecore.i18n.languages import SIMPLIFIED_CHINESE
from imagecore.i18n.sizes import localized_size_label
from imagecore.policy.sizes import size_label

NOW = 1_772_409_540.0  # 2026-03-01 23:59 UTC


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "fr", "ja", "pt-BR", "", None])
def test_every_other_locale_reads_english(catalogs: Catalogs, locale: str | None) -> None:
    assert catalogs.text(locale, UNEXPECTED) == UNEXPECTED


def test_chinese_members_read_chinese(catalogs: Catalogs) -> None:
    simplified = catalogs.text("zh-CN", UNEXPECTED)
    traditional = catalogs.text("zh-TW", UNEXPECTED)
    assert simplified == "机器人这边出了问题。管理员可以在它的日志里查看详情。"
    assert traditional == "機器人這邊出了問題。管理員可以在它的日誌裡查看詳細資訊。"
    assert catalogs.text("zh-HK", UNEXPECTED) == traditional


def test_a_message_never_seen_by_the_catalogs_is_said_in_english(catalogs: Catalogs) -> None:
    assert catalogs.text("zh-CN", "Brand new {thing}.", thing="sentence") == "Brand new sentence."


def test_the_queue_status_in_each_language(catalogs: Catalogs) -> None:
    wait = timedelta(seconds=40)
    assert (
        catalogs.text("zh-CN", STATUS_QUEUED, position=3, wait=wait) == "排队中 — 第 3 位，约40秒"
    )
    assert (
        catalogs.text("zh-TW", STATUS_QUEUED, position=3, wait=wait) == "排隊中 — 第 3 位，約 40 秒"
    )
    assert (
        catalogs.text("en-US", STATUS_QUEUED, position=3, wait=wait) == "Queued — #3, about 40 sec"
    )
    ready = {"ready": 2, "count": 4, "seconds": 12}
    assert catalogs.text("zh-CN", READY_SO_FAR, **ready) == "已完成 2/4 张… 12 秒"
    assert catalogs.text("en-US", READY_SO_FAR, **ready) == "2 of 4 ready… 12 s"


def test_ids_go_in_as_they_are_and_quantities_as_numbers(catalogs: Catalogs) -> None:
    asked = catalogs.text("zh-CN", DETAILS_ASKED_BY, user_id=123456789012345678, when=1772409540)
    assert asked == "**请求者** <@123456789012345678> <t:1772409540:f>"
    language = catalogs.language("en-US")
    assert language.format(12345.5) == "12,345.5"
    assert language.format(12345) == "12345"
    assert language.format(datetime(2026, 3, 2, tzinfo=UTC)) == "12:00\u202fAM"


def test_a_refusal_in_chinese_and_in_english_in_the_same_run(catalogs: Catalogs) -> None:
    refused = refusal_message("user_daily", "5", NOW + 60, NOW)
    assert catalogs.render("zh-CN", refused) == (
        "你今天的 5 张图片额度已用完。额度将在 UTC 00:00 重置，还有1分钟。"
    )
    assert catalogs.render("zh-TW", refused) == (
        "你今天的 5 張圖片額度已用完。額度將在 UTC 午夜12:00 重置，還有 1 分鐘。"
    )
    assert catalogs.render("en-GB", refused) == (
        "You've had your 5 images for today. The count resets at 00:00 UTC, in 1 min."
    )
    # The English the bot has always written is unchanged.
    assert english(refused) == refusal_sentence("user_daily", "5", NOW + 60, NOW)
    assert english(refused).endswith("resets at 00:00 UTC, in 1 min.")
    cooldown = refusal_message("cooldown", "30", NOW + 3 * 3600 + 300, NOW)
    assert catalogs.render("zh-CN", cooldown) == "请等待3小时5分钟后再生成下一张图片。"
    assert english(cooldown) == "Please wait 3 h 5 min before your next image."


def test_plurals_follow_each_language(catalogs: Catalogs) -> None:
    assert "You already have 1 image waiting," in catalogs.render("en-US", queue_full_message(1))
    assert "You already have 3 images waiting," in catalogs.render("en-US", queue_full_message(3))
    assert catalogs.render("zh-CN", queue_full_message(1)).startswith("你已有 1 张图片在等待")
    assert catalogs.render("zh-CN", queue_full_message(3)).startswith("你已有 3 张图片在等待")
    assert queue_full(3) == catalogs.render("en-US", queue_full_message(3))
    with pytest.raises(ValueError, match="needs a count"):
        catalogs.render("zh-CN", Message(NP_("{n} cat", "{n} cats"), {"n": 2}))


def compiled(translations: dict[str, str]) -> Translations:
    catalog = Catalog(locale="zh_CN")
    for msgid, msgstr in translations.items():
        catalog.add(msgid, msgstr)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo)


def test_a_translation_that_does_not_fit_its_values_falls_back_to_english(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = compiled({N_("Hello {name}."): "你好，{nom}。"})
    language = Language(SIMPLIFIED_CHINESE, broken, gettext.NullTranslations())
    with caplog.at_level(logging.ERROR):
        assert language.text("Hello {name}.", name="Bob") == "Hello Bob."
    assert "does not fit its values" in caplog.text


def test_command_texts_are_none_where_untranslated() -> None:
    catalog = Catalog(locale="zh_CN")
    catalog.add("prompt", "提示词", context="option name")
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    language = Language(SIMPLIFIED_CHINESE, gettext.NullTranslations(), Translations(mo))
    assert language.command_text("option name", "prompt") == "提示词"
    assert language.command_text("description", "prompt") is None  # another context
    assert language.command_text("option name", "seed") is None


def test_a_missing_or_broken_catalog_is_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"zh_CN/LC_MESSAGES/bot\.po is missing"):
        Catalogs.load(tmp_path)
    shutil.copytree(LOCALES_DIR, tmp_path, dirs_exist_ok=True)
    # A merge left half done.
    (tmp_path / "zh_TW" / "LC_MESSAGES" / "commands.po").write_text("<<<<<<< HEAD\n")
    with pytest.raises(CatalogError, match=r"zh_TW/LC_MESSAGES/commands\.po can't be read"):
        Catalogs.load(tmp_path)


@pytest.mark.parametrize(
    ("size", "zh_cn", "zh_tw"),
    [
        ("1664*928", "16:9 横向 · 1664×928", "16:9 橫向 · 1664×928"),
        ("1328*1328", "1:1 方形 · 1328×1328", "1:1 方形 · 1328×1328"),
        ("928*1664", "9:16 纵向 · 928×1664", "9:16 直向 · 928×1664"),
        ("1000*300", "横向 · 1000×300", "橫向 · 1000×300"),  # near no familiar ratio
    ],
)
def test_size_names_in_each_language(catalogs: Catalogs, size: str, zh_cn: str, zh_tw: str) -> None:
    assert localized_size_label(catalogs.language("zh-CN"), size) == zh_cn
    assert localized_size_label(catalogs.language("zh-TW"), size) == zh_tw
    assert localized_size_label(catalogs.language("en-US"), size) == size_label(size)


def test_say_looks_up_a_message_id_and_leaves_other_text_alone(catalogs):
    chinese = catalogs.language("zh-CN")
    assert chinese.say(UNEXPECTED) != UNEXPECTED
    assert chinese.say(UNEXPECTED) == catalogs.text("zh-CN", UNEXPECTED)
    # A member's own words (braces too) are no message id: they stay as they are.
    assert chinese.say("a {red} fox") == "a {red} fox"
    assert chinese.say("") == ""


def test_a_message_inside_a_message_is_said_in_the_same_language(catalogs):
    on = Message(N_("on"))
    inner = Message(
        N_(
            "**Size:** {size} · **Model:** {model} · **Prompt extend:** {extend} · "
            "**Watermark:** {watermark}"
        ),
        {"size": "1:1", "model": "qwen-image", "extend": on, "watermark": on},
    )
    assert catalogs.language("en-US").say(inner).endswith("**Watermark:** on")
    chinese = catalogs.language("zh-CN").say(inner)
    assert chinese.count(catalogs.text("zh-CN", "on")) == 2 and " on" not in chinese


def test_a_sayable_error_keeps_its_sentence_for_any_language(catalogs):
    from imagecore.api.request import ImageRequest

    with pytest.raises(ValueError, match="longer than 800 characters") as caught:
        ImageRequest(prompt="x" * 801, model="m", size="1*1", prompt_extend=False, watermark=False)
    error = caught.value
    assert isinstance(error, SayableError)
    assert "800" in catalogs.language("zh-TW").say(error.message)
    assert catalogs.language("zh-TW").say(error.message) != str(error)
