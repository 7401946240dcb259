"""Every bound on a server's settings, checked in the core whatever path changes them."""

from __future__ import annotations

import pytest

from imagecore.api.request import MAX_NEGATIVE_PROMPT
from imagecore.policy.blocked_words import MAX_RULES
from imagecore.policy.guild_settings import BotDefaults, GuildSettings
from imagecore.policy.sizes import normalise_size
from imagecore.policy.validation import LABELS, validate_changes

BOT = BotDefaults(
    size="1328*1328",
    negative_prompt="",
    prompt_extend=True,
    watermark=False,
    model="qwen-image",
    max_pending_per_user=5,
    models=("qwen-image", "qwen-image-plus"),
    sizes=("1328*1328", "1664*928"),
)


def test_every_setting_has_a_check():
    assert set(LABELS) == set(GuildSettings.names())


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("cooldown_seconds", 0, 86_400),
        ("max_pending_per_user", 1, 5),  # the bot's MAX_PENDING_PER_USER
        ("user_daily_images", 1, 100_000),
        ("guild_daily_images", 1, 1_000_000),
    ],
)
def test_limit_bounds_are_inclusive(name, low, high):
    assert validate_changes({name: low}, BOT) == {name: low}
    assert validate_changes({name: high}, BOT) == {name: high}
    for outside in (low - 1, high + 1):
        with pytest.raises(ValueError, match=f"between {low} and {high}"):
            validate_changes({name: outside}, BOT)
    for junk in (True, "5", 2.0):
        with pytest.raises(ValueError, match="whole number"):
            validate_changes({name: junk}, BOT)


def test_the_message_names_the_setting():
    with pytest.raises(ValueError, match=r"^The cooldown \(seconds\) must be"):
        validate_changes({"cooldown_seconds": -1}, BOT)
    with pytest.raises(ValueError, match=r"^Images waiting per member must be"):
        validate_changes({"max_pending_per_user": 6}, BOT)


@pytest.mark.parametrize(
    "text", ["1328x1328", "1328X1328", "1328×1328", "1328*1328", " 1328 x 1328 ", "1328 1328"]
)
def test_sizes_as_people_type_them(text):
    assert normalise_size(text, BOT.sizes) == "1328*1328"
    assert validate_changes({"size": text}, BOT) == {"size": "1328*1328"}


@pytest.mark.parametrize("text", ["1024*1024", "13281328", "1328", "big", "1328*1328*2", ""])
def test_sizes_not_offered_are_refused_with_the_choices(text):
    with pytest.raises(ValueError, match=r"not offered here\. Choose one of: 1328×1328"):
        validate_changes({"size": text}, BOT)


def test_negative_prompt_length_and_blank():
    text = "n" * MAX_NEGATIVE_PROMPT
    assert validate_changes({"negative_prompt": f" {text} "}, BOT) == {"negative_prompt": text}
    with pytest.raises(ValueError, match=f"at most {MAX_NEGATIVE_PROMPT} characters"):
        validate_changes({"negative_prompt": text + "n"}, BOT)
    # Blank means "none of the server's own": back to the bot's.
    assert validate_changes({"negative_prompt": "  "}, BOT) == {"negative_prompt": None}


def test_model_allow_list():
    assert validate_changes({"model": " qwen-image-plus "}, BOT) == {"model": "qwen-image-plus"}
    with pytest.raises(ValueError, match="This bot offers: qwen-image, qwen-image-plus"):
        validate_changes({"model": "qwen-image-max"}, BOT)


def test_flags_ids_and_lists():
    assert validate_changes({"watermark": True, "prompt_extend": False}, BOT) == {
        "watermark": True,
        "prompt_extend": False,
    }
    with pytest.raises(ValueError, match=r"^Watermark must be on or off"):
        validate_changes({"watermark": "yes"}, BOT)
    assert validate_changes({"allowed_channel_ids": [3, 4, 3]}, BOT) == {
        "allowed_channel_ids": (3, 4)
    }
    for bad in ({"exempt_role_id": 0}, {"allowed_role_ids": "12"}, {"log_channel_id": "1"}):
        with pytest.raises(ValueError):
            validate_changes(bad, BOT)


def test_none_puts_a_setting_back_and_unknown_names_are_refused():
    assert validate_changes({"size": None, "blocked_words": None}, BOT) == {
        "size": None,
        "blocked_words": (),
    }
    with pytest.raises(ValueError, match="no setting called"):
        validate_changes({"colour": "red"}, BOT)


def test_new_blocked_word_rules_are_checked():
    assert validate_changes({"blocked_words": [" gore ", "re:^nsfw"]}, BOT) == {
        "blocked_words": ("gore", "re:^nsfw")
    }
    with pytest.raises(ValueError, match="too slow"):
        validate_changes({"blocked_words": ["re:(a+)+$"]}, BOT)
    with pytest.raises(ValueError, match=f"at most {MAX_RULES}"):
        validate_changes({"blocked_words": [f"w{n}" for n in range(MAX_RULES + 1)]}, BOT)


def test_a_list_holding_an_old_bad_rule_can_still_shrink():
    # Stored before the checks existed: removing another rule must not fail on it.
    current = GuildSettings(blocked_words=("re:(a+)+$", *(f"w{n}" for n in range(MAX_RULES + 1))))
    shrunk = current.blocked_words[:-1]
    assert validate_changes({"blocked_words": shrunk}, BOT, current=current) == {
        "blocked_words": shrunk
    }
    with pytest.raises(ValueError, match="too slow"):
        validate_changes({"blocked_words": ["re:(a+)+$"]}, BOT, current=GuildSettings())
