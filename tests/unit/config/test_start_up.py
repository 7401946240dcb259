"""The bot process at start-up, and .env.example as a new user copies it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from config import ConfigError, load_settings
from tests.unit.config.test_config import GOOD

ROOT = Path(__file__).resolve().parents[3]
REQUIRED = ("DISCORD_TOKEN", "IMAGE_API_BASE_URL", "IMAGE_API_KEY")


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
    source = "".join(path.read_text() for path in (ROOT / "config").glob("*.py"))
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


def test_env_example_as_shipped_names_the_three_values_to_fill_in(tmp_path):
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = run_bot({}, tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN, IMAGE_API_BASE_URL, IMAGE_API_KEY: are required but not set" in lines[0]


def test_env_example_leaves_only_the_required_values_to_fill_in():
    example = {k: v or "" for k, v in dotenv_values(ROOT / ".env.example").items()}
    with pytest.raises(ConfigError) as caught:
        load_settings(example)
    assert caught.value.variables == REQUIRED
    # Filled in, every optional value as shipped is valid.
    settings = load_settings(example | GOOD)
    assert settings.default_size == "1328*1328"
    assert settings.image_models == ("qwen-image", "qwen-image-plus")
