"""/imagine-settings' lines in Chinese: every label, empty meaning and source word is in
the catalogs, and a line keeps its layout (mentions, Markdown) in every language."""

from __future__ import annotations

import pytest

from cogs.settings.format import (
    EMPTY,
    LABELS,
    LANGUAGE_NAMES,
    SOURCES,
    describe_change,
    describe_setting,
    format_value,
)
from imagecore.i18n import Catalogs, Language
from imagecore.policy.guild_settings import EffectiveSetting, SettingChange


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


@pytest.fixture(scope="module")
def chinese(catalogs: Catalogs) -> Language:
    return catalogs.language("zh-CN")


@pytest.fixture(scope="module")
def traditional(catalogs: Catalogs) -> Language:
    return catalogs.language("zh-TW")


def change(name: str, old: object, new: object) -> SettingChange:
    return SettingChange(guild_id=1, actor_id=2, name=name, old=old, new=new, at=0)


@pytest.mark.parametrize("locale", ["zh-CN", "zh-TW"])
def test_every_word_of_the_settings_is_translated(catalogs: Catalogs, locale: str) -> None:
    language = catalogs.language(locale)
    words = [*LABELS.values(), *EMPTY.values(), *SOURCES.values(), LANGUAGE_NAMES["auto"]]
    assert [w for w in words if language.say(w) == w] == []


def test_a_setting_line_in_chinese(chinese: Language, traditional: Language) -> None:
    setting = EffectiveSetting(name="watermark", value=False, source="bot default")
    assert describe_setting(setting, chinese) == "**水印：** 关 · _机器人默认_"
    assert describe_setting(setting, traditional) == "**浮水印：** 關 · _機器人預設_"
    size = EffectiveSetting(name="size", value="1664*928", source="server")
    assert describe_setting(size, chinese) == "**默认尺寸：** 16:9 横向 · 1664×928 · _服务器_"


def test_values_in_chinese(chinese: Language, traditional: Language) -> None:
    assert format_value("allowed_channel_ids", (), chinese) == "所有频道"
    assert format_value("allowed_channel_ids", (), traditional) == "所有頻道"
    assert format_value("user_daily_images", None, chinese) == "不限"
    assert format_value("model", None, traditional) == "未設定"
    assert format_value("language", None, traditional) == "自動（依照伺服器的 Discord 語言）"
    # A language's own name reads the same in every language; mentions stay mentions.
    assert format_value("language", "zh-CN", traditional) == "简体中文"
    assert format_value("exempt_role_id", 42, chinese) == "<@&42>"
    assert format_value("model", "qwen-image", chinese) == "qwen-image"


def test_changes_in_chinese(chinese: Language, traditional: Language) -> None:
    said = describe_change(change("cooldown_seconds", None, 30), chinese)
    assert said == "冷却时间（秒）：无 → 30"
    said = describe_change(change("allowed_channel_ids", (1, 2), (2, 3)), traditional)
    assert said == "頻道：新增了 <#3>; 移除了 <#1>"
    said = describe_change(change("blocked_words", ("a", "b"), ("b", "a")), chinese)
    assert said == "屏蔽词：调整了顺序"
    said = describe_change(change("language", None, "zh-TW"), chinese)
    assert said == "语言：自动（跟随服务器的 Discord 语言） → 繁體中文"


def test_without_a_language_the_lines_are_english() -> None:
    assert describe_change(change("editing", None, False)) == "Editing: not set → off"
    assert describe_change(change("language", "zh-CN", None)) == (
        "Language: 简体中文 → auto (the server's Discord language)"
    )
