"""Which language a Discord locale string reads."""

from __future__ import annotations

import pytest

from imagecore.i18n import SERVER_LANGUAGE_CHOICES, resolve_locale, server_locale


@pytest.mark.parametrize(
    ("locale", "tag", "catalog", "cldr"),
    [
        ("zh-CN", "zh-CN", "zh_CN", "zh_Hans_CN"),
        ("zh-TW", "zh-TW", "zh_TW", "zh_Hant_TW"),
        ("en-US", "en-US", None, "en_US"),
        # British English reads the same sentences with its own times (00:00, not 12:00 AM).
        ("en-GB", "en-GB", None, "en_GB"),
        # Other spellings of the same languages.
        ("zh_CN", "zh-CN", "zh_CN", "zh_Hans_CN"),
        ("ZH-tw", "zh-TW", "zh_TW", "zh_Hant_TW"),
        ("zh", "zh-CN", "zh_CN", "zh_Hans_CN"),
        ("zh-Hans", "zh-CN", "zh_CN", "zh_Hans_CN"),
        ("zh-Hant", "zh-TW", "zh_TW", "zh_Hant_TW"),
        # Hong Kong writes Traditional Chinese.
        ("zh-HK", "zh-TW", "zh_TW", "zh_Hant_TW"),
        # Anything else, Discord's other languages included: US English throughout.
        ("fr", "en-US", None, "en_US"),
        ("ja", "en-US", None, "en_US"),
        ("es-419", "en-US", None, "en_US"),
        ("en", "en-US", None, "en_US"),
        ("", "en-US", None, "en_US"),
        (None, "en-US", None, "en_US"),
    ],
)
def test_each_locale_finds_its_language(
    locale: str | None, tag: str, catalog: str | None, cldr: str
) -> None:
    spec = resolve_locale(locale)
    assert (spec.tag, spec.catalog, spec.cldr) == (tag, catalog, cldr)


def test_public_messages_follow_the_setting_then_the_server() -> None:
    assert SERVER_LANGUAGE_CHOICES == ("auto", "zh-CN", "zh-TW", "en-US")
    assert server_locale(None, "zh-CN") == "zh-CN"
    assert server_locale("auto", "zh-TW") == "zh-TW"
    assert server_locale("", "zh-TW") == "zh-TW"
    assert server_locale("en-US", "zh-CN") == "en-US"
    assert server_locale("zh-TW", "en-US") == "zh-TW"
    assert server_locale("auto", None) is None  # no server (a DM): English
