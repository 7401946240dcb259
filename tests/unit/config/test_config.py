from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[3]
GOOD = {
    "DISCORD_TOKEN": "MTAx.Gg1234.abcdefghijklmnopqrstuvwxyz",
    "IMAGE_API_BASE_URL": "https://relay.example.com/v1/",
    "IMAGE_API_KEY": "sk-secret-abcdef",
}


def test_defaults():
    settings = load_settings(GOOD)
    assert settings.image_api_base_url == "https://relay.example.com/v1"
    assert settings.generations_url == "https://relay.example.com/v1/images/generations"
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
        }
    )
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
        ("IMAGE_API_BASE_URL", "relay.example.com/v1"),
        ("IMAGE_API_BASE_URL", "https://relay.example.com/v1/images/generations"),
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


def run_bot(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py")],
        env=clean | env,
        cwd=tmp_path,  # no .env here, so only env counts
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "DISCORD_TOKEN"),
        ({**GOOD, "IMAGE_API_TIMEOUT": "ten"}, "IMAGE_API_TIMEOUT"),
    ],
)
def test_start_up_stops_with_one_line_and_exit_code_2(env, named, tmp_path):
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert named in lines[0] and ".env.example" in lines[0]
    assert "Traceback" not in result.stderr
    assert GOOD["IMAGE_API_KEY"] not in result.stderr


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=a.b.c\nIMAGE_API_BASE_URL=https://x/v1\n")
    result = run_bot({}, tmp_path)
    assert result.returncode == 2
    assert "IMAGE_API_KEY" in result.stderr  # the first two came from .env


def test_data_dir_that_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("")
    result = run_bot(GOOD | {"DATA_DIR": str(tmp_path / "file" / "data")}, tmp_path)
    assert result.returncode == 2
    assert "DATA_DIR" in result.stderr and "Traceback" not in result.stderr


def test_env_example_documents_every_variable():
    example = (ROOT / ".env.example").read_text()
    source = (ROOT / "config" / "settings.py").read_text()
    import re

    read = set(re.findall(r'"([A-Z][A-Z_]{3,})"', source)) - {
        "DEBUG",
        "INFO",
        "WARNING",
        "ERROR",
        "CRITICAL",
        "WEBP",
        "JPEG",
    }
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", example, re.MULTILINE))
    assert read <= documented, read - documented
