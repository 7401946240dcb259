"""How settings and their changes read in Discord messages."""

from __future__ import annotations

import pytest

from cogs.settings.format import LABELS, describe_change, describe_setting, format_value
from imagecore.policy.guild_settings import EffectiveSetting, GuildSettings, SettingChange


def change(name: str, old: object, new: object) -> str:
    return describe_change(SettingChange(guild_id=1, actor_id=2, name=name, old=old, new=new, at=0))


def test_every_server_setting_has_a_label() -> None:
    assert set(LABELS) == set(GuildSettings.names())


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        # Not set / empty: what that means for this setting.
        ("allowed_channel_ids", (), "everywhere"),
        ("allowed_role_ids", (), "everyone"),
        ("blocked_words", (), "none"),
        ("user_daily_images", None, "no limit"),
        ("guild_daily_images", None, "no limit"),
        ("cooldown_seconds", None, "none"),
        ("model", None, "not set"),
        ("negative_prompt", "", "not set"),
        # Each kind of value.
        ("watermark", True, "on"),
        ("prompt_extend", False, "off"),
        ("size", "1328*1328", "1:1 square · 1328×1328"),
        ("exempt_role_id", 42, "<@&42>"),
        ("log_channel_id", 43, "<#43>"),
        ("allowed_channel_ids", (1, 2), "<#1>, <#2>"),
        ("allowed_role_ids", (3,), "<@&3>"),
        ("blocked_words", ("cat", "re:do+g"), "`cat`, `re:do+g`"),
        ("cooldown_seconds", 30, "30"),
        ("user_daily_images", 0, "0"),  # zero is a limit, not "not set"
        ("model", "qwen-image", "qwen-image"),
    ],
)
def test_format_value(name: str, value: object, shown: str) -> None:
    assert format_value(name, value) == shown


def test_long_free_text_is_clipped() -> None:
    shown = format_value("negative_prompt", "n" * 500)
    assert len(shown) == 200 and shown.endswith("…")


def test_describe_setting_says_where_the_value_comes_from() -> None:
    setting = EffectiveSetting(name="watermark", value=False, source="bot default")
    assert describe_setting(setting) == "**Watermark:** off · _bot default_"


def test_a_plain_change_reads_old_to_new() -> None:
    assert change("cooldown_seconds", None, 30) == "Cooldown (s): none → 30"
    assert change("size", "1328*1328", "1664*928") == (
        "Default size: 1:1 square · 1328×1328 → 16:9 landscape · 1664×928"
    )
    assert change("exempt_role_id", 5, None) == "Exempt role: <@&5> → not set"


def test_a_list_change_says_what_was_added_and_removed() -> None:
    assert change("allowed_channel_ids", None, (1, 2)) == "Channels: added <#1>, <#2>"
    assert change("allowed_channel_ids", (1, 2), (2, 3)) == "Channels: added <#3>; removed <#1>"
    assert change("allowed_role_ids", (4, 5), (4,)) == "Roles allowed: removed <@&5>"
    assert change("blocked_words", ("a", "b"), ("b", "a")) == "Blocked words: reordered"


def test_a_long_list_change_does_not_repeat_the_whole_list() -> None:
    words = tuple(f"word{i}" for i in range(500))
    said = change("blocked_words", words, (*words, "new"))
    assert said == "Blocked words: added `new`"


def test_clearing_a_list_reads_as_its_empty_meaning() -> None:
    assert change("allowed_channel_ids", (1, 2), ()) == "Channels: <#1>, <#2> → everywhere"
    assert change("blocked_words", ("x",), ()) == "Blocked words: `x` → none"
