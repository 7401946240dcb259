from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_settings

GOOD = {
    "DISCORD_TOKEN": "MTAx.Gg1234.abcdefghijklmnopqrstuvwxyz",
    "IMAGE_API_BASE_URL": "https://relay.my-host.net/v1/",
    "IMAGE_API_KEY": "sk-secret-abcdef",
}


def test_defaults():
    settings = load_settings(GOOD)
    assert settings.image_api_base_url == "https://relay.my-host.net/v1"
    assert settings.generations_url == "https://relay.my-host.net/v1/images/generations"
    assert settings.image_model == "qwen-image"
    assert settings.image_api_timeout == 120
    assert settings.image_sizes == ("1664*928", "1472*1104", "1328*1328", "1104*1472", "928*1664")
    assert settings.default_size == "1328*1328"
    assert settings.default_prompt_extend is True
    assert settings.default_watermark is False
    assert settings.default_negative_prompt == ""
    assert settings.discord_guild_ids == ()
    assert settings.data_dir == Path("data")
    assert settings.log_level == "INFO"
    assert (settings.image_api_concurrency, settings.image_api_rate) == (2, 2.0)
    assert settings.max_pending_per_user == 3
    assert settings.image_models == ("qwen-image",)
    assert settings.database_url.reveal() == "sqlite:///data/bot.db"
    assert (settings.history_days, settings.allow_dms) == (90, False)
    assert (settings.cooldown_seconds, settings.user_daily_images) == (0, None)
    assert (settings.metrics_addr, settings.log_format) == (None, "text")


def test_every_variable_is_read():
    settings = load_settings(
        GOOD
        | {
            "IMAGE_MODEL": "qwen-image-plus",
            "IMAGE_API_TIMEOUT": "45",
            "IMAGE_SIZES": "1472*1140, 1140*1472,1328*1328",
            "DEFAULT_SIZE": "1140*1472",
            "DEFAULT_NEGATIVE_PROMPT": "blurry",
            "DEFAULT_PROMPT_EXTEND": "false",
            "DEFAULT_WATERMARK": "yes",
            "DISCORD_GUILD_IDS": "123456789012345678, 223456789012345678",
            "DATA_DIR": "/var/lib/bot",
            "LOG_LEVEL": "debug",
            "IMAGE_API_CONCURRENCY": "4",
            "IMAGE_API_RATE": "0.5",
            "MAX_PENDING_PER_USER": "10",
            "IMAGE_MODELS": "qwen-image-max, qwen-image",
            "DATABASE_URL": "postgresql://bot:pw@db/bot",
            "HISTORY_DAYS": "30",
            "ALLOW_DMS": "true",
            "COOLDOWN_SECONDS": "20",
            "USER_DAILY_IMAGES": "50",
            "MAX_IMAGES_PER_REQUEST": "2",
            "METRICS_ADDR": "0.0.0.0:9108",
            "LOG_FORMAT": "JSON",
        }
    )
    assert settings.metrics_addr == ("0.0.0.0", 9108)
    assert settings.log_format == "json"
    assert settings.image_model == "qwen-image-plus"
    assert settings.image_api_timeout == 45
    assert settings.image_sizes == ("1472*1140", "1140*1472", "1328*1328")
    assert settings.default_size == "1140*1472"
    assert settings.default_negative_prompt == "blurry"
    assert settings.default_prompt_extend is False
    assert settings.default_watermark is True
    assert settings.discord_guild_ids == (123456789012345678, 223456789012345678)
    assert settings.data_dir == Path("/var/lib/bot")
    assert settings.log_level == "DEBUG"
    assert (settings.image_api_concurrency, settings.image_api_rate) == (4, 0.5)
    assert settings.max_pending_per_user == 10
    assert settings.image_models == ("qwen-image-plus", "qwen-image-max", "qwen-image")
    assert settings.database_url.reveal() == "postgresql://bot:pw@db/bot"
    assert (settings.history_days, settings.allow_dms) == (30, True)
    assert (settings.cooldown_seconds, settings.user_daily_images) == (20, 50)
    assert settings.max_images_per_request == 2


@pytest.mark.parametrize("name", ["DISCORD_TOKEN", "IMAGE_API_BASE_URL", "IMAGE_API_KEY"])
def test_each_required_variable_missing(name):
    env = {k: v for k, v in GOOD.items() if k != name}
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert caught.value.variable == name
    assert "required" in str(caught.value) and ".env.example" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DISCORD_TOKEN", "not-a-token"),
        ("IMAGE_API_BASE_URL", "relay.my-host.net/v1"),
        ("IMAGE_API_BASE_URL", "https://relay.my-host.net/v1/images/generations"),
        ("IMAGE_API_KEY", "sk abc"),
        ("IMAGE_MODEL", "qwen image"),
        ("IMAGE_API_TIMEOUT", "soon"),
        ("IMAGE_API_TIMEOUT", "0"),
        ("IMAGE_API_TIMEOUT", "900"),
        ("IMAGE_SIZES", "1328x1328x2"),
        ("IMAGE_SIZES", "big"),
        ("IMAGE_SIZES", ","),
        ("DEFAULT_SIZE", "1024*1024"),
        ("DEFAULT_SIZE", "square"),
        ("DEFAULT_NEGATIVE_PROMPT", "x" * 501),
        ("DEFAULT_PROMPT_EXTEND", "maybe"),
        ("DEFAULT_WATERMARK", "2"),
        ("DISCORD_GUILD_IDS", "my-server"),
        ("DISCORD_GUILD_IDS", "123"),
        ("LOG_LEVEL", "LOUD"),
        ("IMAGE_API_CONCURRENCY", "0"),
        ("IMAGE_API_CONCURRENCY", "1.5"),
        ("IMAGE_API_RATE", "fast"),
        ("IMAGE_API_RATE", "0"),
        ("MAX_PENDING_PER_USER", "-1"),
        ("IMAGE_MODELS", "qwen image"),
        ("DATABASE_URL", "mysql://x"),
        ("HISTORY_DAYS", "0"),
        ("ALLOW_DMS", "sometimes"),
        ("COOLDOWN_SECONDS", "-5"),
        ("USER_DAILY_IMAGES", "0"),
        ("MAX_IMAGES_PER_REQUEST", "11"),
        ("METRICS_ADDR", "9108"),
        ("METRICS_ADDR", "localhost:http"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_each_malformed_value_is_named(name, value):
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD | {name: value})
    assert caught.value.variable == name


def test_secrets_never_show_in_repr():
    settings = load_settings(GOOD)
    text = repr(settings) + str(settings)
    assert GOOD["DISCORD_TOKEN"] not in text
    assert GOOD["IMAGE_API_KEY"] not in text
    assert settings.image_api_key.reveal() == GOOD["IMAGE_API_KEY"]


@pytest.mark.parametrize("blank", ["", "   "])
@pytest.mark.parametrize("name", ["DISCORD_TOKEN", "IMAGE_API_BASE_URL", "IMAGE_API_KEY"])
def test_an_empty_required_variable_is_missing(name, blank):
    # .env.example ships them as `NAME=`, which sets them to "".
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD | {name: blank})
    assert caught.value.variables == (name,)
    assert str(caught.value) == f"{name}: is required but not set (see .env.example)"


def test_every_missing_required_variable_is_named_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings({"IMAGE_API_BASE_URL": "https://relay.my-host.net/v1", "IMAGE_API_KEY": ""})
    assert caught.value.variables == ("DISCORD_TOKEN", "IMAGE_API_KEY")
    assert str(caught.value).startswith("DISCORD_TOKEN, IMAGE_API_KEY: are required but not set")


@pytest.mark.parametrize(
    "host", ["relay.example.com", "example.com", "api.EXAMPLE.org", "images.example.net"]
)
def test_a_documentation_host_is_refused_as_a_placeholder(host):
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD | {"IMAGE_API_BASE_URL": f"https://{host}/v1"})
    assert caught.value.variable == "IMAGE_API_BASE_URL"
    assert f"{host.lower()} is only an example" in str(caught.value)


@pytest.mark.parametrize("host", ["myexample.com", "example.com.my-host.net", "127.0.0.1:3000"])
def test_hosts_that_only_look_like_the_example_are_accepted(host):
    assert load_settings(GOOD | {"IMAGE_API_BASE_URL": f"http://{host}/v1"}).image_api_base_url == (
        f"http://{host}/v1"
    )


@pytest.mark.parametrize(
    ("env", "named", "hint"),
    [
        # Reported as a DEFAULT_SIZE error before: 1328*1328 was not in the converted list.
        ({"IMAGE_SIZES": "1024x1024"}, "IMAGE_SIZES", "1024*1024"),
        ({"IMAGE_SIZES": "1328*1328, 1472X1104"}, "IMAGE_SIZES", "1472*1104"),
        ({"IMAGE_SIZES": "1328×1328"}, "IMAGE_SIZES", "1328*1328"),
        ({"DEFAULT_SIZE": "1328x1328"}, "DEFAULT_SIZE", "1328*1328"),
        ({"IMAGE_SIZES": "1024x1024", "DEFAULT_SIZE": "1024x1024"}, "IMAGE_SIZES", "1024*1024"),
    ],
)
def test_sizes_written_with_an_x_are_refused_with_the_star_form(env, named, hint):
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD | env)
    assert caught.value.variables == (named,)
    assert f"write sizes with *, as in {hint}" in str(caught.value)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"IMAGE_SIZES": "huge"}, "IMAGE_SIZES"),
        ({"IMAGE_SIZES": ",".join(f"{w}*1000" for w in range(1000, 1026))}, "IMAGE_SIZES"),
        ({"DEFAULT_SIZE": "huge"}, "DEFAULT_SIZE"),
        ({"IMAGE_SIZES": "1024*1024", "DEFAULT_SIZE": "1328*1328"}, "DEFAULT_SIZE"),
    ],
)
def test_each_size_error_names_its_own_variable(env, named):
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD | env)
    assert caught.value.variables == (named,)


def test_a_default_size_not_offered_lists_what_is():
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD | {"IMAGE_SIZES": "1024*1024,928*1664", "DEFAULT_SIZE": "1328*1328"})
    assert "1328*1328 is not one of IMAGE_SIZES (1024*1024, 928*1664)" in str(caught.value)


@pytest.mark.parametrize(
    ("image_sizes", "expected"),
    [("1024*1024,928*1664", "1024*1024"), ("928*1664,1328*1328", "1328*1328")],
)
def test_an_empty_default_size_follows_image_sizes(image_sizes, expected):
    settings = load_settings(GOOD | {"IMAGE_SIZES": image_sizes, "DEFAULT_SIZE": ""})
    assert settings.default_size == expected
