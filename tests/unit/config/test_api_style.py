"""IMAGE_API_STYLE and the variables that go with it: each style's effective endpoint, the
DashScope defaults and key alias, and the refusals that name the variable at fault."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings
from config.settings import describe_api
from imagecore.api.styles import DashScopeStyle, OpenAIStyle, RelayStyle

TOKEN = "MTAx.Gg1234.abcdefghijklmnopqrstuvwxyz"
RELAY = {
    "DISCORD_TOKEN": TOKEN,
    "IMAGE_API_BASE_URL": "https://relay.my-host.net/v1",
    "IMAGE_API_KEY": "sk-secret-abcdef",
}


def test_relay_is_the_default_style():
    settings = load_settings(RELAY)
    assert settings.image_api_style == "relay"
    assert isinstance(settings.api_style(), RelayStyle)
    assert settings.generations_url == "https://relay.my-host.net/v1/images/generations"


def test_dashscope_with_only_its_key_and_the_token_is_a_valid_config():
    settings = load_settings(
        {"DISCORD_TOKEN": TOKEN, "IMAGE_API_STYLE": "dashscope", "DASHSCOPE_API_KEY": "sk-ds-1"}
    )
    assert settings.image_api_key.reveal() == "sk-ds-1"
    assert settings.image_api_base_url == "https://dashscope.aliyuncs.com/api/v1"
    assert settings.generations_url == (
        "https://dashscope.aliyuncs.com/api/v1/services/aigc/multimodal-generation/generation"
    )
    style = settings.api_style()
    assert isinstance(style, DashScopeStyle) and "DASHSCOPE_REGION=intl" in style.region_hint


@pytest.mark.parametrize("region", ["intl", "Singapore"])
def test_the_singapore_region(region):
    settings = load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "IMAGE_API_STYLE": "dashscope",
            "IMAGE_API_KEY": "sk-ds-1",
            "DASHSCOPE_REGION": region,
        }
    )
    assert settings.dashscope_region == "intl"
    assert settings.image_api_base_url == "https://dashscope-intl.aliyuncs.com/api/v1"
    assert "DASHSCOPE_REGION=cn" in settings.api_style().region_hint  # type: ignore[attr-defined]


def test_a_dashscope_base_url_wins_over_the_region_default():
    settings = load_settings(
        RELAY | {"IMAGE_API_STYLE": "dashscope", "IMAGE_API_BASE_URL": "http://10.0.0.2:8080/v1"}
    )
    assert settings.generations_url == (
        "http://10.0.0.2:8080/v1/services/aigc/multimodal-generation/generation"
    )


def test_openai_style_and_its_extra_fields():
    settings = load_settings(
        RELAY | {"IMAGE_API_STYLE": "OpenAI", "IMAGE_API_EXTRA_FIELDS": "seed, negative_prompt"}
    )
    style = settings.api_style()
    assert isinstance(style, OpenAIStyle)
    assert style.extra_fields == {"seed", "negative_prompt"}
    assert settings.generations_url == "https://relay.my-host.net/v1/images/generations"


@pytest.mark.parametrize(
    ("env", "variable", "words"),
    [
        ({"IMAGE_API_STYLE": "native"}, "IMAGE_API_STYLE", "relay, dashscope, openai"),
        ({"DASHSCOPE_REGION": "intl"}, "DASHSCOPE_REGION", "only applies"),
        ({"IMAGE_API_STYLE": "dashscope", "DASHSCOPE_REGION": "eu"}, "DASHSCOPE_REGION", "cn"),
        ({"IMAGE_API_EXTRA_FIELDS": "seed"}, "IMAGE_API_EXTRA_FIELDS", "only applies"),
        (
            {"IMAGE_API_STYLE": "openai", "IMAGE_API_EXTRA_FIELDS": "seed,quality"},
            "IMAGE_API_EXTRA_FIELDS",
            "not quality",
        ),
        ({"DASHSCOPE_API_KEY": "sk-other"}, "IMAGE_API_KEY", "set only one"),
        (
            {
                "IMAGE_API_STYLE": "dashscope",
                "IMAGE_API_BASE_URL": "https://dashscope.aliyuncs.com/api/v1/services/aigc/"
                "multimodal-generation/generation",
            },
            "IMAGE_API_BASE_URL",
            "drop /services",
        ),
    ],
)
def test_refusals_name_the_variable(env, variable, words):
    with pytest.raises(ConfigError) as caught:
        load_settings(RELAY | env)
    assert caught.value.variable == variable and words in str(caught.value)


def test_without_any_key_image_api_key_is_named_and_the_base_url_only_for_relays():
    with pytest.raises(ConfigError) as caught:
        load_settings({"DISCORD_TOKEN": TOKEN, "IMAGE_API_STYLE": "dashscope"})
    assert caught.value.variables == ("IMAGE_API_KEY",)
    with pytest.raises(ConfigError) as caught:
        load_settings({"DISCORD_TOKEN": TOKEN, "IMAGE_API_STYLE": "openai"})
    assert caught.value.variables == ("IMAGE_API_BASE_URL", "IMAGE_API_KEY")


def test_the_effective_endpoint_is_described_for_the_log_and_never_the_key():
    settings = load_settings(
        {"DISCORD_TOKEN": TOKEN, "IMAGE_API_STYLE": "dashscope", "IMAGE_API_KEY": "sk-k"}
    )
    assert describe_api(settings) == (
        "image API: dashscope style, POST https://dashscope.aliyuncs.com/api/v1/services/aigc/"
        "multimodal-generation/generation, model qwen-image"
    )
