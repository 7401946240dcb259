"""The settings checks' refusals are said in the moderator's language: each is a
SayableError whose subject is a nested message, and its English stays as it always read."""

from __future__ import annotations

import pytest

from imagecore.i18n import Catalogs, Message, SayableError
from imagecore.policy.blocked_words import InvalidRule, compile_rule
from imagecore.policy.validation import LABELS, InvalidSetting, validate_changes
from tests.unit.imagecore.policy.test_validation import BOT


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


def refusal(changes: dict[str, object]) -> SayableError:
    with pytest.raises(SayableError) as caught:
        validate_changes(changes, BOT)
    return caught.value


@pytest.mark.parametrize(
    ("changes", "english", "chinese", "traditional"),
    [
        (
            {"cooldown_seconds": -1},
            "The cooldown (seconds) must be a whole number between 0 and 86400.",
            "冷却时间（秒）必须是 0 到 86400 之间的整数。",
            "冷卻時間（秒）必須是 0 到 86400 之間的整數。",
        ),
        (
            {"watermark": "yes"},
            "Watermark must be on or off.",
            "水印只能是开或关。",
            "浮水印只能是開或關。",
        ),
        (
            {"model": "qwen-image-max"},
            "Unknown model “qwen-image-max”. This bot offers: qwen-image, qwen-image-plus.",
            "未知模型“qwen-image-max”。本机器人提供：qwen-image, qwen-image-plus。",
            "未知的模型「qwen-image-max」。本機器人提供：qwen-image, qwen-image-plus。",
        ),
        (
            {"language": "fr"},
            "The language must be one of auto, zh-CN, zh-TW, en-US.",
            "语言必须是以下之一：auto, zh-CN, zh-TW, en-US。",
            "語言必須是下列其中之一：auto, zh-CN, zh-TW, en-US。",
        ),
        (
            {"colour": "red"},
            "There is no setting called “colour”.",
            "没有名为“colour”的设置。",
            "沒有名為「colour」的設定。",
        ),
    ],
)
def test_a_refusal_reads_in_each_language(catalogs, changes, english, chinese, traditional):
    error = refusal(changes)
    assert isinstance(error, InvalidSetting) and isinstance(error, ValueError)
    assert str(error) == english
    assert catalogs.render("en-US", error.message) == english
    assert catalogs.render("zh-CN", error.message) == chinese
    assert catalogs.render("zh-TW", error.message) == traditional


@pytest.mark.parametrize("name", sorted(LABELS))
def test_every_subject_is_a_nested_message_said_in_the_readers_language(catalogs, name):
    # A value of the wrong kind for every setting: each names its setting.
    error = refusal({name: object()})
    subject = error.message.params.get("setting")
    assert subject == Message(LABELS[name])
    assert str(error).startswith(LABELS[name])
    for locale in ("zh-CN", "zh-TW"):
        said = catalogs.render(locale, error.message)
        assert LABELS[name] not in said, said
        assert said.startswith(catalogs.render(locale, Message(LABELS[name]))), said


def test_a_bad_blocked_word_rule_is_sayable_and_still_a_value_error(catalogs):
    with pytest.raises(ValueError, match="too slow on long prompts") as caught:
        compile_rule("re:(a+)+$")
    error = caught.value
    assert isinstance(error, InvalidRule) and isinstance(error, SayableError)
    assert catalogs.render("zh-CN", error.message).startswith("这个正则表达式处理长提示词时太慢")
    assert catalogs.render("zh-TW", error.message).startswith("這個正規表示式處理長提示詞時太慢")


def test_a_rule_refusal_keeps_its_values(catalogs):
    with pytest.raises(InvalidRule) as caught:
        compile_rule("x" * 101)
    assert str(caught.value) == "A rule may be at most 100 characters."
    assert catalogs.render("zh-TW", caught.value.message) == "一條規則最多 100 個字元。"
    with pytest.raises(InvalidRule) as caught:
        compile_rule("re:(unclosed")
    reason = caught.value.message.params["reason"]
    assert str(caught.value) == f"That regular expression is not valid: {reason}."
    assert catalogs.render("zh-CN", caught.value.message) == f"这个正则表达式无效：{reason}。"


def test_a_rule_inside_a_list_change_reaches_the_moderator_whole(catalogs):
    error = refusal({"blocked_words": ["re:"]})
    assert isinstance(error, InvalidRule)
    assert catalogs.render("zh-CN", error.message) == "规则为空。"
